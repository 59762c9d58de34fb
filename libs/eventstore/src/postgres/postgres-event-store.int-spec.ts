import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { ValidationError } from '@samverkan/common';
import { envelopeHash, EventDraft, SealedEnvelope, sealEvents, serializeEnvelope, verifyChain } from '@samverkan/sealing';
import { LogSubscription, RecordedEvent } from '../event-store.port';
import { appendSealed, readStreamHead, StreamHead } from '../sealed-append';
import { describeEventStoreContract } from '../testing/event-store-contract';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl, schemasOfSuite } from '../testing/postgres';
import { collect, testDraft } from '../testing/test-events';
import { appendLockStatement, HeldBackReport, PostgresEventStore, PostgresEventStoreOptions } from './postgres-event-store';

const root = resolve(__dirname, '../../../..');
const runTs = join(root, 'scripts/run-ts.js');
const worker = join(root, 'libs/eventstore/src/testing/append-worker.ts');

jest.setTimeout(60_000);

describeWithPostgres('the PostgreSQL event store', () => {
  describeEventStoreContract('PostgresEventStore', async () => {
    const schema = freshSchemaName();
    const store = await PostgresEventStore.open({ connectionString: postgresUrl, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchemas([schema]);
      },
    };
  });

  const freshSchema = schemasOfSuite();
  const opened: PostgresEventStore[] = [];
  const clients: Client[] = [];

  const open = async (schema: string, options: Partial<PostgresEventStoreOptions> = {}) => {
    const store = await PostgresEventStore.open({ connectionString: postgresUrl, schema, ...options });
    opened.push(store);
    return store;
  };

  /** A connection of the test's own, beside the store's. */
  const connect = async () => {
    const client = new Client({ connectionString: postgresUrl });
    clients.push(client);
    await client.connect();
    return client;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => undefined);
    for (const store of opened.splice(0)) await store.close();
  });

  describe('its global log', () => {
    it('holds followers back while an earlier transaction is open, then delivers its event first', async () => {
      const schema = freshSchema();
      const store = await open(schema, { pollIntervalMs: 20 });
      const elsewhere = await open(schema);
      const { result: marker } = await appendSealed(store, `marker-${randomUUID()}`, null, [draft()]);
      const follower = new Follower(store.subscribeToAll({ after: marker.position }));

      // A transaction that has written an event but not committed: it sits before everything appended after it.
      const slow = await connect();
      const [early] = sealEvents(`slow-${randomUUID()}`, null, [draft()]);
      await slow.query('BEGIN');
      await insertLikeTheStore(slow, schema, early);
      const {
        sealed: [late],
      } = await appendSealed(store, `late-${randomUUID()}`, null, [draft()]);

      // This store's own read waits for what it acknowledged, and so for the open transaction. That something
      // does not happen takes a window to see; a slow machine can only make this pass without proving much.
      const ownRead = collect(store.readAll({ after: marker.position }));
      expect(await Promise.race([ownRead.then(() => 'done'), pause(200).then(() => 'still reading')])).toBe('still reading');
      for (let i = 0; i < 3; i++) expect(await collect(elsewhere.readAll({ after: marker.position }))).toEqual([]);
      expect(follower.ids()).toEqual([]);

      await slow.query('COMMIT');

      await follower.until(2);
      expect(follower.ids()).toEqual([early.id, late.id]);
      expect((await ownRead).map((e) => e.envelope.id)).toEqual([early.id, late.id]);
      expect((await collect(elsewhere.readAll({ after: marker.position }))).map((e) => e.position)).toEqual(follower.delivered.map((e) => e.position));
      await follower.close();
    });

    it('is not held back by a transaction elsewhere in the cluster, however long it stays open', async () => {
      const schema = freshSchema();
      const store = await open(schema, { pollIntervalMs: 20 });
      const elsewhere = await open(schema);
      const { result: marker } = await appendSealed(store, `marker-${randomUUID()}`, null, [draft()]);
      const follower = new Follower(store.subscribeToAll({ after: marker.position }));

      // A session that took a transaction id for something else entirely and then sat idle in it.
      const idle = await connect();
      await idle.query('BEGIN');
      await idle.query('SELECT pg_current_xact_id()');
      const {
        sealed: [event],
      } = await appendSealed(store, `past-${randomUUID()}`, null, [draft()]);

      await follower.until({ id: event.id });
      expect((await collect(elsewhere.readAll({ after: marker.position }))).map((e) => e.envelope.id)).toEqual([event.id]);
      await idle.query('COMMIT');
      await follower.close();
    });

    it('names the append that holds followers back', async () => {
      const reports: HeldBackReport[] = [];
      const schema = freshSchema();
      const store = await open(schema, { pollIntervalMs: 20, heldBackReportAfterMs: 100, onHeldBack: (r) => reports.push(r) });
      const { result: marker } = await appendSealed(store, `marker-${randomUUID()}`, null, [draft()]);
      const follower = new Follower(store.subscribeToAll({ after: marker.position }));

      // An append that wrote its event and then stayed open, its session idle.
      const stuck = await connect();
      await stuck.query(`SET application_name = 'held-back-spec'`);
      await stuck.query('BEGIN');
      const [early] = sealEvents(`stuck-${randomUUID()}`, null, [draft()]);
      await insertLikeTheStore(stuck, schema, early);
      const { rows } = await stuck.query<{ pid: number; xid: string }>('SELECT pg_backend_pid() AS pid, pg_current_xact_id()::text AS xid');
      const {
        sealed: [waiting],
      } = await appendSealed(store, `waiting-${randomUUID()}`, null, [draft()]);

      while (!reports.some((r) => r.pid === rows[0].pid)) await pause(20);
      const report = reports.find((r) => r.pid === rows[0].pid)!;
      expect(report).toMatchObject({
        xid: rows[0].xid,
        application: 'held-back-spec',
        state: 'idle in transaction',
        database: new URL(postgresUrl).pathname.slice(1),
      });
      expect(report.heldForMs).toBeGreaterThanOrEqual(100);
      expect(follower.ids()).toEqual([]);

      await stuck.query('COMMIT');
      await follower.until({ id: waiting.id });
      expect(follower.ids()).toEqual([early.id, waiting.id]);
      await follower.close();
    });

    it('gives a follower every event once, in the final order, while many writers commit out of order', async () => {
      const schema = freshSchema();
      const writers = 16;
      const store = await open(schema, { poolSize: writers + 4 });
      // Each append, the store's own included, dawdles between its insert (where it takes its transaction id)
      // and its commit, so that later ids commit first all the time, not only now and then.
      const admin = await connect();
      await admin.query(
        `CREATE FUNCTION "${schema}".dawdle() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$`,
      );
      await admin.query(`CREATE TRIGGER dawdle AFTER INSERT ON "${schema}".events FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".dawdle()`);
      // The follower is another store, as a relay in another process would be: NOTIFY and its poll wake it.
      const follower = new Follower((await open(schema, { pollIntervalMs: 20 })).subscribeToAll());
      const acknowledged: string[] = []; // event ids, in the order their appends resolved

      const write = async (writer: number) => {
        const heads = new Map<string, StreamHead>();
        for (let i = 0; i < 30; i++) {
          const stream = `gap-${writer}x${i % 3}-${schema}`;
          const { sealed } = await appendSealed(store, stream, heads.get(stream) ?? null, drafts(1 + (i % 3)));
          heads.set(stream, headOf(sealed));
          acknowledged.push(...sealed.map((e) => e.id));
        }
      };
      // Transactions that write, then stay open a while: whatever commits meanwhile lands after their events.
      const slowWrite = async (slowness: number) => {
        const client = await connect();
        const [event] = sealEvents(`slow-${randomUUID()}`, null, [draft()]);
        await pause(slowness / 3);
        await client.query('BEGIN');
        await insertLikeTheStore(client, schema, event, Math.random() < 0.5 ? slowness / 2 : 0);
        await pause(slowness);
        await client.query('COMMIT');
        acknowledged.push(event.id);
      };

      await Promise.all([
        ...Array.from({ length: writers }, (_, writer) => write(writer)),
        ...Array.from({ length: 6 }, () => slowWrite(5 + Math.random() * 60)),
      ]);
      const final = await collect(store.readAll());
      await follower.until({ id: final[final.length - 1].envelope.id });
      await follower.close();

      expect(final).toHaveLength(acknowledged.length);
      expect(new Set(follower.ids()).size).toBe(follower.delivered.length);
      expect(follower.delivered.map((e) => e.position)).toEqual(final.map((e) => e.position));
      expect(follower.ids()).toEqual(final.map((e) => e.envelope.id));
      // The test means something only if commits did come out of log order: some event was acknowledged
      // after another that the log places behind it.
      const place = new Map(final.map((e, i) => [e.envelope.id, i]));
      const overtaken = acknowledged.filter((id, i) => i > 0 && place.get(id)! < place.get(acknowledged[i - 1])!);
      expect(overtaken.length).toBeGreaterThan(0);
    });

    it('refuses a position it did not issue', async () => {
      const store = await open(freshSchema());

      expect(() => store.subscribeToAll({ after: '42' })).toThrow(ValidationError);
      await expect(collect(store.readAll({ after: 'x.1' }))).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('appends that arrive together', () => {
    // Beyond the statements in flight, appends wait and are written together, several streams in one statement:
    // each must come out as it would alone.
    it('stores each that follows its head, refuses each that does not, and keeps each stream in order', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      const streams = Array.from({ length: 40 }, (_, i) => `batch-${i}`);
      const firsts = await Promise.all(streams.map((stream) => appendSealed(store, stream, null, [testDraft('Opened'), testDraft('Noted')])));
      const heads = firsts.map(({ sealed }) => ({ revision: sealed[1].revision, hash: sealed[1].hash }));

      // All at once: one in three follows a head that is not its stream's, and each stream is appended to twice
      // at the same head (the second of each pair must be refused, whichever batch it lands in).
      const outcomes = await Promise.allSettled(
        streams.flatMap((stream, i) => {
          const head = i % 3 === 0 ? { revision: 0, hash: firsts[i].sealed[0].hash } : heads[i];
          return [appendSealed(store, stream, head, [testDraft('Added', { n: i })]), appendSealed(store, stream, head, [testDraft('Added', { n: -i })])];
        }),
      );
      for (const [i, stream] of streams.entries()) {
        const [one, other] = [outcomes[2 * i], outcomes[2 * i + 1]];
        const events = await collect(store.readStream(stream));
        expect(
          verifyChain(
            stream,
            events.map((e) => e.envelope),
          ).ok,
        ).toBe(true);
        if (i % 3 === 0) {
          expect([one.status, other.status]).toEqual(['rejected', 'rejected']);
          expect((one as PromiseRejectedResult).reason).toMatchObject({ name: 'ConcurrencyError' });
          expect(events).toHaveLength(2);
        } else {
          expect([one.status, other.status].sort()).toEqual(['fulfilled', 'rejected']);
          expect(([one, other].find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ name: 'ConcurrencyError' });
          expect(events).toHaveLength(3);
        }
      }
      // The log holds every stored event once, in an order that keeps each stream's revisions rising.
      const log = (await collect(store.readAll())).map((e) => e.envelope);
      expect(log).toHaveLength(streams.length * 2 + streams.filter((_, i) => i % 3 !== 0).length);
      for (const stream of streams) {
        const revisions = log.filter((e) => e.stream === stream).map((e) => e.revision);
        expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      }
    });

    it('says which append holds an event id stored already, and stores the others with it', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      const [taken] = (await appendSealed(store, 'taken', null, [testDraft('Opened')])).sealed;
      const drafts = Array.from({ length: 30 }, (_, i) => (i === 17 ? { ...testDraft('Opened'), id: taken.id } : testDraft('Opened')));
      const outcomes = await Promise.allSettled(drafts.map((draft, i) => appendSealed(store, `dup-${i}`, null, [draft])));
      expect(outcomes.map((o) => o.status)).toEqual(drafts.map((_, i) => (i === 17 ? 'rejected' : 'fulfilled')));
      expect((outcomes[17] as PromiseRejectedResult).reason).toMatchObject({ rule: 'duplicate-event-id', details: { eventId: taken.id } });
      expect(await collect(store.readStream('dup-17'))).toEqual([]);
      expect(await collect(store.readStream('dup-18'))).toHaveLength(1);
    });
  });

  describe('with another process appending', () => {
    let workers: AppendWorker[] = [];

    afterEach(async () => {
      for (const running of workers) running.stop();
      await Promise.all(workers.map((running) => running.exited));
      workers = [];
    });

    const start = (schema: string, streams: number, category: string) => {
      const url = new URL(postgresUrl);
      url.searchParams.set('schema', schema);
      url.searchParams.set('application_name', `append-worker-${schema}`);
      const started = new AppendWorker(url.toString(), streams, category);
      workers.push(started);
      return started;
    };

    it("wakes a subscription for the other process's appends through NOTIFY, without waiting for a poll", async () => {
      const schema = freshSchema();
      const store = await open(schema, { pollIntervalMs: 60_000 }); // a poll would come far too late
      const follower = new Follower(store.subscribeToAll());

      const appending = start(schema, 4, 'remote');
      await appending.acknowledges(60);
      await follower.until(60);
      await appending.kill();

      const final = await collect(store.readAll());
      const positions = final.map((e) => e.position);
      expect(follower.delivered.map((e) => e.position)).toEqual(positions.slice(0, follower.delivered.length));
      await follower.close();
    });

    it('keeps every acknowledged event, whole batches and whole chains when the other process is killed', async () => {
      const schema = freshSchema();
      await (await open(schema)).close(); // the tables exist before the worker opens them
      const appending = start(schema, 8, 'crash');
      await appending.acknowledges(300);
      await appending.kill();
      // An append the worker left in flight is still a transaction until its server process notices the kill;
      // events behind it become readable when it ends.
      await gone(await connect(), `append-worker-${schema}`);

      const store = await open(schema);
      const log = await collect(store.readAll());
      const stored = new Set(log.map((e) => e.envelope.id));
      expect([...appending.acknowledged].filter((id) => !stored.has(id))).toEqual([]);
      expect(stored.size).toBe(log.length);
      const torn = log.filter((e) => e.raw !== serializeEnvelope(e.envelope) || envelopeHash(e.envelope) !== e.envelope.hash);
      expect(torn).toEqual([]);
      const streams = new Map<string, SealedEnvelope[]>();
      for (const { envelope } of log) streams.set(envelope.stream, [...(streams.get(envelope.stream) ?? []), envelope]);
      expect(streams.size).toBe(8);
      for (const [stream, fromLog] of streams) {
        const fromStream = (await collect(store.readStream(stream))).map((e) => e.envelope);
        expect(fromStream).toEqual(fromLog);
        expect(verifyChain(stream, fromStream)).toMatchObject({ ok: true, events: fromStream.length });
        expect(partialBatches(fromStream)).toEqual([]);
      }
    });
  });

  describe('its tables', () => {
    it('keeps every event, byte for byte, when closed and opened again, and continues its chains', async () => {
      const schema = freshSchema();
      const stream = `reopen-${randomUUID()}`;
      const first = await open(schema);
      const { sealed, result } = await appendSealed(first, stream, null, [draft(), draft({ city: 'Göteborg' }), draft()]);
      const before = await collect(first.readAll());
      await first.close();

      const second = await open(schema);
      expect(await collect(second.readAll())).toEqual(before);
      expect((await collect(second.readStream(stream))).map((e) => e.envelope)).toEqual(sealed);
      const { result: next } = await appendSealed(second, stream, await readStreamHead(second, stream), [draft()]);

      const after = await collect(second.readAll({ after: result.position }));
      expect(after.map((e) => e.position)).toEqual([next.position]);
      const envelopes = (await collect(second.readStream(stream))).map((e) => e.envelope);
      expect(verifyChain(stream, envelopes)).toMatchObject({ ok: true, events: 4 });
    });

    it('can be created by several stores opening a fresh schema at once', async () => {
      const schema = freshSchema();

      const stores = await Promise.all(Array.from({ length: 4 }, () => open(schema)));

      const stream = `created-${randomUUID()}`;
      await appendSealed(stores[0], stream, null, [draft()]);
      expect(await collect(stores[3].readStream(stream))).toHaveLength(1);
    });

    it('refuses a schema name it would have to quote', async () => {
      const opening = PostgresEventStore.open({ connectionString: postgresUrl, schema: 'Robert"); DROP TABLE x; --' });
      await expect(opening).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('closing', () => {
    it('lets an append under way finish before it closes', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      const stream = `closing-${randomUUID()}`;
      const appending = store.appendToStream(stream, sealEvents(stream, null, [draft()]), 'no-stream');

      await store.close();

      await expect(appending).resolves.toMatchObject({ revision: 0 });
      expect(await collect((await open(schema)).readStream(stream))).toHaveLength(1);
    });

    it('refuses to append once closed', async () => {
      const store = await open(freshSchema());
      await store.close();

      const stream = `closing-${randomUUID()}`;
      await expect(store.appendToStream(stream, sealEvents(stream, null, [draft()]), 'no-stream')).rejects.toThrow(/closed/);
    });

    it('ends its subscriptions when closed', async () => {
      const store = await open(freshSchema());
      const subscription = store.subscribeToAll();
      const iteration = (async () => {
        for await (const event of subscription) void event;
      })();

      await store.close();

      await expect(iteration).resolves.toBeUndefined();
    });
  });
});

/** Inserts an event as an append of the store does, in the transaction the client has begun, and leaves it open. */
async function insertLikeTheStore(client: Client, schema: string, event: SealedEnvelope, pauseAfterLockMs = 0): Promise<void> {
  await client.query(appendLockStatement(schema));
  // Holding the lock without a transaction id yet: the moment readers must not be misled by.
  if (pauseAfterLockMs > 0) await pause(pauseAfterLockMs);
  await client.query(`INSERT INTO "${schema}".events (stream, revision, id, type, hash, envelope) VALUES ($1, $2, $3, $4, $5, $6)`, [
    event.stream,
    event.revision,
    event.id,
    event.type,
    event.hash,
    serializeEnvelope(event),
  ]);
}

/** Resolves once no connection of that application name is left on the server. */
async function gone(client: Client, applicationName: string): Promise<void> {
  const query = 'SELECT count(*)::int AS left FROM pg_stat_activity WHERE application_name = $1';
  while ((await client.query<{ left: number }>(query, [applicationName])).rows[0].left > 0) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads a subscription in the background and keeps what it delivers, in order. */
class Follower {
  readonly delivered: RecordedEvent[] = [];
  private readonly reading: Promise<void>;
  private waiting: { reached: () => boolean; resolve: () => void } | undefined;

  constructor(private readonly subscription: LogSubscription) {
    this.reading = (async () => {
      for await (const event of subscription) {
        this.delivered.push(event);
        if (this.waiting?.reached()) this.waiting.resolve();
      }
    })();
  }

  ids(): string[] {
    return this.delivered.map((e) => e.envelope.id);
  }

  /** Resolves once `count` events were delivered, or the event with that id; fails if the subscription ends first. */
  async until(what: number | { id: string }): Promise<void> {
    const reached = typeof what === 'number' ? () => this.delivered.length >= what : () => this.delivered.some((e) => e.envelope.id === what.id);
    const enough = new Promise<void>((resolve) => {
      this.waiting = { reached, resolve };
      if (reached()) resolve();
    });
    const ended = this.reading.then(() => {
      throw new Error(`the subscription ended after ${this.delivered.length} events`);
    });
    await Promise.race([enough, ended]);
  }

  async close(): Promise<void> {
    await this.subscription.close();
    await this.reading;
  }
}

/** A running append worker and the event ids it has acknowledged so far. */
class AppendWorker {
  readonly acknowledged = new Set<string>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly process: ChildProcess;
  private stderr = '';
  private waiting: { count: number; resolve: () => void } | undefined;

  constructor(store: string, streams: number, category: string) {
    this.process = spawn(process.execPath, [runTs, worker, store, String(streams), category], {
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
    this.stop();
    expect((await this.exited).signal).toBe('SIGKILL');
  }

  stop(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
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

const draft = (data: Record<string, string> = {}): EventDraft => testDraft('StoreChecked', data, 'postgres-event-store-spec');
const drafts = (count: number) => Array.from({ length: count }, () => draft());

function headOf(events: readonly SealedEnvelope[]): NonNullable<StreamHead> {
  const last = events[events.length - 1];
  return { revision: last.revision, hash: last.hash };
}

/** Holds a transaction open on purpose; not a wait for a condition. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
