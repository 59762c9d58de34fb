import { v7 as uuidv7 } from 'uuid';
import { appendSealed, EventStore, StreamHead } from '@samverkan/eventstore';
import { EventDraft } from '@samverkan/sealing';

export interface RawAppendParameters {
  readonly writers: number;
  readonly durationSeconds: number;
}

export interface RawAppendResult {
  readonly writers: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Latency of one append (seal + commit), in milliseconds. */
  readonly appendMs: { readonly p50: number; readonly p99: number };
}

/**
 * Sealed single-event appends straight to the store `open` answers (a fresh one), no HTTP: `writers`
 * concurrent writers, each on its own stream (so no revision conflicts), each appending as soon as its
 * previous append resolved.
 */
export async function benchRawAppend(open: () => Promise<EventStore>, p: RawAppendParameters): Promise<RawAppendResult> {
  const store = await open();
  let run;
  try {
    run = await runWriters(store, p);
  } finally {
    await store.close();
  }
  // Closing counts, as it always did here: SQLite then checkpoints its WAL into the database file.
  const seconds = (performance.now() - run.startedAt) / 1000;
  const { startedAt: _s, lastAppendAt: _l, ...result } = run;
  return { ...result, seconds, eventsPerSecond: result.events / seconds };
}

/**
 * The writers of benchRawAppend on a store the caller opened (and closes). `startedAt` and `lastAppendAt`
 * (when the last append resolved) are performance.now() times.
 */
export async function runWriters(
  store: EventStore,
  p: RawAppendParameters,
): Promise<RawAppendResult & { readonly startedAt: number; readonly lastAppendAt: number }> {
  const latencies: number[] = [];
  let events = 0;
  let lastAppendAt = Number.NaN;
  const started = performance.now();
  const deadline = started + p.durationSeconds * 1000;
  const writer = async () => {
    const stream = `bench-${uuidv7()}`;
    let head: StreamHead = null;
    while (performance.now() < deadline) {
      const before = performance.now();
      const { sealed } = await appendSealed(store, stream, head, [supportDraft()]);
      lastAppendAt = performance.now();
      latencies.push(lastAppendAt - before);
      head = { revision: sealed[0].revision, hash: sealed[0].hash };
      events += 1;
    }
  };
  await Promise.all(Array.from({ length: p.writers }, writer));
  const seconds = (performance.now() - started) / 1000;
  return {
    writers: p.writers,
    events,
    seconds,
    eventsPerSecond: events / seconds,
    appendMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    startedAt: started,
    lastAppendAt,
  };
}

/** A draft shaped like what the command path makes of a RecordSupport command. */
function supportDraft(): EventDraft {
  const now = new Date().toISOString();
  const commandId = uuidv7();
  return {
    id: uuidv7(),
    type: 'SupportProvided',
    schemaVersion: 1,
    data: { supportId: uuidv7(), kind: 'shelter', providedOn: '2026-01-15', providedBy: 'polisen-malmo' },
    metadata: {
      agencyId: 'polisen-malmo',
      actorId: 'bench-officer',
      commandId,
      correlationId: commandId,
      causationId: null,
      occurredAt: now,
      recordedAt: now,
    },
  };
}

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
