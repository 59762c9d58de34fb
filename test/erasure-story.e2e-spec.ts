import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describeWithKafka, kafkaBroker } from './kafka/kafka-broker';
import { readAgencyTopics } from '../apps/coordinator/src/relay/testing/relay-expectations';
import { checkpointOfWholeStore, fetchText, runAudit, saveFile, scratchDir } from './support/audit-cli';
import { AgencyClient, eventually, LogCapture, RunningService } from './support/running-service';

jest.setTimeout(180_000);

/** What identifies the girl, and must be nowhere in clear once she is erased (and never in a file or on Kafka). */
const SECRETS = ['Anneli', 'Tamm-Svensson', '201005231236', '1005231236', 'Tallinn', 'Kalamaja'];

/**
 * The erasure story: the police in Malmö and social services each open a case about the same girl, and find
 * each other's case through her person record; her guardian is recorded; the police, who answer for her
 * record, erase her. Then nothing that identifies her is in clear anywhere (every file of the data directory,
 * every agency's Kafka topic, the service's log), every read shows her fields as erased, and the chain, the
 * checkpoints and an offline verification of a fresh export still hold.
 */
describeWithKafka('the erasure of a person', () => {
  let service: RunningService;
  let prefix: string;
  let brokers: string[];
  const log = new LogCapture();
  const as: Record<string, AgencyClient> = {};
  let personId: string;
  const cases: Record<string, string> = {};

  beforeAll(async () => {
    brokers = (await kafkaBroker()).brokers;
    prefix = `erasure-${randomUUID().slice(0, 8)}`;
    service = await RunningService.start({
      env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '1', SAMVERKAN_RELAY_TRANSACTIONAL_ID: `${prefix}-relay` },
      logger: log,
    });
    for (const agency of ['polisen-malmo', 'socialtjansten-malmo', 'internrevisionen']) as[agency] = await service.as(agency);
  }, 300_000);

  afterAll(() => service?.stop());

  it('brings the two agencies together through her record, with her guardian recorded', async () => {
    const police = as['polisen-malmo'];
    const social = as['socialtjansten-malmo'];
    personId = (
      await police.post('/persons', {
        category: 'victim',
        identity: { givenName: 'Anneli', familyName: 'Tamm-Svensson', personalIdentityNumber: '20100523-1236', citizenship: 'EE' },
      })
    ).body.personId;
    const subject = { personId, category: 'victim', ageGroup: 'child', originRegion: 'baltic' };
    cases.police = (
      await police.post('/cases', {
        subject,
        exploitation: 'sexual-exploitation',
        summary: 'Anneli Tamm-Svensson, 15, from Tallinn (Kalamaja), found at an address in Malmö',
      })
    ).body.caseId;
    const evidence = await police.post(`/cases/${cases.police}/evidence`, { description: "phone of Anneli Tamm-Svensson with the recruiter's messages" });
    expect(evidence.status).toBe(201);

    const [found] = (await social.post('/persons/search', { personalIdentityNumber: '100523-1236' })).body.persons;
    expect(found).toMatchObject({ personId, responsibleAgency: 'polisen-malmo', cases: [{ caseId: cases.police, leadAgency: 'polisen-malmo' }] });
    cases.social = (await social.post('/cases', { subject, summary: 'Anneli met at the shelter; mother in Tallinn' })).body.caseId;
    expect(cases.social).toEqual(expect.any(String));

    const guardian = (
      await police.post('/persons', { category: 'relative', identity: { givenName: 'Maret', familyName: 'Tamm', contact: 'via the consulate' } })
    ).body.personId;
    expect((await police.post(`/persons/${personId}/relatives`, { relativeId: guardian, relation: 'guardian' })).status).toBe(201);

    // Before the erasure her texts read in clear, to those who may see them.
    const timeline = (await police.get(`/cases/${cases.police}/timeline`)).body.events;
    expect(timeline[0].data.summary).toBe('Anneli Tamm-Svensson, 15, from Tallinn (Kalamaja), found at an address in Malmö');
    expect((await police.get(`/persons/${personId}`)).body.identity).toMatchObject({ familyName: 'Tamm-Svensson' });
  });

  it('erases her on the legal basis the police give, destroying her key', async () => {
    const erased = await as['polisen-malmo'].post(`/persons/${personId}/erasure`, { basis: 'request-by-the-person' });
    expect(erased.status).toBe(201);
    expect((await as['internrevisionen'].get(`/persons/${personId}`)).body).toMatchObject({ status: 'erased', identity: null, identityWithheld: 'erased' });
    expect((await as['socialtjansten-malmo'].post('/persons/search', { personalIdentityNumber: '20100523-1236' })).body.persons).toEqual([]);
  });

  it('shows every free text about her as erased, on every case about her, to everyone', async () => {
    for (const [agency, caseId] of [
      ['polisen-malmo', cases.police],
      ['socialtjansten-malmo', cases.social],
      ['internrevisionen', cases.police],
    ] as const) {
      const timeline = (await as[agency].get(`/cases/${caseId}/timeline`)).body.events;
      expect({ agency, summary: timeline[0].data.summary }).toEqual({ agency, summary: { erased: true } });
      expect(JSON.stringify(timeline)).not.toMatch(new RegExp(SECRETS.join('|')));
      expect((await as[agency].get(`/cases/${caseId}`)).body.summary).toEqual({ erased: true });
    }
    const evidence = (await as['polisen-malmo'].get(`/cases/${cases.police}`)).body.evidence;
    expect(evidence).toEqual([expect.objectContaining({ description: { erased: true } })]);
    // and the case takes no more free text about her
    const more = await as['polisen-malmo'].post(`/cases/${cases.police}/evidence`, { description: 'another phone' });
    expect({ status: more.status, rule: more.body.rule }).toEqual({ status: 409, rule: 'subject-erased' });
  });

  it('leaves nothing of her in clear in any file, on any Kafka topic, or in the log', async () => {
    await checkpointOfWholeStore(service, as['internrevisionen'].token);
    for (const file of readdirSync(service.config.dataDir)) {
      const path = join(service.config.dataDir, file);
      if (!statSync(path).isFile()) continue;
      const bytes = readFileSync(path);
      expect({ file, found: SECRETS.filter((text) => bytes.includes(text)) }).toEqual({ file, found: [] });
    }
    const kafka = new Kafka({ clientId: 'erasure-reader', brokers, logLevel: logLevel.NOTHING });
    const agencies = ['polisen-malmo', 'socialtjansten-malmo'];
    const topics = await eventually(async () => {
      const read = await readAgencyTopics(
        kafka,
        prefix,
        agencies,
        new Map([
          ['polisen-malmo', 1],
          ['socialtjansten-malmo', 1],
        ]),
      );
      return read.get('polisen-malmo')!.some((m) => m.caseId === cases.police) ? read : undefined;
    }, 'the relay to publish the cases');
    for (const [agency, messages] of topics) {
      const bytes = JSON.stringify(messages);
      expect({ agency, messages: messages.length > 0, found: SECRETS.filter((text) => bytes.includes(text)) }).toEqual({ agency, messages: true, found: [] });
    }
    const logged = log.lines.join('\n');
    expect(SECRETS.filter((text) => logged.includes(text))).toEqual([]);
  });

  it('still verifies: both chains, and a fresh export against the checkpoints, offline', async () => {
    for (const caseId of Object.values(cases)) expect((await as['internrevisionen'].get(`/cases/${caseId}/verify`)).body).toMatchObject({ result: 'ok' });
    const auditor = as['internrevisionen'].token;
    const { note } = await checkpointOfWholeStore(service, auditor);
    const dir = scratchDir('erasure');
    const key = saveFile(dir, 'ledger.vkey', (await fetchText(service, '/ledger/key')).text);
    const checkpoint = saveFile(dir, 'now.checkpoint', note);
    const exported = saveFile(dir, 'ledger.ndjson', (await fetchText(service, '/ledger/export', { token: auditor })).text);
    const run = await runAudit(['verify-log', exported, '--key', key, '--checkpoint', checkpoint]);
    expect({ code: run.code, out: run.stdout }).toEqual({ code: 0, out: expect.stringMatching(/^OK log/m) });
    const bundle = saveFile(dir, 'bundle.json', (await fetchText(service, `/cases/${cases.police}/audit-bundle`, { token: auditor })).text);
    expect((await runAudit(['verify-bundle', bundle, '--key', key])).code).toBe(0);
  });
});
