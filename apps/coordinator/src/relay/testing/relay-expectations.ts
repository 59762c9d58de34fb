/**
 * What every relay test checks, computed independently of the relay: the store's log is folded here with the
 * case decider and the access table's disclosure to say what each agency topic must hold, and the topics are read back
 * as a `read_committed` consumer would. Shared by the relay's tests (generated stories, restart, fencing,
 * kill -9 of its process, a broker outage).
 */
import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { EventStore } from '@samverkan/eventstore';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { caseDecider } from '../../cases/case.decider';
import { CaseState } from '../../cases/case.model';
import { relayTopics } from '../relay-messages';
import { caseIdOf } from '@samverkan/sealing';
import { share } from '../../cases/case.disclosure';

export interface Granted {
  readonly eventId: string;
  readonly caseId: string;
  readonly revision: number;
  readonly index: number;
  readonly hash: string;
  readonly type: string;
  readonly time: string;
  readonly withheld: string;
  readonly basis: string;
  readonly consent: string;
  readonly data: Record<string, unknown>;
}

export interface Published {
  readonly eventId: string;
  readonly caseId: string;
  readonly revision: number;
  readonly headers: Record<string, string>;
  readonly value: Record<string, unknown>;
}

/** The last event of the log, and its ledger index (the log's length less one). */
export async function logHead(store: EventStore): Promise<{ position: string; index: number }> {
  const all = await collect(store.readAll());
  return { position: all[all.length - 1].position, index: all.length - 1 };
}

/** What the sharing policy grants each agency, by folding the store's log here. */
export async function granted(store: EventStore): Promise<Map<string, Granted[]>> {
  const states = new Map<string, CaseState>();
  const byAgency = new Map<string, Granted[]>();
  let index = -1;
  for (const { envelope } of await collect(store.readAll())) {
    index += 1;
    const caseId = caseIdOf(envelope.stream);
    if (caseId === undefined) continue;
    const before = states.get(caseId) ?? caseDecider.initialState();
    const after = caseDecider.evolve(before, caseDecider.upcast!(envelope));
    states.set(caseId, after);
    for (const delivery of share(envelope, before, after)) {
      const list = byAgency.get(delivery.agencyId) ?? [];
      byAgency.set(delivery.agencyId, list);
      list.push({
        eventId: envelope.id,
        caseId,
        revision: envelope.revision,
        index,
        hash: envelope.hash,
        type: `se.samverkan.case.${envelope.type}.v${envelope.schemaVersion}`,
        time: envelope.metadata.recordedAt,
        withheld: delivery.withheldFields.join(','),
        basis: delivery.basis,
        consent: delivery.consentScopes?.join(',') ?? '',
        data: { ...delivery.data, ...(delivery.case ? { case: delivery.case } : {}) },
      });
    }
  }
  return byAgency;
}

/**
 * Reads every agency topic of the prefix as a `read_committed` consumer until each topic holds at least what
 * is expected of it and every partition read is caught up with its high watermark (so a duplicate, which
 * would sit in the same partition as its original, would have been read too).
 */
export async function readAgencyTopics(
  kafka: Kafka,
  prefix: string,
  agencyIds: readonly string[],
  expected: ReadonlyMap<string, number>,
  timeoutMs = 60_000,
): Promise<Map<string, Published[]>> {
  const topics = relayTopics(prefix);
  const consumer = kafka.consumer({ groupId: `${prefix}-reader-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const seen = new Map<string, Published[]>(agencyIds.map((id) => [id, []]));
  const lagging = new Map<string, boolean>();
  const topicToAgency = new Map(agencyIds.map((id) => [topics.events(id), id]));
  await topicsCreated(kafka, [...topicToAgency.keys()], timeoutMs);
  await consumer.connect();
  await consumer.subscribe({ topics: [...topicToAgency.keys()], fromBeginning: true });
  try {
    await new Promise<void>((done, fail) => {
      const complete = () => [...lagging.values()].every((lags) => !lags) && agencyIds.every((id) => seen.get(id)!.length >= (expected.get(id) ?? 0));
      const timer = setTimeout(() => {
        const counts = agencyIds.map((id) => `${id}: ${seen.get(id)!.length}/${expected.get(id) ?? 0}`).join(', ');
        fail(new Error(`agency topics did not reach what the policy grants within ${timeoutMs / 1000} s (${counts})`));
      }, timeoutMs);
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
      if (complete()) {
        clearTimeout(timer);
        done();
      }
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Waits until the topics exist: a service just started creates its relay's topics in the background. */
async function topicsCreated(kafka: Kafka, topics: readonly string[], timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`topics ${missing.join(', ')} were not created within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every agency topic holds exactly what the policy grants: each event once, nothing else, in per-case order,
 * with its CloudEvents headers and the fields the agency may see.
 */
export async function expectExactlyGranted(
  kafka: Kafka,
  store: EventStore,
  prefix: string,
  agencyIds: readonly string[],
): Promise<{ deliveries: number; expected: Map<string, Granted[]>; seen: Map<string, Published[]> }> {
  const expected = await granted(store);
  const seen = await readAgencyTopics(kafka, prefix, agencyIds, new Map([...expected].map(([id, list]) => [id, list.length])));
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
        ce_time: w.time,
        ce_subject: w.caseId,
        'content-type': 'application/json',
        ce_samverkanrevision: String(w.revision),
        ce_samverkanhash: w.hash,
        ce_samverkanledgerindex: String(w.index),
        ce_samverkanbasis: w.basis,
        ...(w.consent ? { ce_samverkanconsent: w.consent } : {}),
        ...(w.withheld ? { ce_samverkanwithheld: w.withheld } : {}),
      });
      expect(p.value).toEqual(w.data);
    }
  }
  return { deliveries, expected, seen };
}
