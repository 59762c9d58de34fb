import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Admin, Kafka, logLevel } from 'kafkajs';
import type { Percentiles, RelayLagJob, RelayLagRun, RelayLagWorkerResult } from './relay.bench';

/**
 * The client side of the relay lag benchmark, in a worker thread so that it shares no event loop with the
 * service (and its relay) in the main thread: a `read_committed` consumer on one agency's topic, and support
 * commands sent over HTTP at a steady rate whether or not earlier ones were answered (an open loop). Each
 * event's lag is from the response that acknowledged its command to the consumer reading it, matched by
 * event id, so messages of earlier runs in the topic are ignored.
 */
const job = workerData as RelayLagJob;

interface Sent {
  readonly status: number;
  readonly eventId?: string;
  readonly sentAt: number;
  readonly respondedAt: number;
}

const seen = new Map<string, number>();
const watchers = new Set<() => void>();

async function main(): Promise<RelayLagWorkerResult> {
  const kafka = new Kafka({ clientId: 'samverkan-bench-lag', brokers: [...job.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `samverkan-bench-lag-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: job.consumerMaxWaitMs });
  try {
    // The relay creates the topic when it starts, in the background of the service.
    await topicExists(admin, job.topic, 120_000);
    await consumer.connect();
    await consumer.subscribe({ topic: job.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const id = message.headers?.ce_id?.toString();
        if (id === undefined || seen.has(id)) return;
        seen.set(id, performance.now());
        for (const watcher of [...watchers]) watcher();
      },
    });

    // Ready once an event of ours has come through: the relay runs and the consumer reads from the live end.
    const deadline = performance.now() + 120_000;
    for (;;) {
      const probe = await support(0);
      if (probe.eventId && (await seenWithin([probe.eventId], 250))) break;
      if (performance.now() > deadline) throw new Error(`no event of ours reached ${job.topic} within 120 s of the topic existing`);
    }
    const readyAt = Date.now();

    const warmup = await openLoop(job.warmupSeconds);
    const measured = await openLoop(job.durationSeconds);
    return { warmup, measured, readyAt };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function openLoop(seconds: number): Promise<RelayLagRun> {
  const count = Math.round(seconds * job.ratePerSecond);
  const requests: Array<Promise<Sent>> = [];
  let maxSendDelayMs = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / job.ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    maxSendDelayMs = Math.max(maxSendDelayMs, performance.now() - due);
    requests.push(support(i));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  const sent = await Promise.all(requests);
  const ids = sent.flatMap((s) => (s.eventId ? [s.eventId] : []));
  await seenWithin(ids, job.timeoutMs);

  const statusCodes: Record<string, number> = {};
  for (const { status } of sent) if (status > 0) statusCodes[status] = (statusCodes[status] ?? 0) + 1;
  const acknowledged = sent.filter((s) => s.eventId);
  const lags = acknowledged.flatMap((s) => (seen.has(s.eventId!) ? [seen.get(s.eventId!)! - s.respondedAt] : []));
  return {
    sent: sent.length,
    ok: acknowledged.length,
    statusCodes,
    errors: sent.filter((s) => s.status === 0).length,
    sentPerSecond: count > 1 ? (count - 1) / sendSeconds : count,
    maxSendDelayMs,
    seen: lags.length,
    unseen: acknowledged.length - lags.length,
    lagMs: percentiles(lags),
    responseMs: percentiles(sent.filter((s) => s.status > 0).map((s) => s.respondedAt - s.sentAt)),
  };
}

/** One support command on a case of ours; the response's event id is what the consumer will see. */
async function support(i: number): Promise<Sent> {
  const caseId = job.caseIds[i % job.caseIds.length];
  const sentAt = performance.now();
  try {
    const response = await fetch(`${job.baseUrl}/cases/${caseId}/support`, { method: 'POST', headers: { ...job.headers }, body: job.body });
    const text = await response.text();
    const respondedAt = performance.now();
    const eventId = response.status === 201 ? (JSON.parse(text) as { events?: Array<{ id: string }> }).events?.[0]?.id : undefined;
    return { status: response.status, eventId, sentAt, respondedAt };
  } catch {
    return { status: 0, sentAt, respondedAt: performance.now() };
  }
}

/** Resolves true once every id has been seen, false if `ms` pass first. */
function seenWithin(ids: readonly string[], ms: number): Promise<boolean> {
  const pending = new Set(ids.filter((id) => !seen.has(id)));
  if (pending.size === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const watcher = () => {
      for (const id of pending) if (seen.has(id)) pending.delete(id);
      if (pending.size === 0) finish(true);
    };
    const timer = setTimeout(() => finish(false), ms);
    function finish(all: boolean) {
      clearTimeout(timer);
      watchers.delete(watcher);
      resolve(all);
    }
    watchers.add(watcher);
  });
}

async function topicExists(admin: Admin, topic: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await admin.listTopics()).includes(topic)) {
    if (performance.now() > deadline) throw new Error(`${topic} did not appear within ${timeoutMs / 1000} s: is the service's relay starting?`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1], mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

// A rejection ends the worker as an uncaught error, which the parent sees as an 'error' event.
void main().then((result) => parentPort!.postMessage(result));
