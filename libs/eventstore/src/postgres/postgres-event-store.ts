import { EventEmitter } from 'node:events';
import { Client, Pool, QueryResultRow } from 'pg';
import { ConflictError, InvariantError, ValidationError } from '@samverkan/common';
import { GENESIS_HASH, SealedEnvelope, serializeEnvelope } from '@samverkan/sealing';
import {
  AppendResult,
  EventStore,
  ExpectedRevision,
  LogPosition,
  LogSubscription,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from '../event-store.port';
import { StreamHead } from '../sealed-append';
import { appendRefusal } from '../append-refusal';
import { PendingAppend } from '../pending-append';
import { pollingSubscription } from '../polling-subscription';
import { checkedSchema, createTablesOnce, initialised, partPool, PostgresPartOptions } from '@samverkan/sql/postgres';
import { HeldBackReport, HeldBackWatch } from './held-back-watch';

export type { HeldBackReport } from './held-back-watch';

/** `poolSize` (default 10) is for appends and reads; subscriptions share one more connection, to LISTEN. */
export interface PostgresEventStoreOptions extends PostgresPartOptions {
  /** How long a subscription waits before looking for new events when nothing woke it. */
  readonly pollIntervalMs?: number;
  /**
   * Told which transaction holds followers back once committed events have waited behind it this long
   * (default 10 s), and again as often while it lasts: see the class comment. Unset, nobody is told.
   */
  readonly onHeldBack?: (report: HeldBackReport) => void;
  readonly heldBackReportAfterMs?: number;
}

/** A place in the log: the writing transaction's id, then the row's sequence number, both as decimal text. */
interface Position {
  readonly xid: string;
  readonly seq: string;
}

interface LogRow {
  xid: string;
  seq: string;
  /** Null for a committed row the reader may not see yet: see the class comment. */
  envelope: string | null;
}

interface AppendRow {
  head_revision: string | null;
  head_hash: string | null;
  xid: string | null;
  seq: string | null;
  revision: string | null;
}

const PAGE = 512;
/** Statements of appends at once, each a batch of the appends waiting when it began. */
const BATCHES_IN_FLIGHT = 4;
/**
 * Most events in one statement (but for a single append larger than that): one statement is one server process
 * working alone, so large appends are better spread over several (a log written 100 events an append took
 * 132 s for a million events when 100 such appends went in one statement, 86 s an append a statement).
 */
const MOST_EVENTS_PER_BATCH = 256;

/** The first key of the appends' advisory lock: 'SVK'. */
const APPEND_LOCK_NAMESPACE = 0x53564b;
const START: Position = { xid: '0', seq: '0' };
const POSITION = /^(\d{1,20})\.(\d{1,19})$/;
/** Longest wait before looking again when committed events are held back behind an open transaction. */
const HELD_BACK_MAX_WAIT_MS = 50;
/** How long `readAll` waits at most for this store's own acknowledged appends to show: see the class comment. */
const OWN_WRITES_MAX_WAIT_MS = 10_000;

/**
 * The event store on PostgreSQL: one table, `<schema>.events`, one row per sealed envelope, its exact bytes in
 * a `text` column (never `jsonb`, which would reorder keys and break the hashes).
 *
 * **The global log never has a gap that fills in later.** A `bigserial` alone is not a log: transaction A may
 * draw 10, B draw 11 and commit first, and a follower that read 11 and went on from there never sees 10. So
 * each row also records its writing transaction (`xid xid8 DEFAULT pg_current_xact_id()`); the log is ordered
 * by `(xid, seq)`, a position is `<xid>.<seq>` (compared only in SQL here), and a reader sees only rows whose
 * `xid` is below a **horizon** that no append still running can be placed before. The log is thus in the
 * order transactions took their ids, which is not always the order they committed in.
 *
 * The horizon comes from the appends alone. Each append is one statement that first takes a shared
 * transaction-level advisory lock of the store (writers do not wait for one another), and only then inserts,
 * which is when its transaction takes an id. A reader first asks, in one statement, for its snapshot's bounds
 * and for the lock's holders with their transaction ids (`pg_locks`, read once): the horizon is the lowest id
 * of a holder, or the snapshot's `xmax` when that is lower; when a holder shows no id yet, the snapshot's
 * `xmin` (the oldest transaction still running anywhere) instead, since it may have taken one a moment before
 * its lock on it showed. Then, in a second statement and so a later snapshot, it reads the rows below that
 * horizon. Why no row can later appear below a horizon a reader used: an append with a lower id was, when the
 * locks were read, either a holder with that id (then the horizon is at or below it), a holder in the middle
 * of taking its id (then the horizon is at or below `xmin`, which is at or below it), or already ended, and
 * then the later snapshot sees its rows; an append that takes the lock after that moment takes its id later
 * still, above the snapshot's `xmax`. This holds as long as every writer of the table is this store (rows
 * inserted past it could fall behind a reader), and relies on PostgreSQL's ids being handed out in order.
 * It cannot survive a failover to a standby that had not received every acknowledged commit: run replicas synchronously
 * (`synchronous_standby_names`, with `synchronous_commit = remote_apply` or `on`) if followers must never lose
 * what they were shown.
 *
 * **Its cost:** an append that stays open holds followers back while it runs (appends go on and are
 * acknowledged; followers see nothing newer until it ends), and a transaction elsewhere in the cluster can
 * only do so for the instant an append is between its lock and its id. A `readAll` stopped short by the
 * horizon waits until the appends this store has acknowledged are past it, so a caller reads its own writes,
 * for up to `OWN_WRITES_MAX_WAIT_MS`: behind an append of another process left open, it returns what a
 * follower would see rather than never.
 * When followers stay held back, `onHeldBack` is told which transaction it is (its session, database,
 * application and state, as `pg_stat_activity` shows them), so that an operator can end it.
 *
 * An append resolves after its COMMIT, with `synchronous_commit` at least `local` (the store raises it from
 * `off` on its connections). Appends that arrive while BATCHES_IN_FLIGHT statements of appends are running
 * wait, and are written together, one statement and one commit for many streams (writeWaiting): each is stored
 * or refused as it would be alone. Subscriptions are woken by appends of this store at once, by those of other
 * processes through LISTEN/NOTIFY on one dedicated connection, and by a poll when neither arrives.
 */
export class PostgresEventStore implements EventStore {
  private readonly appended = new EventEmitter();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly table: string;
  private readonly channel: string;
  private readonly sql: ReturnType<typeof statements>;
  private closed = false;
  /** The newest transaction id of an append this store acknowledged, for `readAll` to wait for. */
  private acknowledgedXid = 0n;
  private notifyAgain = false;
  private notifying?: Promise<void>;
  /** Appends waiting for a batch, and how many batches are being written. */
  private waiting: PendingAppend[] = [];
  private batchesInFlight = 0;
  private listener?: Client;
  private readonly heldBack?: HeldBackWatch;

  private constructor(
    private readonly options: PostgresEventStoreOptions,
    private readonly schema: string,
    private readonly pool: Pool,
    private readonly pollIntervalMs: number,
  ) {
    this.appended.setMaxListeners(0); // one listener per open subscription
    this.table = `"${schema}".events`;
    this.channel = `${schema}_appended`;
    this.sql = statements(this.table, schema);
    if (options.onHeldBack) {
      this.heldBack = new HeldBackWatch(pool, options.heldBackReportAfterMs ?? 10_000, options.onHeldBack, (work) => this.track(work));
    }
  }

  /** Connects, creates the schema and its table if missing, and answers the open store. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const { pool, schema } = partPool(options, {
      what: 'the event store',
      application: 'samverkan-event-store',
      poolSize: 10,
      // Awaited before the connection's first use. A server with synchronous_commit=off would acknowledge
      // appends that a crash can still take back; stronger settings (remote_apply) are left as they are.
      onConnect: async (client) => {
        await client.query(`SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'`);
      },
    });
    const store = new PostgresEventStore(options, schema, pool, options.pollIntervalMs ?? 200);
    await initialised(pool, () => store.createTables());
    return store;
  }

  appendToStream(stream: string, events: readonly SealedEnvelope[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('the event store is closed'));
    if (events.length === 0) return Promise.reject(new ValidationError('nothing to append'));
    for (const [i, event] of events.entries()) {
      if (event.stream !== stream) {
        return Promise.reject(new ValidationError(`event ${event.id} belongs to ${event.stream}, not to ${stream}`));
      }
      if (i > 0 && event.revision !== events[i - 1].revision + 1) {
        return Promise.reject(new ValidationError(`event ${event.id} does not follow revision ${events[i - 1].revision}`));
      }
    }
    const first = events[0];
    const unlinked = events.some((event, i) => i > 0 && event.prev !== events[i - 1].hash);
    const misplaced = (typeof expected === 'number' && expected !== first.revision - 1) || (expected === 'no-stream' && first.revision !== 0);
    // Such a batch cannot be stored whatever the head; the head only decides which refusal the writer gets.
    if (unlinked || misplaced) return this.track(this.head(stream).then((head) => Promise.reject(refusalAt(stream, events, expected, head))));
    return this.track(
      new Promise<AppendResult>((resolve, reject) => {
        this.waiting.push({ stream, events, expected, resolve, reject });
        this.writeWaiting();
      }),
    );
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    while (remaining > 0) {
      const limit = Math.min(PAGE, remaining);
      const { rows } = await this.query<LogRow & { revision: string }>(backwards ? this.sql.streamBackwards : this.sql.streamForwards, [stream, from, limit]);
      for (const row of rows) yield toRecorded(row);
      if (rows.length < limit) return;
      remaining -= rows.length;
      const lastRevision = Number(rows[rows.length - 1].revision);
      from = backwards ? lastRevision - 1 : lastRevision + 1;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let after = decodePosition(options.after);
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const limit = Math.min(PAGE, remaining);
      let page = await this.readLog(after, limit);
      // Stopped short by rows held back behind an open append, among which this store's own acknowledged
      // appends may be: wait until those show, so that a caller reads its own writes. A read that is not
      // stopped short waits for nothing.
      if (page.heldBack && this.acknowledgedXid > 0n) {
        await this.horizonPast(this.acknowledgedXid);
        page = await this.readLog(after, limit);
      }
      for (const event of page.events) yield event;
      if (page.events.length < limit) return;
      remaining -= page.events.length;
      after = decodePosition(page.events[page.events.length - 1].position);
    }
  }

  async countAll(options: { after?: LogPosition } = {}): Promise<number> {
    const { xid, seq } = decodePosition(options.after);
    const { rows } = await this.query<{ count: string }>(this.sql.countAfter, [xid, seq]);
    return Number(rows[0].count);
  }

  subscribeToAll(options: { after?: LogPosition } = {}): LogSubscription {
    decodePosition(options.after); // refuses a position of another store now, not at the first read
    this.listen();
    return pollingSubscription(
      {
        appended: this.appended,
        pageSize: PAGE,
        pollIntervalMs: this.pollIntervalMs,
        // Committed events held back behind an open append are looked for again sooner than the poll: that
        // append may be another process's, whose commit this store hears of only by NOTIFY, if at all.
        heldBackMaxWaitMs: HELD_BACK_MAX_WAIT_MS,
        readPage: (after) => this.readLog(decodePosition(after), PAGE),
        isClosed: () => this.closed,
        beforeWait: () => this.listen(), // again, in case the listening connection was lost
      },
      options.after,
    );
  }

  /** Lets the appends and reads under way finish, ends the subscriptions, and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.emit('appended');
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.notifying;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async createTables(): Promise<void> {
    await createTablesOnce(
      this.pool,
      this.schema,
      this.table,
      `
        CREATE TABLE IF NOT EXISTS ${this.table} (
          xid      xid8      NOT NULL DEFAULT pg_current_xact_id(),
          seq      bigserial NOT NULL,
          stream   text      NOT NULL,
          revision bigint    NOT NULL,
          id       text      NOT NULL,
          type     text      NOT NULL,
          hash     text      NOT NULL,
          envelope text      NOT NULL,
          CONSTRAINT events_log_order PRIMARY KEY (xid, seq),
          CONSTRAINT events_id_unique UNIQUE (id),
          CONSTRAINT events_stream_revision_unique UNIQUE (stream, revision)
        )`,
    );
  }

  /**
   * Writes what waits, a batch per statement, with up to BATCHES_IN_FLIGHT statements at once: appends that
   * arrive while they run make the next batch (group commit). A batch holds one append per stream; another
   * append to a stream already in it waits for the next.
   */
  private writeWaiting(): void {
    while (this.waiting.length > 0 && this.batchesInFlight < BATCHES_IN_FLIGHT) {
      const batch: PendingAppend[] = [];
      const streams = new Set<string>();
      const later: PendingAppend[] = [];
      let events = 0;
      for (const pending of this.waiting) {
        const fits = batch.length === 0 || events + pending.events.length <= MOST_EVENTS_PER_BATCH;
        if (fits && !streams.has(pending.stream)) {
          streams.add(pending.stream);
          batch.push(pending);
          events += pending.events.length;
        } else later.push(pending);
      }
      this.waiting = later;
      this.batchesInFlight += 1;
      void this.writeBatch(batch).finally(() => {
        this.batchesInFlight -= 1;
        this.writeWaiting();
      });
    }
  }

  /** One append alone, or several in one statement; should that statement be refused as a whole, each alone. */
  private async writeBatch(batch: readonly PendingAppend[]): Promise<void> {
    if (batch.length === 1) return this.writeAlone(batch[0]);
    // In the order of their streams: two batches in flight then take the rows of their unique index in the
    // same order, and cannot wait for each other (a deadlock PostgreSQL would end only after a second).
    const ordered = [...batch].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
    try {
      await this.writeTogether(ordered);
    } catch (error) {
      if (!refusedAsAWhole(error)) {
        // Whether it was stored is not known (a connection lost after the commit was sent): each append is
        // told the error, as an append alone would be, not a refusal that its own stored events would give.
        for (const pending of ordered) pending.reject(error);
        return;
      }
      // A unique index refused a row (another process wrote the revision, an event id is stored already) or
      // the server chose this transaction to end: nothing of it is stored, and each append alone says which.
      await Promise.all(ordered.map((pending) => this.writeAlone(pending)));
    }
  }

  private writeAlone({ stream, events, expected, resolve, reject }: PendingAppend): Promise<void> {
    return this.write(stream, events, expected).then(resolve, reject);
  }

  /**
   * Several appends to different streams in one statement and one transaction, each answered: stored if the
   * head its stream has is the one it follows, else refused with that head, as one append alone would be.
   * Throws, answering none, when the statement fails.
   */
  private async writeTogether(batch: readonly PendingAppend[]): Promise<void> {
    const events = batch.flatMap((pending, k) => pending.events.map((event) => ({ k: k + 1, event })));
    const { rows } = await this.query<AppendRow & { k: string }>(this.sql.appendTogether, [
      batch.map((pending) => pending.stream),
      batch.map((pending) => pending.events[0].revision - 1),
      batch.map((pending) => pending.events[0].prev),
      events.map(({ k }) => k),
      events.map(({ event }) => event.revision),
      events.map(({ event }) => event.id),
      events.map(({ event }) => event.type),
      events.map(({ event }) => event.hash),
      events.map(({ event }) => serializeEnvelope(event)),
      GENESIS_HASH,
    ]);
    const byAppend = batch.map((): AppendRow[] => []);
    for (const row of rows) byAppend[Number(row.k) - 1].push(row);
    batch.forEach(({ stream, events: appended, expected, resolve, reject }, i) => {
      try {
        resolve(this.outcomeOf(stream, appended, expected, byAppend[i]));
      } catch (error) {
        reject(error);
      }
    });
  }

  /**
   * One append alone, in one statement, so one round trip and its own transaction: reads the stream's head,
   * inserts the batch only if it follows that head, and answers the head it saw with the rows it inserted. Two
   * writers at the same revision meet at the unique index on (stream, revision): the second waits for the
   * first to end, then fails.
   */
  private async write(stream: string, events: readonly SealedEnvelope[], expected: ExpectedRevision): Promise<AppendResult> {
    const first = events[0];
    let rows: AppendRow[];
    try {
      ({ rows } = await this.query<AppendRow>(this.sql.append, [
        stream,
        events.map((e) => e.revision),
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => e.hash),
        events.map((e) => serializeEnvelope(e)),
        first.revision - 1,
        first.prev,
        GENESIS_HASH,
      ]));
    } catch (error) {
      const violated = uniqueViolation(error);
      if (violated === 'events_id_unique') {
        const detail = (error as { detail?: string }).detail ?? '';
        const id = /\(id\)=\((.*)\)/.exec(detail)?.[1] ?? events.map((e) => e.id).join(', ');
        throw new ConflictError(`an event with id ${id} is already stored`, {
          rule: 'duplicate-event-id',
          details: { eventId: id },
        });
      }
      // Another writer stored this revision while we were writing: its transaction has ended, so the head is its.
      if (violated === 'events_stream_revision_unique') throw refusalAt(stream, events, expected, await this.head(stream));
      throw error;
    }
    return this.outcomeOf(stream, events, expected, rows);
  }

  /** What an append's rows say: where its events were stored, or (none inserted) the refusal of the head it met. */
  private outcomeOf(stream: string, events: readonly SealedEnvelope[], expected: ExpectedRevision, rows: readonly AppendRow[]): AppendResult {
    const inserted = rows.filter((row) => row.xid !== null);
    if (inserted.length === 0) {
      const [{ head_revision: revision, head_hash: hash }] = rows;
      throw refusalAt(stream, events, expected, revision === null ? null : { revision: Number(revision), hash: hash! });
    }
    const last = inserted.reduce((a, b) => (Number(a.revision) > Number(b.revision) ? a : b));
    const xid = BigInt(last.xid!);
    if (xid > this.acknowledgedXid) this.acknowledgedXid = xid;
    this.announce();
    return { revision: events[events.length - 1].revision, position: encodePosition({ xid: last.xid!, seq: last.seq! }) };
  }

  private async head(stream: string): Promise<StreamHead> {
    const { rows } = await this.query<{ revision: string; hash: string }>(this.sql.head, [stream]);
    return rows.length === 0 ? null : { revision: Number(rows[0].revision), hash: rows[0].hash };
  }

  /**
   * Up to `limit` events after `after`, stopping at the first one a transaction still running might yet be
   * placed before; `heldBack` says whether committed events wait beyond that point.
   */
  private async readLog(after: Position, limit: number): Promise<{ events: RecordedEvent[]; heldBack: boolean }> {
    const horizon = await this.horizon();
    const { rows } = await this.query<LogRow>(this.sql.log, [after.xid, after.seq, limit, horizon]);
    const visible = rows.findIndex((row) => row.envelope === null);
    // A full page that was not held back says nothing about the end of the log.
    if (visible !== -1 || rows.length < limit) this.heldBack?.observe(visible === -1 ? undefined : horizon);
    if (visible === -1) return { events: rows.map(toRecorded), heldBack: false };
    return { events: rows.slice(0, visible).map(toRecorded), heldBack: true };
  }

  /** The transaction id below which no append is still running, or can yet start: see the class comment. */
  private async horizon(): Promise<string> {
    const { rows } = await this.query<{ horizon: string }>(this.sql.horizon, []);
    return rows[0].horizon;
  }

  /** Waits until every append up to `xid` has ended, so that the log shows what it wrote; gives up after a while. */
  private async horizonPast(xid: bigint): Promise<void> {
    const until = Date.now() + OWN_WRITES_MAX_WAIT_MS;
    for (let wait = 1; xid > 0n && !this.closed && Date.now() < until; wait = Math.min(wait * 2, HELD_BACK_MAX_WAIT_MS)) {
      if (BigInt(await this.horizon()) > xid) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /**
   * Wakes this store's subscriptions now and other processes' through NOTIFY. The NOTIFY is sent after the
   * append's commit, in a statement of its own, and one covers all appends that end meanwhile: a NOTIFY inside
   * the append would make every appending commit take PostgreSQL's notification lock in turn, including its
   * flush to disk, and so queue all writers behind one another.
   */
  private announce(): void {
    this.appended.emit('appended');
    this.notifyAgain = true;
    this.notifying ??= this.notifyWhileAppending();
  }

  private async notifyWhileAppending(): Promise<void> {
    try {
      while (this.notifyAgain) {
        this.notifyAgain = false;
        await this.pool.query(this.sql.notify, [this.channel]);
      }
    } catch {
      // Other processes' subscriptions find the events at their next poll.
    } finally {
      this.notifying = undefined;
    }
  }

  /** Keeps one connection listening for other processes' appends while the store is open. */
  private listen(): void {
    if (this.listener || this.closed) return;
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: 'samverkan-event-store',
    });
    const drop = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
    };
    client.on('notification', () => this.appended.emit('appended'));
    client.on('error', drop);
    client.on('end', drop);
    this.listener = client;
    (async () => {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      // What was appended before LISTEN took effect was announced to nobody.
      this.appended.emit('appended');
    })().catch(drop);
  }

  private query<R extends QueryResultRow>(text: string | { name: string; text: string }, values: unknown[]) {
    const config = typeof text === 'string' ? { text, values } : { ...text, values };
    return this.track(this.pool.query<R>(config));
  }

  /** Remembers work under way, so that close() lets it finish before the pool ends. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
}

/**
 * The statement that takes the appends' lock of the store in `schema`, for whatever writes rows into its table
 * as the store does (tests): run first in the transaction, before the insert. See the class comment.
 */
