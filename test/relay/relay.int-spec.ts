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
import { SqliteEventStore } from '@samverkan/eventstore';
import { AgencyRegistry } from '../../apps/coordinator/src/agencies/agency-registry';
import { Relay, RelayOptions } from '../../apps/coordinator/src/relay/relay';
import { relayTopics } from '../../apps/coordinator/src/relay/relay-messages';
import { describeWithKafka, kafkaBroker, repoRoot } from '../kafka/kafka-broker';
import { caseStories } from './case-stories';
import { expectExactlyGranted, logHead } from './relay-expectations';

jest.setTimeout(180_000);


describeWithKafka('the relay', () => {
  const registry = AgencyRegistry.fromFile(join(repoRoot, 'config/agencies.yaml'));
  const agencyIds = registry.all().map((a) => a.id);
  let brokers: string[];
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  let store: SqliteEventStore;
  const relays: Relay[] = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    brokers = (await kafkaBroker()).brokers;
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
    const r = new Relay(store, { brokers, agencyIds, topicPrefix: prefix, transactionalId: `${prefix}-relay`, retryMs: 200, ...options });
    relays.push(r);
    return r;
  };

  const head = () => logHead(store);

  const caughtUp = (r: Relay, target: { position: string }) => r.waitUntil((committed) => committed?.position === target.position);

  const expectExactly = (prefix: string) => expectExactlyGranted(kafka, store, prefix, agencyIds);

  it('publishes to each agency exactly the events the sharing policy grants it, once each, in per-case order', async () => {
    const prefix = newPrefix();
    await caseStories(store, registry, 1).write(400, 30);
    const r = relay(prefix, { batchSize: 50 });
    await r.start();
    const end = await head();
    await caughtUp(r, end);
    expect(r.committed).toEqual(end);
    const { deliveries, expected } = await expectExactly(prefix);
    // the story exercised what the policy decides: several agencies, withheld fields, referral descriptors
    expect(expected.size).toBeGreaterThanOrEqual(6);
    expect(deliveries).toBeGreaterThan(end.index);
    const all = [...expected.values()].flat();
    expect(all.some((w) => w.withheld === 'description')).toBe(true);
    expect(all.some((w) => 'case' in w.data)).toBe(true);
  });

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
