import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { envelopeHash, EventDraft, SealedEnvelope, serializeEnvelope, verifyChain } from '@samverkan/sealing';
import { appendSealed, readStreamHead } from '../sealed-append';
import { SqliteEventStore } from './sqlite-event-store';
import { collect, testDraft } from '../testing/test-events';

const root = resolve(__dirname, '../../../..');
const runTs = join(root, 'scripts/run-ts.js');
const worker = join(root, 'libs/eventstore/src/testing/append-worker.ts');

jest.setTimeout(120_000);

/** A running append worker and the event ids it has acknowledged so far. */
class AppendWorker {
  readonly acknowledged = new Set<string>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly process: ChildProcess;
  private stderr = '';
  private waiting: { count: number; resolve: () => void } | undefined;

  constructor(file: string, streams: number, category: string) {
    this.process = spawn(process.execPath, [runTs, worker, file, String(streams), category], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let partial = '';
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const id of lines) this.acknowledged.add(id);
      if (this.waiting && this.acknowledged.size >= this.waiting.count) this.waiting.resolve();
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once `count` events are acknowledged; fails if the worker exits first. */
  async acknowledges(count: number): Promise<void> {
    const enough = new Promise<void>((resolve) => {
      this.waiting = { count, resolve };
      if (this.acknowledged.size >= count) resolve();
    });
    const died = this.exited.then(({ code, signal }) => {
      throw new Error(`the worker exited (${code ?? signal}) after ${this.acknowledged.size} acks: ${this.stderr}`);
    });
    await Promise.race([enough, died]);
  }

  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    const { signal } = await this.exited;
    expect(signal).toBe('SIGKILL');
  }

  /** For cleanup after a failure: leaves no worker running. */
  stop(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

describe('the SQLite event store when its process is killed mid-append', () => {
  let folder: string;
  let file: string;
  let workers: AppendWorker[] = [];

  const start = (streams: number, category: string) => {
    const started = new AppendWorker(file, streams, category);
    workers.push(started);
    return started;
  };

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'samverkan-crash-'));
    file = join(folder, 'events.db');
  });

  afterEach(async () => {
    for (const running of workers) running.stop();
    await Promise.all(workers.map((running) => running.exited));
    workers = [];
    await rm(folder, { recursive: true, force: true });
  });

  it.each([50, 500])('keeps every acknowledged event and whole chains when killed after %i acks', async (acks) => {
    const appending = start(16, 'crash');
    await appending.acknowledges(acks);
    await appending.kill();

    await expectIntactAfterCrash(file, appending.acknowledged);
  });

  it('keeps both writers whole when two processes append to one file and both are killed', async () => {
    const one = start(8, 'crasha');
    const other = start(8, 'crashb');
    await Promise.all([one.acknowledges(300), other.acknowledges(300)]);
    await Promise.all([one.kill(), other.kill()]);

    await expectIntactAfterCrash(file, new Set([...one.acknowledged, ...other.acknowledged]));
  });
});

/**
 * Opens the store left behind by a killed writer and checks what a crash must not cost: an acknowledged
 * event, a whole batch, a link of a chain, or a byte of an event.
 */
async function expectIntactAfterCrash(file: string, acknowledged: ReadonlySet<string>): Promise<void> {
  const integrity = new Database(file, { readonly: true });
  try {
    expect(integrity.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    integrity.close();
  }

  const store = new SqliteEventStore({ file });
  try {
    const log = await readAll(store.readAll());
    const stored = new Set(log.map((e) => e.envelope.id));
    const lost = [...acknowledged].filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
    expect(stored.size).toBe(log.length);

    const torn = log.filter((e) => e.raw !== serializeEnvelope(e.envelope) || envelopeHash(e.envelope) !== e.envelope.hash);
    expect(torn).toEqual([]);

    const streams = new Map<string, SealedEnvelope[]>();
    for (const { envelope } of log) {
      const ofStream = streams.get(envelope.stream) ?? [];
      ofStream.push(envelope);
      streams.set(envelope.stream, ofStream);
    }
    expect(streams.size).toBeGreaterThan(1);
    for (const [stream, fromLog] of streams) {
      const fromStream = (await readAll(store.readStream(stream))).map((e) => e.envelope);
      expect(fromStream).toEqual(fromLog);
      expect(verifyChain(stream, fromStream)).toMatchObject({ ok: true, events: fromStream.length });
      expect(partialBatches(fromStream)).toEqual([]);
    }

    // The store takes appends again, linked to what survived.
    for (const stream of streams.keys()) {
      const head = await readStreamHead(store, stream);
      await appendSealed(store, stream, head, [survivorDraft()]);
      const envelopes = (await readAll(store.readStream(stream))).map((e) => e.envelope);
      expect(verifyChain(stream, envelopes)).toMatchObject({ ok: true, events: (head?.revision ?? -1) + 2 });
    }
  } finally {
    await store.close();
  }
}

/** Batches of which only some events were stored; the worker's events say their batch and its size. */
function partialBatches(envelopes: readonly SealedEnvelope[]): string[] {
  const sizes = new Map<number, { size: number; stored: number }>();
  for (const { data } of envelopes) {
    const batch = data.batch as number;
    const seen = sizes.get(batch) ?? { size: data.size as number, stored: 0 };
    seen.stored += 1;
    sizes.set(batch, seen);
  }
  return [...sizes].filter(([, { size, stored }]) => size !== stored).map(([batch]) => `batch ${batch}`);
}

const survivorDraft = (): EventDraft => testDraft('CrashSurvived', {}, 'sqlite-durability-spec', 'after-crash');

const readAll = collect;
