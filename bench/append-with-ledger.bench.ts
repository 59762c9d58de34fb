import { join, resolve } from 'node:path';
import { systemClock } from '@samverkan/common';
import { loadConfig } from '../apps/coordinator/src/config/app-config';
import { openEventStore } from '../apps/coordinator/src/config/event-store.provider';
import { LedgerService } from '../apps/coordinator/src/ledger/ledger.service';
import { RawAppendParameters, runWriters } from './raw-append.bench';
import { BenchStore } from './stores';

export interface AppendWithLedgerParameters extends RawAppendParameters {
  readonly checkpointIntervalMs: number;
}

export interface AppendWithLedgerResult {
  readonly writers: number;
  /** Events appended; every one of them was a leaf of the ledger when the clock stopped. */
  readonly events: number;
  /** From the first append until the ledger held the last event as a leaf. */
  readonly seconds: number;
  /** Events both appended and sealed into the ledger, per second. */
  readonly eventsPerSecond: number;
  /** Appends alone while the ledger followed (events over the writers' own time), for comparison with raw appends. */
  readonly appendsPerSecond: number;
  readonly appendMs: { readonly p50: number; readonly p99: number };
  /** From the last append's answer until the ledger had that event. */
  readonly ledgerLagMs: number;
  /** Checkpoints the ledger signed during the run (one per interval while it grows). */
  readonly checkpoints: number;
}

const root = resolve(__dirname, '..');

/**
 * The writers of the raw-append benchmark (sealed single-event appends straight to the store) while the
 * service's real LedgerService, in the same process, follows the log: it checks each event's hash and chain
 * link, appends it as a leaf and signs a checkpoint every `checkpointIntervalMs`. Store and ledger are the
 * service's on that adapter: on SQLite the ledger's own file (synchronous=FULL), on PostgreSQL its tables in
 * the store's schema. The clock stops when the ledger's size reaches the number of events appended.
 */
export async function benchAppendWithLedger(dataDir: string, p: AppendWithLedgerParameters, adapter: BenchStore): Promise<AppendWithLedgerResult> {
  const config = {
    ...loadConfig({ SAMVERKAN_AGENCIES_FILE: join(root, 'config', 'agencies.yaml'), ...adapter.serviceEnv('ledger') }),
    dataDir,
    checkpointIntervalMs: p.checkpointIntervalMs,
  };
  const store = await openEventStore(config);
  const ledger = await LedgerService.open(store, config, systemClock);
  let stopped = false;
  try {
    ledger.onApplicationBootstrap();
    const run = await runWriters(store, p);
    // The ledger works in the same event loop, so a short poll sees its size as soon as a batch is in.
    while ((await ledger.reader.size()) < run.events) {
      if (ledger.halted) throw new Error(`the ledger halted: ${ledger.halted.reason}`);
      await new Promise((resolvePromise) => setImmediate(resolvePromise));
    }
    const ledgeredAt = performance.now();
    const seconds = (ledgeredAt - run.startedAt) / 1000;
    const checkpoints = (await ledger.reader.checkpoints(1000)).length;
    stopped = true;
    await ledger.onApplicationShutdown();
    return {
      writers: run.writers,
      events: run.events,
      seconds,
      eventsPerSecond: run.events / seconds,
      appendsPerSecond: run.eventsPerSecond,
      appendMs: run.appendMs,
      ledgerLagMs: ledgeredAt - run.lastAppendAt,
      checkpoints,
    };
  } finally {
    if (!stopped) await ledger.onApplicationShutdown();
    await store.close();
  }
}
