import { v7 as uuidv7 } from 'uuid';
import { appendSealed, SqliteEventStore, StreamHead } from '@samverkan/eventstore';
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
 * Sealed single-event appends straight to the embedded store, no HTTP: `writers` concurrent writers, each on
 * its own stream (so no revision conflicts), each appending as soon as its previous append resolved.
 */
export async function benchRawAppend(file: string, p: RawAppendParameters): Promise<RawAppendResult> {
  const store = new SqliteEventStore({ file });
  const latencies: number[] = [];
  let events = 0;
  const started = performance.now();
  const deadline = started + p.durationSeconds * 1000;
  const writer = async () => {
    const stream = `bench-${uuidv7()}`;
    let head: StreamHead = null;
    while (performance.now() < deadline) {
      const before = performance.now();
      const { sealed } = await appendSealed(store, stream, head, [supportDraft()]);
      latencies.push(performance.now() - before);
      head = { revision: sealed[0].revision, hash: sealed[0].hash };
      events += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: p.writers }, writer));
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { writers: p.writers, events, seconds, eventsPerSecond: events / seconds, appendMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) } };
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
