import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describeWithKafka, kafkaBroker } from './kafka/kafka-broker';
import { readAgencyTopics } from '../apps/coordinator/src/relay/testing/relay-expectations';
import { checkpointOfWholeStore, runAudit, saveFile, scratchDir } from './support/audit-cli';
import { feedOfCase, fromKafka, Seen, timelineOf } from './support/reader-paths';
import { AgencyClient, eventually, RunningService } from './support/running-service';

jest.setTimeout(120_000);

const POLICE = 'polisen-malmo';
const SOCIAL = 'socialtjansten-malmo';
const MIGRATION = 'migrationsverket-stockholm';
const COORDINATOR = 'mika-malmo';
const PROSECUTOR = 'aklagare-internationella';
const AUDITOR = 'internrevisionen';
const today = () => new Date().toISOString().slice(0, 10);

/**
 * The whole story of a child victim from the source material, against the running service with Kafka: opened by
 * the police in Malmö, referred to social services by the service itself and accepted; shelter, psychological
 * and health care; the guardian's consent to share health details, and later to share with the Migration
 * Agency; cooperation, investigation, a reflection period, evidence; the coordinator and the prosecutor join;
 * prosecution, conviction, the case closed. Then what each of the police, social services, the Migration
 * Agency, the coordinator, the prosecutor and an auditor sees of it, on every path: the summary, the timeline
 * (now and as it stood), the feed, the Kafka topic, the audit bundle (verified offline) and the access log.
 */
