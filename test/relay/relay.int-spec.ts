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
import { collect } from '@samverkan/eventstore/testing/test-events';
import { AgencyRegistry } from '../../apps/coordinator/src/agencies/agency-registry';
import { caseDecider } from '../../apps/coordinator/src/cases/case.decider';
import { CaseEvent, CaseState } from '../../apps/coordinator/src/cases/case.model';
import { Relay, RelayOptions } from '../../apps/coordinator/src/relay/relay';
import { relayTopics } from '../../apps/coordinator/src/relay/relay-messages';
import { share } from '../../apps/coordinator/src/sharing/sharing.policy';
import { describeWithKafka, kafkaBroker, repoRoot } from '../kafka/kafka-broker';
import { caseStories } from './case-stories';

jest.setTimeout(180_000);

interface Published {
  readonly eventId: string;
  readonly caseId: string;
  readonly revision: number;
  readonly headers: Record<string, string>;
  readonly value: Record<string, unknown>;
}

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

  /** The last event of the log, and its ledger index (the log's length less one). */
  const head = async () => {
    const all = await collect(store.readAll());
    return { position: all[all.length - 1].position, index: all.length - 1 };
  };

  const caughtUp = (r: Relay, target: { position: string }) => r.waitUntil((committed) => committed?.position === target.position);

  /** What the sharing policy grants each agency, by folding the store's log here. */
  const granted = async () => {
    const states = new Map<string, CaseState>();
    const byTopic = new Map<string, Array<{ eventId: string; caseId: string; revision: number; index: number; hash: string; type: string; withheld: string; data: Record<string, unknown> }>>();
    let index = -1;
    for (const { envelope } of await collect(store.readAll())) {
      index += 1;
      if (!envelope.stream.startsWith('case-')) continue;
      const caseId = envelope.stream.slice('case-'.length);
      const before = states.get(caseId) ?? caseDecider.initialState();
      const after = caseDecider.evolve(before, envelope as unknown as CaseEvent);
      states.set(caseId, after);
      for (const delivery of share(envelope as unknown as CaseEvent, before, after)) {
        const entry = {
          eventId: envelope.id,
          caseId,
          revision: envelope.revision,
          index,
          hash: envelope.hash,
          type: `se.samverkan.case.${envelope.type}.v${envelope.schemaVersion}`,
          withheld: delivery.withheldFields.join(','),
          data: { ...delivery.data, ...(delivery.case ? { case: delivery.case } : {}) },
        };
        byTopic.set(delivery.agencyId, [...(byTopic.get(delivery.agencyId) ?? []), entry]);
      }
    }
    return byTopic;
  };

  /**
   * Reads every agency topic of the prefix as a `read_committed` consumer until each topic holds at least
   * what is expected of it and every partition read is caught up with its high watermark (so a duplicate,
   * which would sit in the same partition as its original, would have been read too).
   */
  const readTopics = async (prefix: string, expected: Map<string, number>) => {
    const topics = relayTopics(prefix);
    const consumer = kafka.consumer({ groupId: `${prefix}-reader-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    const seen = new Map<string, Published[]>(agencyIds.map((id) => [id, []]));
    const lagging = new Map<string, boolean>();
    const topicToAgency = new Map(agencyIds.map((id) => [topics.events(id), id]));
    await consumer.connect();
    await consumer.subscribe({ topics: [...topicToAgency.keys()], fromBeginning: true });
    try {
      await new Promise<void>((done, fail) => {
        const complete = () =>
          [...lagging.values()].every((lags) => !lags) && agencyIds.every((id) => seen.get(id)!.length >= (expected.get(id) ?? 0));
        const timer = setTimeout(() => {
          const counts = agencyIds.map((id) => `${id}: ${seen.get(id)!.length}/${expected.get(id) ?? 0}`).join(', ');
          fail(new Error(`agency topics did not reach what the policy grants within 60 s (${counts})`));
        }, 60_000);
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          lagging.set(`${payload.topic}/${payload.partition}`, BigInt(payload.lastOffset) < BigInt(payload.highWatermark) - 1n);
          if (complete()) {
            clearTimeout(timer);
            done();
          }
        });
        consumer
          .run({
            eachMessage: async ({ topic, message }) => {
              const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
              seen.get(topicToAgency.get(topic)!)!.push({
                eventId: headers.ce_id,
                caseId: message.key!.toString(),
                revision: Number(headers.ce_samverkanrevision),
                headers,
                value: JSON.parse(message.value!.toString()) as Record<string, unknown>,
              });
            },
          })
          .catch(fail);
        if (complete()) done();
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  };

  /** Every agency topic holds exactly what the policy grants: each event once, in per-case order, with its headers. */
  const expectExactlyGranted = async (prefix: string) => {
    const expected = await granted();
    const seen = await readTopics(prefix, new Map([...expected].map(([id, list]) => [id, list.length])));
    let deliveries = 0;
    for (const agencyId of agencyIds) {
      const want = expected.get(agencyId) ?? [];
      const got = seen.get(agencyId)!;
      deliveries += got.length;
      expect({ agencyId, events: got.map((p) => p.eventId).sort() }).toEqual({ agencyId, events: want.map((w) => w.eventId).sort() });
      // per case, in revision order (consumption order within a partition is the order published)
      const revisions = new Map<string, number[]>();
      for (const p of got) revisions.set(p.caseId, [...(revisions.get(p.caseId) ?? []), p.revision]);
      for (const [caseId, list] of revisions) {
        expect({ agencyId, caseId, revisions: list }).toEqual({ agencyId, caseId, revisions: [...list].sort((a, b) => a - b) });
      }
      const wanted = new Map(want.map((w) => [w.eventId, w]));
      for (const p of got) {
        const w = wanted.get(p.eventId)!;
        expect(p.headers).toEqual({
          ce_specversion: '1.0',
          ce_id: w.eventId,
          ce_source: `/samverkan/cases/${w.caseId}`,
          ce_type: w.type,
          ce_time: '2026-03-01T09:00:00.000Z',
          ce_subject: w.caseId,
          'content-type': 'application/json',
          ce_samverkanrevision: String(w.revision),
          ce_samverkanhash: w.hash,
          ce_samverkanledgerindex: String(w.index),
          ...(w.withheld ? { ce_samverkanwithheld: w.withheld } : {}),
        });
        expect(p.value).toEqual(w.data);
      }
    }
    return { deliveries, expected };
  };

  it('publishes to each agency exactly the events the sharing policy grants it, once each, in per-case order', async () => {
    const prefix = newPrefix();
    await caseStories(store, registry, 1).write(400, 30);
    const r = relay(prefix, { batchSize: 50 });
    await r.start();
    const end = await head();
    await caughtUp(r, end);
    expect(r.committed).toEqual(end);
    const { deliveries, expected } = await expectExactlyGranted(prefix);
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
    await expectExactlyGranted(prefix);
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
    await expectExactlyGranted(prefix);
  });
});
