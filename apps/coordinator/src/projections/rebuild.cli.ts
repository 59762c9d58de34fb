/**
 * Rebuilds the case index (case summaries, worklists, agency feeds) from the log:
 *   npm run projections:rebuild [-- --from-scratch] [--batch-size N]
 *
 * Reads the configuration as the service does (EVENT_STORE, DATABASE_URL, SAMVERKAN_DATABASE_SCHEMA,
 * SAMVERKAN_DATA_DIR). Without --from-scratch it goes on after the position the index holds, so a rebuild
 * that was interrupted (Ctrl-C, a crash, kill -9) continues where it stopped; with it, the index is emptied
 * first. It takes the projector's lease, so it refuses to run while a service's projector is active on the same
 * index; stop that service (or its projector role) first. While the index is emptied and refilled, its
 * worklists and feeds are incomplete.
 */
import { join } from 'node:path';
import { loadConfig } from '../config/app-config';
import { openEventStore } from '../config/event-store.provider';
import { openLeadership } from '../leases/leadership.provider';
import { PROJECTOR_LEASE } from '../leases/projector.role';
import { openCaseIndex } from '../case-index/open-case-index';
import { count, Progress } from './progress';
import { rebuildCaseIndex, REBUILD_BATCH_SIZE } from './rebuild';

const USAGE = 'usage: npm run projections:rebuild [-- --from-scratch] [--batch-size N]\n';

function parse(args: string[]): { fromScratch: boolean; batchSize: number } {
  let fromScratch = false;
  let batchSize = REBUILD_BATCH_SIZE;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--from-scratch') fromScratch = true;
    else if (args[i] === '--batch-size' && /^[1-9]\d{0,5}$/.test(args[i + 1] ?? '')) batchSize = Number(args[++i]);
    else if (args[i] === '--help' || args[i] === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      process.stderr.write(`${args[i]} is not an option of the rebuild (--batch-size takes 1 to 999999 events)\n${USAGE}`);
      process.exit(2);
    }
  }
  return { fromScratch, batchSize };
}

async function main(): Promise<void> {
  const { fromScratch, batchSize } = parse(process.argv.slice(2));
  const config = loadConfig();
  const where = config.databaseUrl ? `PostgreSQL (schema ${config.databaseSchema})` : join(config.dataDir, 'case-index.db');
  const lease = await openLeadership(config)
    .acquire(PROJECTOR_LEASE, AbortSignal.timeout(3_000))
    .catch(() => {
      throw new Error(`the projector of a running service holds the projector lease for ${where}; stop that service (or its projector role) first`);
    });
  const store = await openEventStore(config);
  const index = await openCaseIndex(config);
  // Ctrl-C finishes the batch under way, so that the next run resumes right after it; a second one quits at once.
  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after the batch under way; run again to resume (Ctrl-C again to quit now)\n');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const progress = new Progress(process.stderr, 'events');
  try {
    const result = await rebuildCaseIndex(store, index, {
      fromScratch,
      batchSize,
      signal: stop.signal,
      onStart: ({ total, after }) => {
        const from = fromScratch
          ? 'emptied, from the start of the log'
          : after === undefined
            ? 'from the start of the log'
            : `resuming after position ${after}`;
        process.stderr.write(`rebuilding the case index in ${where} from the ${config.eventStore} event store: ${count(total)} events, ${from}\n`);
        progress.start(total);
      },
      onProgress: (done) => progress.update(done),
    });
    progress.end(result.events);
    const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
    const summary = `${count(result.events)} events in ${result.seconds.toFixed(1)} s (${count(rate)} events/s)`;
    if (result.complete) {
      process.stdout.write(`rebuilt the case index: ${summary}\n`);
    } else {
      process.stdout.write(`stopped: ${summary}, ${count(result.total - result.events)} to go; run again to resume\n`);
      process.exitCode = 130;
    }
  } finally {
    await index.close();
    await store.close();
    await lease.release();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`\n${error.message}\n`);
  process.exit(1);
});