describeWithKafka('the story of a child victim', () => {
  let service: RunningService;
  const as: Record<string, AgencyClient> = {};
  let caseId: string;
  let prefix: string;
  let brokers: string[];
  /** The revision each step of the story reached. */
  const at: Record<string, number> = {};

  beforeAll(async () => {
    brokers = (await kafkaBroker()).brokers;
    prefix = `story-${randomUUID().slice(0, 8)}`;
    service = await RunningService.start({
      env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '1', SAMVERKAN_RELAY_TRANSACTIONAL_ID: `${prefix}-relay` },
    });
    for (const agency of [POLICE, SOCIAL, MIGRATION, COORDINATOR, PROSECUTOR, AUDITOR, 'polisen-stockholm'])
      as[agency] = await service.as(agency, `${agency}-officer`);
  }, 300_000);

  afterAll(() => service?.stop());

  async function step(name: string, agency: string, path: string, body: unknown) {
    const reply = await as[agency].post(path.replace(':id', caseId), body);
    expect({ name, status: reply.status, body: reply.body }).toMatchObject({ name, status: 201 });
    at[name] = reply.body.revision;
    return reply.body;
  }

  describe('as it happens', () => {
    it('is opened by the police in Malmö, who lead it, and a retried opening writes nothing', async () => {
      const opening = { subject: { category: 'victim', ageGroup: 'child', gender: 'female', originRegion: 'baltic' }, exploitation: 'sexual-exploitation' };
      const reply = await as[POLICE].post('/cases', opening, { 'idempotency-key': `story-${prefix}` });
      expect(reply.status).toBe(201);
      expect(reply.body.events.map((e: { type: string }) => e.type)).toEqual(['CaseOpened', 'AgencyJoinedCase']);
      caseId = reply.body.caseId;
      const again = await as[POLICE].post('/cases', opening, { 'idempotency-key': `story-${prefix}` });
      expect({ status: again.status, caseId: again.body.caseId, revision: again.body.revision }).toEqual({ status: 200, caseId, revision: 1 });
    });

    it('is referred by the service itself to the social services of Malmö, who see what they need to answer', async () => {
      const referral = await eventually(async () => {
        const worklist = await as[SOCIAL].get('/agencies/me/worklist');
        return worklist.body.referralsAwaitingAnswer.find((r: { caseId: string }) => r.caseId === caseId);
      }, `the automatic referral in the worklist of ${SOCIAL}`);
      expect(referral).toMatchObject({ fromAgency: 'samverkan', urgency: 'urgent', subject: { category: 'victim', ageGroup: 'child' } });
      const summary = (await as[SOCIAL].get(`/cases/${caseId}`)).body;
      expect(summary).toMatchObject({ caseId, subject: { category: 'victim', ageGroup: 'child' }, city: 'malmo', basis: 'mandate' });
      expect(summary.team).toBeUndefined();
      // Its timeline holds the referral, with the case's descriptors, and nothing else.
      const timeline = (await timelineOf(as[SOCIAL], caseId))!;
      expect(timeline.map((e) => e.type)).toEqual(['CaseReferred']);
      expect(timeline[0].case).toMatchObject({ subject: { category: 'victim', ageGroup: 'child' } });
      expect((await as[SOCIAL].get(`/cases/${caseId}/audit-bundle`)).status).toBe(403);

      const accepted = await step('accepted', SOCIAL, `/cases/:id/referrals/${referral.referralId}/accept`, {});
      expect(accepted.events.map((e: { type: string }) => e.type)).toEqual(['ReferralAccepted', 'AgencyJoinedCase']);
    });

    it('gets shelter and care from social services, and the guardian consents to share health details', async () => {
      await step('shelter', SOCIAL, '/cases/:id/support', { kind: 'shelter', providedOn: today() });
      await step('psychological', SOCIAL, '/cases/:id/support', { kind: 'psychological', providedOn: today() });
      const consent = { scope: 'share-health-details', given: true, by: 'guardian', on: today() };
      expect((await as[MIGRATION].post(`/cases/${caseId}/consent`, consent)).status).toBe(404); // not on the team
      await step('health-consent', SOCIAL, '/cases/:id/consent', consent);
      await step('health-care', SOCIAL, '/cases/:id/support', { kind: 'health-care', providedOn: today() });
    });

    it('is investigated by the police; the Migration Agency joins and grants a reflection period', async () => {
      await step('willing', POLICE, '/cases/:id/cooperation', { status: 'willing' });
      const opened = await step('investigation', POLICE, '/cases/:id/investigations', { reference: '5000-K123456-26' });
      at.investigationId = opened.investigationId;
      await step('migration-joins', POLICE, '/cases/:id/team', { agencyId: MIGRATION, reason: 'reflection period for the victim' });
      await step('reflection-applied', POLICE, '/cases/:id/reflection-period/application', {});
      await step('reflection', MIGRATION, '/cases/:id/reflection-period', { granted: true });
      await step('evidence', POLICE, '/cases/:id/evidence', { description: 'phone with the messages that recruited her' });
    });

    it('is joined by the coordinator; the guardian consents to share with the Migration Agency', async () => {
      await step('coordinator-joins', POLICE, '/cases/:id/team', { agencyId: COORDINATOR, reason: 'regional coordination' });
      await step('migration-consent', SOCIAL, '/cases/:id/consent', { scope: 'share-with-migration', given: true, by: 'guardian', on: today() });
      await step('legal-counsel', SOCIAL, '/cases/:id/support', { kind: 'legal-counsel', providedOn: today() });
    });

    it('is prosecuted, the trafficker convicted to prison, each agency closing its part and the coordinator the case', async () => {
      await step('prosecutor-joins', POLICE, '/cases/:id/team', { agencyId: PROSECUTOR, reason: 'preliminary investigation led by a prosecutor' });
      await step('statement', POLICE, '/cases/:id/cooperation', { status: 'statement-given' });
      await step('charged', PROSECUTOR, `/cases/:id/investigations/${at.investigationId}/close`, { outcome: 'charges-filed' });
      // Two defendants, each a person record of their own: the trafficker, and a man who bought sex of the child.
      const suspect = async (givenName: string, familyName: string) => {
        const reply = await as[POLICE].post('/persons', { category: 'suspect', identity: { givenName, familyName } });
        expect(reply.status).toBe(201);
        return reply.body.personId as string;
      };
      const [trafficker, buyer] = [await suspect('Aleksandr', 'Petrov-Exempel'), await suspect('Lars', 'Exempelsson')];
      await step('prosecution', PROSECUTOR, '/cases/:id/prosecution', {
        defendants: [
          { personId: trafficker, charges: ['trafficking-in-human-beings'] },
          { personId: buyer, charges: ['purchase-of-sexual-act-from-child'] },
        ],
      });
      const buyerJudgment = {
        defendantId: buyer,
        court: 'Malmö tingsrätt',
        verdict: 'convicted',
        offences: ['purchase-of-sexual-act-from-child'],
        sentence: { kind: 'prison', months: 10 },
        appealed: false,
        decidedOn: today(),
      };
      // The judgment must say whom it is of; of someone not charged it is refused.
      const unnamed = await as[PROSECUTOR].post(`/cases/${caseId}/sentencing`, { ...buyerJudgment, defendantId: undefined });
      expect({ status: unnamed.status, rule: unnamed.body.rule }).toEqual({ status: 422, rule: 'defendant-required' });
      const stranger = await as[PROSECUTOR].post(`/cases/${caseId}/sentencing`, { ...buyerJudgment, defendantId: randomUUID() });
      expect({ status: stranger.status, rule: stranger.body.rule }).toEqual({ status: 422, rule: 'not-a-defendant' });
      await step('buyer-sentenced', PROSECUTOR, '/cases/:id/sentencing', buyerJudgment);
      // A defendant's record is read on its own rule: the police who keep it do; the victim's case does not
      // open it to the rest of her team (the coordinator, social services), nor list her case on it.
      expect((await as[POLICE].get(`/persons/${buyer}`)).body).toMatchObject({ personId: buyer, category: 'suspect', cases: [] });
      for (const agency of [COORDINATOR, SOCIAL]) expect((await as[agency].get(`/persons/${buyer}`)).status).toBe(404);
      await step('sentenced', PROSECUTOR, '/cases/:id/sentencing', {
        defendantId: trafficker,
        court: 'Malmö tingsrätt',
        verdict: 'convicted',
        offences: ['trafficking-in-human-beings'],
        sentence: { kind: 'prison', months: 48 },
        appealed: false,
        decidedOn: today(),
      });
      // Each agency closes its own part; the prosecutor is done with the judgment, the others go on until the
      // coordinator closes the whole case.
      await step('prosecutor-done', PROSECUTOR, '/cases/:id/close', { outcome: 'judgment final' });
      expect((await as[POLICE].get(`/cases/${caseId}`)).body).toMatchObject({ status: 'open' });
      await step('closed', COORDINATOR, '/cases/:id/close', { outcome: 'trafficker convicted; child in long-term care', wholeCase: true });
    });
  });

  describe('what each agency sees of it', () => {
    /** The revisions of the case from one step to another, inclusive. */
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    let all: number[];
    let kafka: Map<string, Seen[]>;

    beforeAll(async () => {
      all = range(0, at.closed);
      // What each agency's topic holds of the case, once the relay has published the whole story.
      const client = new Kafka({ clientId: 'story-reader', brokers, logLevel: logLevel.NOTHING });
      const readers = [POLICE, SOCIAL, MIGRATION, COORDINATOR, PROSECUTOR];
      const expected = new Map<string, number>();
      for (const agency of readers) expected.set(agency, (await timelineOf(as[agency], caseId))!.length);
      const topics = await readAgencyTopics(client, prefix, readers, expected);
      kafka = new Map(
        readers.map((agency) => [
          agency,
          topics
            .get(agency)!
            .filter((m) => m.caseId === caseId)
            .map(fromKafka),
        ]),
      );
    });

    /** The timeline, the feed and the Kafka topic of the agency hold the same events, field for field. */
    async function samePaths(agency: string): Promise<Seen[]> {
      const timeline = (await timelineOf(as[agency], caseId))!;
      const feed = await eventually(async () => {
        const entries = await feedOfCase(as[agency], caseId);
        return entries.length >= timeline.length ? entries : undefined;
      }, `the feed of ${agency} to hold the case`);
      expect({ agency, path: 'feed', events: feed }).toEqual({ agency, path: 'feed', events: timeline });
      expect({ agency, path: 'kafka', events: kafka.get(agency) }).toEqual({ agency, path: 'kafka', events: timeline });
      return timeline;
    }
    const revisionsOf = (events: Seen[]) => events.map((e) => e.revision);
    const basisAt = (events: Seen[], revision: number) => events.find((e) => e.revision === revision)?.basis;

    it('shows the police, who lead it, everything but the care given before the guardian consented', async () => {
      const seen = await samePaths(POLICE);
      expect(revisionsOf(seen)).toEqual(all.filter((r) => r !== at.psychological));
      expect(basisAt(seen, at['health-care'])).toBe('consent');
      expect(seen.find((e) => e.revision === at['health-care'])!.consentScopes).toEqual(['share-health-details']);
      expect(seen.find((e) => e.revision === at.evidence)!.data).toHaveProperty('description');
      const summary = (await as[POLICE].get(`/cases/${caseId}`)).body;
      expect(summary).toMatchObject({
        status: 'closed',
        cooperation: 'statement-given',
        sentencing: [
          { verdict: 'convicted', offences: ['purchase-of-sexual-act-from-child'], sentence: { kind: 'prison', months: 10 } },
          { verdict: 'convicted', offences: ['trafficking-in-human-beings'], sentence: { kind: 'prison', months: 48 } },
        ],
      });
      expect(summary.prosecution.defendants.map((d: { judged: boolean }) => d.judged)).toEqual([true, true]);
      // The care summary follows the consent now in force: every kind is counted.
      expect(summary.support.byKind).toEqual({ shelter: 1, psychological: 1, 'health-care': 1, 'legal-counsel': 1 });
      expect(summary.access.care).toEqual({ basis: 'consent', consentScopes: ['share-health-details'] });
    });

    it('shows social services the case from the referral on, the investigation on the child-protection duty, but not what the evidence is', async () => {
      const seen = await samePaths(SOCIAL);
      expect(revisionsOf(seen)).toEqual(range(2, at.closed));
      expect(basisAt(seen, at.investigation)).toBe('child-protection');
      expect(basisAt(seen, at.willing)).toBe('child-protection');
      const evidence = seen.find((e) => e.revision === at.evidence)!;
      expect(evidence.withheldFields).toEqual(['description']);
      expect(evidence.data).not.toHaveProperty('description');
      // Its joining brought it the case as it stood then, as it may see it.
      expect(seen.find((e) => e.revision === at.accepted)!.case).toMatchObject({
        caseId,
        revision: at.accepted,
        team: [{ agencyId: POLICE }, { agencyId: SOCIAL }],
      });
      const summary = (await as[SOCIAL].get(`/cases/${caseId}`)).body;
      expect(summary.investigations).toEqual([expect.objectContaining({ outcome: 'charges-filed' })]);
      expect(summary.evidence).toEqual([expect.not.objectContaining({ description: expect.anything() })]);
      expect(summary.access.investigation).toEqual({ basis: 'child-protection' });
    });

    it('shows the Migration Agency the case from its joining on: support only once the guardian consented, care never as an event', async () => {
      const seen = await samePaths(MIGRATION);
      expect(revisionsOf(seen)).toEqual(range(at['migration-joins'], at.closed));
      expect(basisAt(seen, at['legal-counsel'])).toBe('consent');
      expect(basisAt(seen, at.investigation)).toBeUndefined();
      expect(seen[0].case).toMatchObject({ revision: at['migration-joins'], investigations: [expect.anything()] });
      expect(seen[0].case).not.toHaveProperty('support'); // no consent to share with it yet
      // As it stood before the agency came to it, the case is not shown; the events then are none of its own.
      expect((await as[MIGRATION].get(`/cases/${caseId}?revision=${at.investigation}`)).status).toBe(403);
      expect(await timelineOf(as[MIGRATION], caseId, `?revision=${at.investigation}`)).toEqual([]);
      const summary = (await as[MIGRATION].get(`/cases/${caseId}`)).body;
      expect(summary.access.support).toEqual({ basis: 'consent', consentScopes: ['share-with-migration'] });
    });

    it('shows the coordinator the case from its joining on, the investigation on the child-protection duty', async () => {
      const seen = await samePaths(COORDINATOR);
      expect(revisionsOf(seen)).toEqual(range(at['coordinator-joins'], at.closed));
      expect(basisAt(seen, at.statement)).toBe('child-protection');
      expect(seen.find((e) => e.revision === at.statement)!.data).toMatchObject({ status: 'statement-given' });
    });

    it('shows the prosecutor the case from its joining on, and what the evidence is in the summary', async () => {
      const seen = await samePaths(PROSECUTOR);
      expect(revisionsOf(seen)).toEqual(range(at['prosecutor-joins'], at.closed));
      const summary = (await as[PROSECUTOR].get(`/cases/${caseId}`)).body;
      expect(summary.evidence).toEqual([expect.objectContaining({ description: 'phone with the messages that recruited her' })]);
    });

    it('shows an auditor every event as stored, on its remit, as it stood at every revision; no feed', async () => {
      const seen = (await timelineOf(as[AUDITOR], caseId))!;
      expect(revisionsOf(seen)).toEqual(all);
      expect(seen.every((e) => e.basis === 'auditor-remit' && e.withheldFields.length === 0)).toBe(true);
      for (const [name, revision] of Object.entries(at)) {
        if (name === 'investigationId') continue;
        expect({ name, revisions: revisionsOf((await timelineOf(as[AUDITOR], caseId, `?revision=${revision}`))!) }).toEqual({
          name,
          revisions: range(0, revision),
        });
      }
      const atCooperation = (await as[AUDITOR].get(`/cases/${caseId}?revision=${at.willing}`)).body;
      expect(atCooperation).toMatchObject({ status: 'open', cooperation: 'willing', investigations: [], prosecution: null });
      const feed = await as[AUDITOR].get('/agencies/me/feed');
      expect({ status: feed.status, rule: feed.body.rule }).toEqual({ status: 403, rule: 'view-refused' });
      expect((await as[AUDITOR].get(`/cases/${caseId}/verify`)).body).toMatchObject({ result: 'ok', events: all.length });
    });

    it('hands each its audit bundle, the events it may not see withheld, and each verifies offline', async () => {
      const dir = scratchDir('story');
      await checkpointOfWholeStore(service, as[POLICE].token);
      const key = saveFile(dir, 'ledger.vkey', await (await fetch(`${service.baseUrl}/ledger/key`)).text());
      const expectedWithheld: Record<string, number[]> = {
        [POLICE]: [at.psychological],
        [SOCIAL]: [0, 1, at.evidence],
        [AUDITOR]: [],
      };
      for (const [agency, withheld] of Object.entries(expectedWithheld)) {
        const bundle = (await as[agency].get(`/cases/${caseId}/audit-bundle`)).body;
        expect({ agency, madeFor: bundle.madeFor, entries: bundle.events.length }).toEqual({ agency, madeFor: agency, entries: all.length });
        const hidden = bundle.events.filter((e: object) => 'withheld' in e).map((e: { withheld: { revision: number } }) => e.withheld.revision);
        expect({ agency, withheld: hidden }).toEqual({ agency, withheld });
        const file = saveFile(dir, `${agency}.json`, JSON.stringify(bundle));
        const run = await runAudit(['verify-bundle', file, '--key', key, '--case', caseId, '--server', service.baseUrl, '--token', as[agency].token]);
        expect({ agency, code: run.code, out: run.stdout }).toEqual({ agency, code: 0, out: expect.stringMatching(/^OK bundle/) });
        if (withheld.length > 0) expect(run.stdout).toContain(`${withheld.length} of them withheld from ${agency}`);
      }
    });

    it('tells an agency outside the team nothing, and records that it asked', async () => {
      for (const path of [`/cases/${caseId}`, `/cases/${caseId}/timeline`, `/cases/${caseId}/audit-bundle`, `/cases/${caseId}/access-log`]) {
        expect({ path, status: (await as['polisen-stockholm'].get(path)).status }).toEqual({ path, status: 404 });
      }
      const log = (await as[POLICE].get(`/cases/${caseId}/access-log?limit=1000`)).body;
      const refused = log.entries.filter((e: { agency: string }) => e.agency === 'polisen-stockholm');
      expect(refused.map((e: { view: string; outcome: string; standing: string }) => [e.view, e.outcome, e.standing])).toEqual([
        ['summary', 'refused', 'outsider'],
        ['timeline', 'refused', 'outsider'],
        ['audit-bundle', 'refused', 'outsider'],
        ['access-log', 'refused', 'outsider'],
      ]);
    });

    it('keeps a sealed access log of who read the case, for its lead and auditors only', async () => {
      const log = (await as[AUDITOR].get(`/cases/${caseId}/access-log?limit=1000`)).body;
      expect(log.stream).toBe(`access-${caseId}`);
      const readers = new Set(log.entries.map((e: { agency: string }) => e.agency));
      for (const agency of [POLICE, SOCIAL, MIGRATION, COORDINATOR, PROSECUTOR, AUDITOR, 'polisen-stockholm']) expect(readers).toContain(agency);
      expect(log.entries).toContainEqual(
        expect.objectContaining({ agency: MIGRATION, view: 'summary', asOfRevision: at.investigation, outcome: 'refused', standing: 'member' }),
      );
      expect(log.entries).toContainEqual(expect.objectContaining({ agency: SOCIAL, view: 'feed', outcome: 'redacted', standing: null }));
      expect(log.entries.map((e: { revision: number }) => e.revision)).toEqual(log.entries.map((_: unknown, i: number) => i));
      expect((await as[SOCIAL].get(`/cases/${caseId}/access-log`)).status).toBe(403);
      expect((await as[AUDITOR].get(`/ledger/proofs/inclusion?eventId=${log.entries[0].eventId}`)).status).toBe(200);
    });

    it("records each worklist read once, naming its cases, in the reader's own stream of the access log", async () => {
      await checkpointOfWholeStore(service, as[AUDITOR].token);
      const exported = await (await fetch(`${service.baseUrl}/ledger/export`, { headers: { authorization: `Bearer ${as[AUDITOR].token}` } })).text();
      const events = exported
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).event);
      const worklistReads = events.filter((e) => e.stream === `agencyreads-${SOCIAL}` && e.data.view === 'worklist');
      expect(worklistReads.length).toBeGreaterThan(0);
      expect(worklistReads.some((e) => e.data.caseIds.includes(caseId))).toBe(true);
    });
  });
});
