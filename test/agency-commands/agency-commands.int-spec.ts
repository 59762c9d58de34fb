/**
 * Agency command topics against a real broker and a real store: what an agency produces to its command topic
 * is executed through the case command path as that agency, answered on its results topic, replayed (never
 * repeated) when redelivered, and dead-lettered with its original bytes when it can never be executed. Each
 * test has its own topic prefix, consumer group and store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, IHeaders, Kafka, logLevel, Producer } from 'kafkajs';
import { systemClock } from '@samverkan/common';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { KafkaMessageBus } from '@samverkan/messaging';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { AgencyRegistry } from '../../apps/coordinator/src/agencies/agency-registry';
import { AgencyCommandConsumer, agencyCommandTopics } from '../../apps/coordinator/src/agency-commands/agency-command-consumer';
import { decryptField, EncryptedField, MasterKey } from '@samverkan/vault';
import { SqliteKeyVault } from '@samverkan/vault/sqlite/sqlite-key-vault';
import { AccessLog } from '../../apps/coordinator/src/access-log/access-log';
import { caseTextContext } from '../../apps/coordinator/src/cases/case-text';
import { CaseService } from '../../apps/coordinator/src/cases/case.service';
import { RunCaseCommandHandler } from '../../apps/coordinator/src/cases/run-case-command';
import { describeWithKafka, kafkaBroker, repoRoot } from '../kafka/kafka-broker';
import { caseStream } from '@samverkan/sealing';

jest.setTimeout(120_000);

interface Seen {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

const POLICE = 'polisen-stockholm';
const PROSECUTOR = 'aklagare-internationella';

describeWithKafka('agency command topics', () => {
  const registry = AgencyRegistry.fromFile(join(repoRoot, 'config/agencies.yaml'));
  let brokers: string[];
  let bus: KafkaMessageBus;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let dir: string;
  let store: SqliteEventStore;
  let vault: SqliteKeyVault;
  let service: AgencyCommandConsumer;
  let reader: Consumer;
  let topics: ReturnType<typeof agencyCommandTopics>;
  const seen: Seen[] = [];
  const listeners = new Set<() => void>();
  const prefixes: string[] = [];

  beforeAll(async () => {
    brokers = (await kafkaBroker()).brokers;
    bus = new KafkaMessageBus({ brokers, clientId: 'commands-test' });
    kafka = new Kafka({ clientId: 'agency-commands-test', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
  }, 300_000);

  beforeEach(async () => {
    const prefix = `cmdtest-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    topics = agencyCommandTopics(prefix);
    dir = mkdtempSync(join(tmpdir(), 'samverkan-commands-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
    const cases = new CaseService(
      store,
      systemClock,
      new AccessLog(store, systemClock),
      (vault = new SqliteKeyVault(join(dir, 'keys.db'), MasterKey.generate())),
    );
    service = new AgencyCommandConsumer(
      // The handler the service's CommandBus sends each command to, without Nest.
      new RunCaseCommandHandler(cases, registry),
      registry,
      bus,
      {
        topicPrefix: prefix,
        groupId: `${prefix}-commands`,
        partitions: 3,
      },
    );
    await service.start();
    seen.length = 0;
    reader = kafka.consumer({ groupId: `${prefix}-reader`, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topics: [topics.results(POLICE), topics.results(PROSECUTOR), topics.dlq], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        seen.push({ topic, key: message.key?.toString(), value: message.value, headers: text(message.headers) });
        for (const listener of [...listeners]) listener();
      },
    });
  });

  afterEach(async () => {
    await reader?.disconnect();
    await service?.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await bus?.close();
    if (!admin) return;
    const all = prefixes.flatMap((prefix) => {
      const t = agencyCommandTopics(prefix);
      return [...registry.all().flatMap((a) => [t.commands(a.id), t.results(a.id)]), t.dlq];
    });
    await admin.deleteTopics({ topics: all }).catch(() => undefined);
    await admin.disconnect();
    await producer.disconnect();
  });

  /** The first `count` messages on `topic` that `match` accepts, once they have arrived. */
  const waitFor = (topic: string, match: (s: Seen) => boolean, count = 1): Promise<Seen[]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`fewer than ${count} matching messages on ${topic} within 60 s; saw ${seen.length} in all`));
      }, 60_000);
      const check = () => {
        const found = seen.filter((s) => s.topic === topic && match(s));
        if (found.length >= count) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(found.slice(0, count));
        }
      };
      listeners.add(check);
      check();
    });

  const resultOf = async (agencyId: string, commandId: string, count = 1) =>
    (await waitFor(topics.results(agencyId), (s) => s.key === commandId, count)).map((s) => JSON.parse(s.value!.toString()));

  const send = (agencyId: string, value: string | object, { key, actor = 'officer-4711' }: { key?: string; actor?: string | null } = {}) =>
    producer.send({
      topic: topics.commands(agencyId),
      messages: [
        { key: key ?? null, value: typeof value === 'string' ? value : JSON.stringify(value), headers: actor === null ? {} : { 'samverkan-actor': actor } },
      ],
    });

  const openCase = (commandId: string) => ({
    commandId,
    type: 'open-case',
    body: { subject: { category: 'victim', ageGroup: 'adult' }, summary: 'reported by a hotline' },
  });

  const caseEvents = async (caseId: string) => collect(store.readStream(caseStream(caseId)));

  it('opens the case a good open-case command asks for, as the topic’s agency, and answers accepted', async () => {
    const commandId = randomUUID();
    await send(POLICE, openCase(commandId));
    const [result] = await resultOf(POLICE, commandId);
    expect(result).toMatchObject({
      commandId,
      status: 'accepted',
      revision: 1,
      events: [
        { type: 'CaseOpened', revision: 0 },
        { type: 'AgencyJoinedCase', revision: 1 },
      ],
    });
    const events = await caseEvents(result.caseId);
    expect(events.map((e) => ({ id: e.envelope.id, type: e.envelope.type, revision: e.envelope.revision, hash: e.envelope.hash }))).toEqual(result.events);
    expect(events[0].envelope.data).toMatchObject({ leadAgency: POLICE });
    // the summary is stored encrypted under the subject's key, as every free text
    const summary = (events[0].envelope.data as unknown as { summary: EncryptedField }).summary;
    expect(JSON.stringify(events[0].envelope)).not.toContain('hotline');
    expect(decryptField((await vault.find(summary.kid))!, summary, caseTextContext(result.caseId))).toBe('reported by a hotline');
    expect(events[0].envelope.metadata).toMatchObject({ agencyId: POLICE, actorId: 'officer-4711', commandId });
  });

  it('answers a redelivered command id with the first answer, replayed, and writes no second event', async () => {
    const commandId = randomUUID();
    await send(POLICE, openCase(commandId));
    await send(POLICE, openCase(commandId));
    const [first, second] = await resultOf(POLICE, commandId, 2);
    expect(first.status).toBe('accepted');
    expect(second).toEqual({ ...first, status: 'replayed' });
    expect(await caseEvents(first.caseId)).toHaveLength(first.events.length);

    // A follow-up command on the case, delivered twice, is also written once.
    const support = { commandId: randomUUID(), type: 'record-support', body: { kind: 'shelter', providedOn: '2026-11-01' } };
    await send(POLICE, support, { key: first.caseId });
    await send(POLICE, support, { key: first.caseId });
    const answers = await resultOf(POLICE, support.commandId, 2);
    expect(answers.map((a) => a.status)).toEqual(['accepted', 'replayed']);
    expect(answers[0].events.map((e: { type: string }) => e.type)).toEqual(['SupportProvided']);
    expect(answers[1].events).toEqual(answers[0].events);
    expect(await caseEvents(first.caseId)).toHaveLength(first.events.length + answers[0].events.length);
  });

  it('dead-letters a message it cannot execute, with the reason and the original bytes, and executes the next good command', async () => {
    const poison = '{"commandId": "c-1", "type": "open-case", "body": {';
    await send(POLICE, poison, { key: 'k-1' });
    const invalidBody = { commandId: randomUUID(), type: 'open-case', body: { subject: { category: 'victim', ageGroup: 'adult' }, name: 'Anna' } };
    await send(POLICE, invalidBody);
    await send(POLICE, openCase(randomUUID()), { actor: null });
    await send(POLICE, { commandId: randomUUID(), type: 'teleport-case', body: {} });
    const good = randomUUID();
    // Same key as the poison, so the same partition: it must not be stuck behind it.
    await send(POLICE, openCase(good), { key: 'k-1' });

    const [result] = await resultOf(POLICE, good);
    expect(result.status).toBe('accepted');
    expect(await caseEvents(result.caseId)).toHaveLength(result.events.length);
    const dead = await waitFor(topics.dlq, () => true, 4);
    const byReason = new Map(dead.map((d) => [d.headers['dlq-reason'], d]));
    expect([...byReason.keys()].sort()).toEqual(['invalid-body', 'invalid-json', 'missing-actor', 'unknown-command-type']);
    const json = byReason.get('invalid-json')!;
    expect(json.value!.toString()).toBe(poison);
    expect(json.key).toBe('k-1');
    expect(json.headers).toMatchObject({ 'dlq-source-topic': topics.commands(POLICE), 'samverkan-actor': 'officer-4711' });
    expect(Number(json.headers['dlq-source-partition'])).toBeGreaterThanOrEqual(0);
    expect(json.headers['dlq-source-offset']).toMatch(/^\d+$/);
    expect(byReason.get('invalid-body')!.headers['dlq-detail']).toMatch(/name/);
    expect(JSON.parse(byReason.get('invalid-body')!.value!.toString())).toEqual(invalidBody);
    // None of them was executed, and none was answered as a command.
    expect(seen.filter((s) => s.topic === topics.results(POLICE))).toHaveLength(1);
  });

  it('answers a rule break with a refusal carrying the same problem as HTTP', async () => {
    const opened = randomUUID();
    await send(POLICE, openCase(opened));
    const [{ caseId, events: openingEvents }] = await resultOf(POLICE, opened);
    const commandId = randomUUID();
    await send(
      POLICE,
      {
        commandId,
        type: 'record-sentencing',
        caseId,
        body: { court: 'Stockholms tingsrätt', verdict: 'convicted', offences: ['trafficking-in-human-beings'], appealed: false, decidedOn: '2026-10-01' },
      },
      { key: caseId },
    );
    const [result] = await resultOf(POLICE, commandId);
    expect(result).toMatchObject({ commandId, status: 'refused', problem: { status: 403, title: 'Your agency may not do this' } });
    expect(result.problem.type).toBe(`urn:samverkan:problem:${result.problem.rule}`);
    expect(result.problem.detail).toMatch(/prosecution/);
    expect(await caseEvents(caseId)).toHaveLength(openingEvents.length);
  });
});

function text(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]));
}
