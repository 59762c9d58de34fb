import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { moduleWorker } from '@samverkan/common';
import { SealedEnvelope } from '@samverkan/sealing';
import { openSqliteFile } from '@samverkan/sql/sqlite';
import { appendRefusal } from '../append-refusal';
import { ExpectedRevision } from '../event-store.port';
import { StreamHead } from '../sealed-append';

/** One append as the writer thread takes it: its events' chain fields and stored text. */
export interface AppendToWrite {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: ReadonlyArray<Pick<SealedEnvelope, 'id' | 'revision' | 'type' | 'prev' | 'hash'> & { readonly text: string }>;
}

/**
 * What became of one append of a batch: stored (the position of its last event), refused because of the
 * stream's head (the caller works out the refusal from it, as appendRefusal says), refused because an event id
 * is stored already, or failed; a refused or failed append stored nothing, and the others of its batch are
 * unaffected.
 */
export type AppendOutcome =
  { readonly position: number } | { readonly refusedAt: StreamHead } | { readonly duplicateId: string } | { readonly failed: string; readonly code?: string };

/** The answer to one batch: an outcome an append, or the failure of the whole transaction (nothing stored). */
type Answer = { readonly id: number } & ({ readonly outcomes: AppendOutcome[] } | { readonly failed: string; readonly code?: string });

const ROLE = 'samverkan sqlite event store writer';

/**
 * The appends of one SQLite event store, committed on a thread of their own. A commit with `synchronous=FULL`
 * waits for its fsync, and on the API's thread that wait was a quarter of its time under load (849 commits in
 * 10 s, 2.7 ms each, 23% of the thread), time in which it answered nothing. Here the API's thread hands a batch
 * over and goes on; the batch is answered once committed. What is durable and when is unchanged: the writer
 * commits exactly as the store did, each batch in one IMMEDIATE transaction, each append under its own
 * savepoint, and other connections see a commit only once it is on disk.
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(outcomes: AppendOutcome[]): void; reject(error: Error): void }>();
  private nextId = 0;
  private exited?: Error;

  constructor(file: string) {
    this.worker = moduleWorker(__filename, { workerData: { role: ROLE, file } });
    this.worker.unref(); // held only while a batch is being written (write)
    this.worker.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (!waiter) return;
      if ('outcomes' in answer) waiter.resolve(answer.outcomes);
      else waiter.reject(failure(answer));
    });
    const fail = (error: Error) => {
      this.exited ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the event store's writer thread ended (exit code ${code})`)));
  }

  /** Commits the appends in one transaction; resolves with an outcome each once it is on disk. */
  write(appends: readonly AppendToWrite[]): Promise<AppendOutcome[]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, appends });
    });
  }

  /** Closes the writer's connection and ends its thread; call once no batch is being written. */
  async close(): Promise<void> {
    if (this.exited) return;
    const ended = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.ref();
    this.worker.postMessage({ close: true });
    await ended;
  }
}

/** A failure the writer thread reported, as the error SQLite gave it there: its message and code. */
export function failure({ failed, code }: { readonly failed: string; readonly code?: string }): Error {
  return Object.assign(new Error(failed), code ? { code } : {});
}

/** The writer thread: its own connection to the file, and the statements and transaction of an append batch. */
function runWriter(file: string): void {
  const db = openSqliteFile(file, 'FULL');
  const lastOfStream = db.prepare<[string], { revision: number; hash: string }>(
    'SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
  );
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, hash, envelope) VALUES (?, ?, ?, ?, ?, ?)');

  /** Thrown inside an append's savepoint, so that it rolls back the append's events inserted before. */
  class DuplicateEventId extends Error {
    constructor(readonly eventId: string) {
      super(`an event with id ${eventId} is already stored`);
    }
  }
  /** Checks the expectation and the chain link against the head this transaction sees, then inserts. */
  const appendOne = db.transaction(({ stream, expected, events }: AppendToWrite): AppendOutcome => {
    const last = lastOfStream.get(stream);
    const head: StreamHead = last ? { revision: last.revision, hash: last.hash } : null;
    if (appendRefusal(stream, events, expected, head)) return { refusedAt: head };
    let position = 0;
    for (const event of events) {
      try {
        position = Number(insert.run(stream, event.revision, event.id, event.type, event.hash, event.text).lastInsertRowid);
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateEventId(event.id);
        throw error;
      }
    }
    return { position };
  });
  const appendBatch = db.transaction((appends: readonly AppendToWrite[]) =>
    appends.map((append): AppendOutcome => {
      try {
        return appendOne(append); // nested: runs under a savepoint
      } catch (error) {
        if (error instanceof DuplicateEventId) return { duplicateId: error.eventId };
        return { failed: (error as Error).message, code: (error as { code?: string }).code };
      }
    }),
  );

  parentPort!.on('message', (order: { id: number; appends: AppendToWrite[] } | { close: true }) => {
    if ('close' in order) {
      db.close();
      parentPort!.close();
      return;
    }
    const { id, appends } = order;
    let answer: Answer;
    try {
      // IMMEDIATE takes the write lock before reading the stream heads. A deferred transaction would read
      // under a snapshot that cannot be upgraded once another process has committed, and fail at once with
      // SQLITE_BUSY instead of waiting out busy_timeout.
      answer = { id, outcomes: appendBatch.immediate(appends) };
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
      answer = { id, failed: (error as Error).message, code: (error as { code?: string }).code };
    }
    parentPort!.postMessage(answer);
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) runWriter((workerData as { file: string }).file);