export function appendLockStatement(schema: string): string {
  return `SELECT pg_advisory_xact_lock_shared(${appendLockKeys(checkedSchema(schema, 'the event store'))})`;
}

/** The appends' lock: two int4 keys, this store's own ('SVK') and its schema's, non-negative so that pg_locks shows them as they are. */
function appendLockKeys(schema: string): string {
  return `${APPEND_LOCK_NAMESPACE}, hashtext('${schema}') & 2147483647`;
}

/** The SQL of one store, named per schema so each pooled connection prepares it once. */
function statements(table: string, schema: string) {
  const named = (name: string, text: string) => ({ name: `samverkan-${schema}-${name}`, text });
  return {
    head: named('head', `SELECT revision, hash FROM ${table} WHERE stream = $1 ORDER BY revision DESC LIMIT 1`),
    // WITH ORDINALITY keeps the batch's order into the insert, so its sequence numbers rise with its revisions.
    append: named(
      'append',
      // The lock is taken when the insert asks for its first row, so before the first insert takes an id.
      `WITH writer AS MATERIALIZED (
         SELECT pg_advisory_xact_lock_shared(${appendLockKeys(schema)})
       ), head AS (
         SELECT revision, hash FROM ${table} WHERE stream = $1 ORDER BY revision DESC LIMIT 1
       ), inserted AS (
         INSERT INTO ${table} (stream, revision, id, type, hash, envelope)
         SELECT $1, e.revision, e.id, e.type, e.hash, e.envelope
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
              WITH ORDINALITY AS e (revision, id, type, hash, envelope, n)
              CROSS JOIN writer
         WHERE COALESCE((SELECT revision FROM head), -1) = $7::bigint
           AND COALESCE((SELECT hash FROM head), $9::text) = $8::text
         ORDER BY e.n
         RETURNING xid::text AS xid, seq::text AS seq, revision::text AS revision
       )
       SELECT (SELECT revision FROM head)::text AS head_revision, (SELECT hash FROM head) AS head_hash,
              i.xid, i.seq, i.revision
       FROM (SELECT 1) AS one LEFT JOIN inserted AS i ON true`,
    ),
    // Appends to different streams ($1, each after the revision and hash in $2 and $3) with their events ($4
    // numbers each event's append, from 1): each append's events are inserted only if its stream's head is the
    // one it follows, and every append gets a row with the head it met, beside its inserted rows.
    appendTogether: named(
      'append-together',
      `WITH writer AS MATERIALIZED (
         SELECT pg_advisory_xact_lock_shared(${appendLockKeys(schema)})
       ), appends AS MATERIALIZED (
         SELECT a.k, a.stream, a.after_revision, a.after_hash, h.revision AS head_revision, h.hash AS head_hash
         FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS a (stream, after_revision, after_hash, k)
         LEFT JOIN LATERAL (SELECT revision, hash FROM ${table} WHERE stream = a.stream ORDER BY revision DESC LIMIT 1) AS h ON true
       ), inserted AS (
         INSERT INTO ${table} (stream, revision, id, type, hash, envelope)
         SELECT a.stream, e.revision, e.id, e.type, e.hash, e.envelope
         FROM unnest($4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[])
              WITH ORDINALITY AS e (k, revision, id, type, hash, envelope, n)
              JOIN appends AS a ON a.k = e.k
              CROSS JOIN writer
         WHERE COALESCE(a.head_revision, -1) = a.after_revision AND COALESCE(a.head_hash, $10::text) = a.after_hash
         ORDER BY e.n
         RETURNING stream, xid::text AS xid, seq::text AS seq, revision::text AS revision
       )
       SELECT a.k::text AS k, a.head_revision::text AS head_revision, a.head_hash, i.xid, i.seq, i.revision
       FROM appends AS a LEFT JOIN inserted AS i ON i.stream = a.stream`,
    ),
    streamForwards: named(
      'stream-forwards',
      `SELECT xid::text AS xid, seq::text AS seq, revision, envelope FROM ${table}
       WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
    ),
    streamBackwards: named(
      'stream-backwards',
      `SELECT xid::text AS xid, seq::text AS seq, revision, envelope FROM ${table}
       WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
    ),
    countAfter: named('count-after', `SELECT count(*)::text AS count FROM ${table} WHERE (xid, seq) > ($1::xid8, $2::bigint)`),
    // Rows at or past the horizon ($4, asked for by an earlier statement) come back without their envelope:
    // the reader stops there, and knows that committed events are waiting.
    log: named(
      'log',
      `SELECT e.xid::text AS xid, e.seq::text AS seq, CASE WHEN e.xid < $4::xid8 THEN e.envelope END AS envelope
       FROM ${table} AS e
       WHERE (e.xid, e.seq) > ($1::xid8, $2::bigint)
       ORDER BY e.xid, e.seq LIMIT $3`,
    ),
    // One statement, so the snapshot's bounds are taken before the locks are read, and pg_locks read once. A
    // holder's 32-bit id is made whole from xmin: a running holder is at or above xmin and nowhere near 2^32
    // beyond it (one that ended before the snapshot but still shows its locks widens to about 2^32 more, which
    // the minimum passes over, rightly: its rows are visible). A hot standby is not told of advisory locks, so
    // there the horizon is xmin, the oldest transaction running anywhere.
    horizon: named(
      'horizon',
      `WITH bounds AS MATERIALIZED (
         SELECT pg_snapshot_xmin(s)::text::bigint AS xmin, pg_snapshot_xmax(s)::text::bigint AS xmax
         FROM pg_current_snapshot() AS s
       ), locks AS MATERIALIZED (
         SELECT locktype, virtualtransaction, transactionid FROM pg_locks
         WHERE granted AND (
           (locktype = 'advisory' AND objsubid = 2
             AND (classid::text::bigint, objid::text::bigint) = (${appendLockKeys(schema)})
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
           OR (locktype = 'transactionid' AND mode = 'ExclusiveLock'))
       ), writers AS (
         SELECT x.transactionid::text::bigint AS xid32
         FROM locks AS a LEFT JOIN locks AS x ON x.locktype = 'transactionid' AND x.virtualtransaction = a.virtualtransaction
         WHERE a.locktype = 'advisory'
       )
       SELECT (CASE
         WHEN pg_is_in_recovery() OR EXISTS (SELECT 1 FROM writers WHERE xid32 IS NULL) THEN b.xmin
         ELSE LEAST(b.xmax, (SELECT min(b.xmin + (w.xid32 - b.xmin % 4294967296 + 4294967296) % 4294967296) FROM writers AS w))
       END)::text AS horizon
       FROM bounds AS b`,
    ),
    notify: named('notify', `SELECT pg_notify($1, '')`),
  };
}

