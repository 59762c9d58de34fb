import { EventStore, LogPosition, RecordedEvent } from '@samverkan/eventstore';
import { CaseIndex, ensureCurrentFold } from '../case-index/case-index';

export interface RebuildOptions {
  /** Empty the index first and fold the whole log; otherwise resume after the index's stored position. */
  readonly fromScratch?: boolean;
  /** Events per transaction. Default 1,000. */
  readonly batchSize?: number;
  /** Stops the rebuild after the batch under way; what was folded stays, to be resumed. */
  readonly signal?: AbortSignal;
  /** Told how many events are to be folded, and after which position, once they are counted. */
  readonly onStart?: (start: { total: number; after: LogPosition | undefined }) => void;
  /** Told after every batch how many of them are folded. */
  readonly onProgress?: (done: number) => void;
}

export interface RebuildResult {
  /** Events folded by this run. */
  readonly events: number;
  /** Events the run set out to fold. */
  readonly total: number;
  readonly seconds: number;
  /** False when stopped by the signal before the end of the log. */
  readonly complete: boolean;
}

/**
 * Folds the log into the case index, a batch per transaction, each with its position: stopped at any point
 * (a signal, a crash, SIGKILL), the index holds a prefix of the log and a run without `fromScratch` goes on
 * from there. Reading the next batch overlaps with writing the last.
 */
export async function rebuildCaseIndex(store: EventStore, index: CaseIndex, options: RebuildOptions = {}): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 1_000;
  if (options.fromScratch) await index.clear();
  await ensureCurrentFold(index);
  const after = await index.position();
  let total = 0;
  for await (const _ of store.readAll({ after })) total++;
  options.onStart?.({ total, after });

  const started = performance.now();
  let done = 0;
  let writing: Promise<void> = Promise.resolve();
  /** Starts writing the batch once the one before is written, unless asked to stop meanwhile. */
  const write = async (batch: RecordedEvent[]): Promise<boolean> => {
    await writing;
    if (options.signal?.aborted) return false;
    writing = index.projectBatch(batch).then(() => {
      done += batch.length;
      options.onProgress?.(done);
    });
    writing.catch(() => undefined); // reported when awaited, with the next batch or at the end
    return true;
  };

  let batch: RecordedEvent[] = [];
  let complete = true;
  for await (const event of store.readAll({ after })) {
    batch.push(event);
    if (batch.length < batchSize) continue;
    if (!(await write(batch))) {
      complete = false;
      break;
    }
    batch = [];
  }
  if (complete && batch.length > 0) complete = await write(batch);
  await writing;
  return { events: done, total, seconds: (performance.now() - started) / 1000, complete };
}
