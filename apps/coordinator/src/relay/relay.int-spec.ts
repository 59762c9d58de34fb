/**
 * The relay against a real broker: what each agency topic holds, read as a `read_committed` consumer, is
 * exactly what the sharing policy grants when the store's log is folded here, independently of the relay:
 * every granted event once, nothing else, in per-case order, with its CloudEvents headers. Each test uses its
 * own topic prefix, so its topics are new.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { KafkaMessageBus } from '@samverkan/messaging';
import { AgencyRegistry } from '../agencies/agency-registry';
import { Relay, RelayOptions } from './relay';
import { relayTopics } from './relay-messages';
import { describeWithKafka, kafkaBroker, repoRoot } from '../../../../test/kafka/kafka-broker';
import { caseStories, seededRandom } from '../cases/testing/case-stories';
import { expectExactlyGranted, logHead, Published } from './testing/relay-expectations';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { caseDecider } from '../cases/case.decider';
import { CaseState } from '../cases/case.model';
import { caseStream, caseIdOf } from '@samverkan/sealing';

jest.setTimeout(180_000);

describeWithKafka('the relay', () => {
  const registry = AgencyRegistry.fromFile(join(repoRoot, 'config/agencies.yaml'));
  const agencyIds = registry.all().map((a) => a.id);
  let brokers: string[];
  let bus: KafkaMessageBus;
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  let store: SqliteEventStore;
  const relays: Relay[] = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    brokers = (await kafkaBroker()).brokers;
    bus = new KafkaMessageBus({ brokers, clientId: 'relay-test' });
    kafka = new Kafka({ clientId: 'relay-test', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  }, 300_000);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samverkan-relay-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  });

  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await bus?.close();
    if (!admin) return;
    const topics = prefixes.flatMap((prefix) => {
      const t = relayTopics(prefix);
      return [...agencyIds.map(t.events), t.positions, t.checkpoints];
    });
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  const newPrefix = () => {
    const prefix = `relaytest-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };

  const relay = (prefix: string, options: Partial<RelayOptions> = {}) => {
    const r = new Relay(store, bus, { agencyIds, topicPrefix: prefix, transactionalId: `${prefix}-relay`, retryMs: 200, ...options });
    relays.push(r);
    return r;
  };

  const head = () => logHead(store);

  const caughtUp = (r: Relay, target: { position: string }) => r.waitUntil((committed) => committed?.position === target.position);

  const expectExactly = (prefix: string) => expectExactlyGranted(kafka, store, prefix, agencyIds);

  /**
   * Generated runs: each interleaves several seeded story writers in one log (referrals accepted and
   * declined, agencies added and removed, support of every kind, evidence), relayed with its own batch size,
   * the relay following live while the writers write or catching up afterwards. The runs are drawn from a
   * master seed, printed in each test's name; `RELAY_PROPERTY_SEED` and `RELAY_PROPERTY_RUNS` draw others.
   */
  const masterSeed = Number(process.env.RELAY_PROPERTY_SEED ?? 20261128);
  const propertyRuns = drawRuns(masterSeed, Number(process.env.RELAY_PROPERTY_RUNS ?? 4));
  const coverage = { agencies: new Set<string>(), withheldDescriptions: 0, descriptors: 0, leavers: 0 };

  it.each(propertyRuns)(
    'publishes to each agency exactly what the sharing policy grants, once each, in per-case order (run %#: %j)',
    async ({ seeds, commands, cases, batchSize, live }) => {
      const prefix = newPrefix();
      const r = relay(prefix, { batchSize });
      if (live) await r.start();
      await Promise.all(seeds.map((seed) => caseStories(store, registry, seed).write(commands, cases)));
      if (!live) await r.start();
      const end = await head();
      await caughtUp(r, end);
      expect(r.committed).toEqual(end);
      const { deliveries, expected, seen } = await expectExactly(prefix);
      expect(deliveries).toBeGreaterThan(end.index);
      await expectTheRulesHold(seen);

      const all = [...expected.values()].flat();
      for (const [agencyId, list] of expected) if (list.length > 0) coverage.agencies.add(agencyId);
      coverage.withheldDescriptions += all.filter((w) => w.withheld === 'description').length;
      coverage.descriptors += all.filter((w) => 'case' in w.data).length;
      coverage.leavers += all.filter((w) => w.type.includes('.AgencyLeftCase.')).length;
    },
  );

  it('ran stories that exercise what the policy decides: many agencies, withheld fields, descriptors, leaving', () => {
    expect(coverage.agencies.size).toBeGreaterThanOrEqual(8);
    expect(coverage.withheldDescriptions).toBeGreaterThan(0);
    expect(coverage.descriptors).toBeGreaterThan(0);
    expect(coverage.leavers).toBeGreaterThan(0);
  });

  /**
   * The rules, checked on what the topics hold without the access table: an agency receives a case's events
   * only while on its team (its own joining and leaving included), or a referral it is addressed to or
   * escalated to; without consent migration receives no support and only social services receive care; only
   * police and prosecution receive evidence descriptions; an agency always receives what it recorded itself.
   */
  const expectTheRulesHold = async (seen: Map<string, Published[]>) => {
    const kindOf = new Map(registry.all().map((a) => [a.id, a.kind]));
    const states = new Map<string, Array<{ before: CaseState; after: CaseState }>>();
    for (const { envelope } of await collect(store.readAll())) {
      if (caseIdOf(envelope.stream) === undefined) continue;
      const list = states.get(envelope.stream) ?? [];
      states.set(envelope.stream, list);
      const before = list.length > 0 ? list[list.length - 1].after : caseDecider.initialState();
      list.push({ before, after: caseDecider.evolve(before, caseDecider.upcast!(envelope)) });
    }
    const careSupport = new Set(['health-care', 'psychological', 'counselling-individual', 'counselling-group']);
    for (const [agencyId, messages] of seen) {
      const kind = kindOf.get(agencyId);
      for (const { caseId, revision, headers, value } of messages) {
        const { before, after } = states.get(caseStream(caseId))![revision];
        const type = headers.ce_type.split('.')[3];
        const onTeam = [...before.team, ...after.team].some((m) => m.agencyId === agencyId) || (type === 'CaseOpened' && value.leadAgency === agencyId);
        const referral = after.referrals.find((r) => r.referralId === value.referralId);
        const party = type.startsWith('Referral') || type === 'CaseReferred' ? referral?.toAgency === agencyId || referral?.escalatedTo === agencyId : false;
        expect({ agencyId, caseId, revision, type, allowed: onTeam || party }).toEqual({ agencyId, caseId, revision, type, allowed: true });
        // The stories record no consent, so migration gets no support but what it gave itself, and only
        // police and prosecution, or the agency that registered it, get what a piece of evidence is.
        if (type === 'SupportProvided' && kind === 'migration') expect(value.providedBy).toBe(agencyId);
        if (type === 'SupportProvided' && careSupport.has(String(value.kind)) && kind !== 'social-services') expect(value.providedBy).toBe(agencyId);
        if (type === 'EvidenceRegistered' && kind !== 'police' && kind !== 'prosecution' && value.holder !== agencyId)
          expect(value).not.toHaveProperty('description');
      }
    }
  };

  it('resumes after a restart from the position it committed, publishing each granted event once', async () => {
    const prefix = newPrefix();
    const stories = caseStories(store, registry, 2);
    await stories.write(300, 20);
    const first = relay(prefix, { batchSize: 10 });
    await first.start();
    await first.waitUntil((committed) => (committed?.index ?? -1) >= 50);
    await first.stop();
    const stoppedAt = first.committed!;
    expect(stoppedAt.index).toBeLessThan((await head()).index);

    await stories.write(200, 10);
    const second = relay(prefix, { batchSize: 10 });
    await second.start();
    const end = await head();
    await caughtUp(second, end);
    expect(second.committed).toEqual(end);
    await expectExactly(prefix);
  });

  it('is fenced by a second relay with the same transactional id, and nothing is published twice', async () => {
    const prefix = newPrefix();
    const stories = caseStories(store, registry, 3);
    await stories.write(200, 15);
    const first = relay(prefix, { batchSize: 10 });
    await first.start();
    await first.waitUntil((committed) => (committed?.index ?? -1) >= 30);

    const second = relay(prefix, { batchSize: 10 });
    await second.start();
    await stories.write(200, 10);
    const end = await head();
    await caughtUp(second, end);
    // the first relay learns of the fence with its next transaction, and stops for good
    await first.waitUntil(() => false);
    expect(first.state).toBe('fenced');
    expect(second.state).toBe('running');
    await expectExactly(prefix);
  });
});

/** Parameters of generated relay runs, drawn reproducibly from one seed. */
function drawRuns(seed: number, count: number) {
  const random = seededRandom(seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  return Array.from({ length: count }, (_, run) => ({
    seeds: Array.from({ length: between(1, 5) }, () => between(1, 0x7fff_ffff)),
    commands: between(60, 200),
    cases: between(3, 12),
    batchSize: [1, 7, 50, 500][run % 4],
    live: run % 2 === 0,
  }));
}
