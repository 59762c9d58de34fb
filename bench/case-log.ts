import { on } from 'node:events';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EventStore, ExpectedRevision, LogPosition } from '@samverkan/eventstore';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { SealedEnvelope } from '@samverkan/sealing';

export interface CaseLogParameters {
  /** Cases, each its own stream. */
  readonly cases: number;
  /** Events per case: CaseOpened and AgencyJoinedCase (as the case decider opens a case), then SupportProvided. */
  readonly eventsPerCase: number;
  /** Events per append; the cases take turns, an append each, so the global log interleaves them. */
  readonly eventsPerAppend: number;
  /** How many event ids to remember, drawn uniformly over the whole log (for proof requests). */
  readonly sampleIds: number;
  /** Progress lines, about every tenth of the log. */
  readonly progress?: (text: string) => void;
}

export interface CaseLog {
  readonly events: number;
  readonly cases: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Mean length of a stored envelope (its JSON, hash included) over the first batch, in bytes. */
  readonly meanEnvelopeBytes: number;
  /** `sampleIds` event ids drawn uniformly over the log, in random order. */
  readonly sampleIds: string[];
  /** The id of the last event of the log. */
  readonly lastEventId: string;
  /** Its position, as the store answered the append. */
  readonly lastPosition: LogPosition;
}

/** What the sealing worker is asked for (see case-log.worker.ts). */
export interface CaseLogJob {
  readonly cases: number;
  readonly eventsPerCase: number;
  readonly eventsPerAppend: number;
  readonly appendsPerBatch: number;
  readonly ahead: number;
}

export interface SealedAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: SealedEnvelope[];
}

/** Appends sent to the store at once; it commits whatever is queued together (group commit). */
const APPENDS_PER_BATCH = 100;
const root = resolve(__dirname, '..');

/**
 * Builds a log of realistic case events fast, straight into an embedded store: `cases` adult-victim cases
 * (so the service's child-protection process has nothing to add when it reads them), opened as the case
 * decider opens one, then support recorded on them, sealed with the sealing library and written with
 * SqliteEventStore.appendToStream in appends of `eventsPerAppend` events and large group commits. A worker
 * thread drafts and seals while this thread writes, so both cores work.
 */
export async function buildCaseLog(target: string | EventStore, p: CaseLogParameters): Promise<CaseLog> {
  if (p.eventsPerCase < 3 || p.eventsPerAppend < 2) throw new Error('a case of the benchmark log has at least 3 events, appended at least 2 at a time');
  const total = p.cases * p.eventsPerCase;
  const sampled = new Set<number>();
  while (sampled.size < Math.min(p.sampleIds, total)) sampled.add(Math.floor(Math.random() * total));
  const sampleIds: string[] = [];

  const started = performance.now();
  const job: CaseLogJob = { cases: p.cases, eventsPerCase: p.eventsPerCase, eventsPerAppend: p.eventsPerAppend, appendsPerBatch: APPENDS_PER_BATCH, ahead: 2 };
  const worker = new Worker(join(root, 'scripts', 'run-ts.js'), { argv: [join(__dirname, 'case-log.worker.ts')], workerData: job });
  // A file is an embedded store of this function's own; a store given is the caller's to close.
  const store = typeof target === 'string' ? new SqliteEventStore({ file: target }) : target;
  let appended = 0;
  let lastEventId = '';
  let lastPosition: LogPosition = '';
  let meanEnvelopeBytes = Number.NaN;
  let nextReport = total / 10;
  try {
    // A worker error ends this loop with that error.
    for await (const [message] of on(worker, 'message')) {
      if (message === 'done') break;
      const appends = JSON.parse(message as string) as SealedAppend[];
      worker.postMessage('next');
      const writes = appends.map(({ stream, expected, events }) => store.appendToStream(stream, events, expected));
      if (appended === 0) {
        const events = appends.flatMap((a) => a.events);
        meanEnvelopeBytes = events.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0) / events.length;
      }
      // The store commits the appends in the order they were made, so this is the order of the global log.
      for (const { events } of appends) {
        for (const event of events) {
          if (sampled.has(appended)) sampleIds.push(event.id);
          appended += 1;
        }
        lastEventId = events[events.length - 1].id;
      }
      lastPosition = (await Promise.all(writes)).at(-1)?.position ?? lastPosition;
      if (appended >= nextReport && appended < total) {
        const rate = Math.round(appended / ((performance.now() - started) / 1000));
        p.progress?.(`${appended.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events written, ${rate.toLocaleString('en-US')}/s`);
        nextReport += total / 10;
      }
    }
  } finally {
    await worker.terminate();
    if (typeof target === 'string') await store.close();
  }
  if (appended !== total) throw new Error(`the log holds ${appended} events, not ${total}`);
  const seconds = (performance.now() - started) / 1000;
  shuffle(sampleIds); // collected in log order; requests should not walk the log
  return { events: appended, cases: p.cases, seconds, eventsPerSecond: appended / seconds, meanEnvelopeBytes, sampleIds, lastEventId, lastPosition };
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