function refusalAt(stream: string, events: readonly SealedEnvelope[], expected: ExpectedRevision, head: StreamHead): Error {
  return (
    appendRefusal(stream, events, expected, head) ??
    // Only reached if the database refused a batch that follows the head it reports.
    new InvariantError(`the append to ${stream} was refused although it follows revision ${head?.revision ?? 'no-stream'}`)
  );
}

/** Whether the database refused a statement whole, storing nothing: a unique index, a deadlock, a serialisation failure. */
function refusedAsAWhole(error: unknown): boolean {
  const { code } = error as { code?: string };
  return code === '23505' || code === '40P01' || code === '40001';
}

function uniqueViolation(error: unknown): string | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' ? constraint : undefined;
}

function toRecorded(row: LogRow): RecordedEvent {
  const raw = row.envelope!;
  return { envelope: JSON.parse(raw) as SealedEnvelope, raw, position: encodePosition(row) };
}

function encodePosition({ xid, seq }: Position): LogPosition {
  return `${xid}.${seq}`;
}

function decodePosition(position: LogPosition | undefined): Position {
  if (position === undefined || position === '') return START;
  const match = POSITION.exec(position);
  if (!match) throw new ValidationError(`${position} is not a position of this store`);
  return { xid: match[1], seq: match[2] };
}
