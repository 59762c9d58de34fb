import {
  AccessDeniedError,
  AllStreamResolvedEvent,
  AllStreamSubscription,
  BACKWARDS,
  binaryEvent,
  END,
  EventStoreDBClient,
  FORWARDS,
  InvalidArgumentError,
  jsonEvent,
  MaxAppendSizeExceededError,
  NO_STREAM,
  Position,
  ResolvedEvent,
  START,
  StreamingRead,
  StreamDeletedError,
  streamNameFilter,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { ConcurrencyError, ConflictError, InvariantError, ValidationError, withoutPassword } from '@samverkan/common';
import { SealedEnvelope, serializeEnvelope } from '@samverkan/sealing';
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
import { appendRefusal } from '../append-refusal';
import { describeExpected } from '../expected-revision';
import { StreamHead } from '../sealed-append';

export interface EventStoreDbEventStoreOptions {
  /**
   * Where the server is, e.g. `esdb://localhost:2113?tls=false` or `esdb+discover://user:pass@cluster:2113`.
   * The user needs to read `$all` and to write user streams.
   */
  readonly connectionString: string;
}

/** The category of the streams that hold event-id claims: `eventid-<uuid>`. No case stream may use it. */
export const EVENT_ID_CATEGORY = 'eventid';

const RESERVATION_PREFIX = `${EVENT_ID_CATEGORY}-`;
const CLAIMED = 'EventIdClaimed';
const RELEASED = 'EventIdReleased';
/** The streams the global log is made of, as EventStoreDB's (.NET) regex for a server-side filter. */
const LOG_STREAMS = `^(?!\\$|${RESERVATION_PREFIX})`;
const PAGE = 512;
/** Rounds of claim, look, take over that one event id may need when several writers fight over it. */
const CLAIM_ATTEMPTS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const POSITION = /^(\d{1,20})\.(\d{1,20})$/;
const MAX_U64 = 2n ** 64n - 1n;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** What a subscription's wait for the next event resolves to when the subscription is closed meanwhile. */
const STOPPED = Symbol('stopped');
/**
 * For the reads an append decides by (the head, the claims, the position): a follower node, which a
 * connection string may prefer, can lag behind what the leader just acknowledged.
 */
const LEADER = { requiresLeader: true } as const;

/** What a claim stream says: this event id goes to `stream` at `revision`, in a batch starting at `from`. */
interface ClaimData {
  readonly eventId: string;
  readonly stream: string;
  readonly from: number;
  readonly revision: number;
  readonly hash: string;
}

/** A claim this store wrote, so it can take it back when its append certainly did not happen. */
interface MadeClaim {
  readonly claim: ClaimData;
  readonly reservation: string;
  readonly revision: bigint;
}

type EsdbEvent = NonNullable<ResolvedEvent['event']> | NonNullable<AllStreamResolvedEvent['event']>;

/**
 * The event store on EventStoreDB, through `@eventstore/db-client` (gRPC). Needs EventStoreDB 22.6 or newer:
 * older servers do not report the log position of events read from a stream.
 *
 * **Bytes.** Each sealed envelope is one EventStoreDB event: the event id is the envelope id, the event type
 * its type, and the data the envelope's stored bytes exactly (`serializeEnvelope`, UTF-8), written as a
 * binary event (`application/octet-stream`). The client would re-serialise anything written as JSON
 * (`JSON.stringify`, which reorders integer-like keys) and `JSON.parse` it on the way back, so JSON content
 * could never come back byte for byte; binary data comes back as the very bytes. The metadata carries
 * `$correlationId`, `$causationId` and the envelope's hash for EventStoreDB's own tools (the UI, the
 * `$by_correlation_id` projection); it is derived from the envelope and never read back. On every read the
 * adapter checks that the bytes parse to an envelope whose id, stream and revision are EventStoreDB's own
 * for that event, and refuses (`InvariantError`) anything else: the database must be samverkan's alone.
 *
 * **Appends.** The contract asks for a chain-link refusal, so an append first reads the stream's last event,
 * asks `appendRefusal` about the batch, and then appends with the exact expected revision it read (no-stream
 * for a new stream, also when the caller said `any`). A writer that raced in between makes EventStoreDB
 * answer `WrongExpectedVersionError`, which becomes our `ConcurrencyError`. An append resolves once the
 * server acknowledged the write, i.e. once it is committed on a quorum of the cluster; its position is read
 * back from the stored event, since the append reply carries the commit record's position, not the event's.
 *
 * **Event ids, across all streams.** EventStoreDB refuses nothing for a reused event id: it recognises one only
 * as a retry of a write to the same stream, and answers that with success. Streams cannot be written
 * together atomically, so each event id is claimed first in a stream of its own, `eventid-<id>`, written
 * with expected revision no-stream; the claim names the stream, revision and hash the id is meant for. When
 * the id is claimed already, the claim is looked at: an identical claim (the same envelope, retried) goes
 * ahead; a claim whose event is stored, or whose append may still land (its stream does not yet hold the
 * revision its batch was to start at), refuses the append with `ConflictError` (rule `duplicate-event-id`); a claim whose
 * append can no longer land (another event took its place, and since every append is made with an exact
 * expected revision, that one never will) or that was released is taken over, with optimistic concurrency
 * on the claim stream. A store releases its claims when its append certainly did not happen.
 *
 * So the guarantee is: **an event id is stored at most once in the whole database, as long as every writer
 * goes through this adapter and streams are never deleted.** Two costs: every event costs a second, small
 * write and a stream of its own (both hidden from the log), and an append that fails without an answer (a
 * timeout, a lost connection) leaves its claims standing, so until its stream moves past the claimed place
 * that id is refused for any other envelope; the command path mints fresh ids for every attempt, so only a
 * genuine reuse meets this. A duplicate written past the adapter (another client) is not prevented; the
 * ledger halts on it when it meets the id again in the log, so it is detected, never numbered twice.
 *
 * **The global log is `$all`**, minus system events (stream or event type starting with `$`) and the claim
 * streams. A position is `<commit>.<prepare>`, EventStoreDB's own pair, decoded only here and compared in
 * that order, which is `$all`'s order.
 *
 * **The ledger's leaf index can never be renumbered.** The ledger gives leaf numbers by reading this log in
 * order from the position it stored, and stores each batch of leaves together with the position of the
 * batch's last event in one transaction of its own database; on a restart it reads on strictly after that
 * position, after checking that its last leaf's event is still found at its stored position. The numbering
 * is therefore a function of `$all`'s order alone, and that order is fixed once: an event's position is its
 * place in the server's transaction log, assigned when it is committed, after everything committed before
 * it, and never changed afterwards (the log is append-only and replicated as it is to every node of a
 * cluster, and since 2017 readers only see what is replicated, so a leader change cannot take back an event
 * someone has read). A restart reads exactly the events after its stored position; a second reader, on any
 * node or in any process, reads the same events in the same order at the same positions, and so numbers them
 * alike. Only two things could take events out of the log behind a reader's back: deleting streams and then
 * scavenging, or restoring an older backup. Samverkan never deletes streams, and the ledger's continuity check
 * halts on a store that no longer holds its last leaf where it was.
 *
 * **Subscriptions** are catch-up subscriptions to `$all` from the position the caller keeps (no persistent
 * subscription, no position kept by the server), filtered on the server by stream name, and filtered again
 * here with the same rule as `readAll`, so both deliver the same events.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly subscriptions = new Set<LogSubscription>();
  private closed = false;
  /** Whether the server has shown that its stream reads give events the positions `$all` has: see positionOf. */
  private positionsChecked = false;
  /** Set once appends under way have finished and the client's calls are being cancelled. */
  private disposed = false;

  private constructor(private readonly client: EventStoreDBClient) {}

  /** Connects and checks that `$all` can be read; answers the open store. */
  static async open(options: EventStoreDbEventStoreOptions): Promise<EventStoreDbEventStore> {
    let client: EventStoreDBClient;
    try {
      client = EventStoreDBClient.connectionString(options.connectionString);
    } catch (error) {
      throw new ValidationError(`${withoutPassword(options.connectionString)} is not an EventStoreDB connection string: ${(error as Error).message}`);
    }
    const store = new EventStoreDbEventStore(client);
    try {
      for await (const event of store.drain(client.readAll({ maxCount: 1 }))) void event;
    } catch (error) {
      await client.dispose().catch(() => undefined);
      throw error;
    }
    return store;
  }

  appendToStream(stream: string, events: readonly SealedEnvelope[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('the event store is closed'));
    if (events.length === 0) return Promise.reject(new ValidationError('nothing to append'));
    try {
      checkStreamName(stream);
      const ids = new Set<string>();
      for (const [i, event] of events.entries()) {
        if (event.stream !== stream) throw new ValidationError(`event ${event.id} belongs to ${event.stream}, not to ${stream}`);
        if (i > 0 && event.revision !== events[i - 1].revision + 1) {
          throw new ValidationError(`event ${event.id} does not follow revision ${events[i - 1].revision}`);
        }
        if (!UUID.test(event.id)) {
          throw new ValidationError(`event id ${event.id} is not a lower-case UUID, which EventStoreDB event ids must be`);
        }
        if (event.type.startsWith('$')) {
          throw new ValidationError(`event type ${event.type} starts with $, which EventStoreDB keeps for system events`);
        }
        if (ids.has(event.id)) throw duplicateId(event.id, `it appears twice in the batch for ${stream}`);
        ids.add(event.id);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.track(this.write(stream, events, expected));
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    checkStreamName(stream);
    for await (const event of this.streamEvents(stream, options)) yield toRecorded(event);
  }

  /** EventStoreDB keeps no count of `$all` to ask for: the events are read and counted. */
  async countAll(options: { after?: LogPosition } = {}): Promise<number> {
    let count = 0;
    for await (const _ of this.readAll(options)) count += 1;
    return count;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let cursor = decodePosition(options.after);
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      let read = 0;
      let last = cursor;
      for await (const resolved of this.drain(this.client.readAll({ fromPosition: cursor ?? START, maxCount: PAGE, direction: FORWARDS }))) {
        read += 1;
        const event = resolved.event;
        // Whether a read from a position includes the event at it is the server's business; this skips it either way.
        if (!event || (cursor && comparePositions(event.position, cursor) <= 0)) continue;
        last = event.position;
        if (!inLog(event)) continue;
        yield toRecorded(event);
        if (--remaining === 0) return;
      }
      if (read < PAGE) return;
      cursor = last;
    }
  }

  subscribeToAll(options: { after?: LogPosition } = {}): LogSubscription {
    const after = decodePosition(options.after);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the subscription's own functions below read the store
    const store = this;
    let open = true;
    let iterated = false;
    let source: AllStreamSubscription | undefined;
    /** Ends the one wait for an event under way, if any. */
    let stopWaiting: (() => void) | undefined;

    const close = async () => {
      if (!open) return;
      open = false;
      stopWaiting?.();
      store.subscriptions.delete(subscription);
      const closing = source;
      source = undefined;
      if (closing) {
        await closing.unsubscribe().catch(() => undefined);
        closing.destroy();
      }
    };

    const iterate = async function* (): AsyncGenerator<RecordedEvent> {
      if (iterated) throw new Error('a subscription is read once; subscribe again to read again');
      iterated = true;
      if (!open || store.closed) return;
      source = store.client.subscribeToAll({
        fromPosition: after ?? START,
        filter: streamNameFilter({ regex: LOG_STREAMS }),
      });
      const events = source[Symbol.asyncIterator]();
      let last = after;
      try {
        while (open) {
          // close() must end a wait for events that may never come. A fresh promise for each wait: racing each
          // one against a single promise of close() would add a reaction to it per event, for as long as it runs.
          const next = await new Promise<IteratorResult<AllStreamResolvedEvent> | typeof STOPPED>((resolve, reject) => {
            stopWaiting = () => resolve(STOPPED);
            events.next().then(resolve, reject);
          });
          stopWaiting = undefined;
          if (next === STOPPED || !open) return;
          if (next.done) throw new Error('EventStoreDB ended the subscription to $all');
          const event = next.value.event;
          if (!event || (last && comparePositions(event.position, last) <= 0)) continue;
          last = event.position;
          if (!inLog(event)) continue;
          yield toRecorded(event);
        }
      } finally {
        await close();
      }
    };

    const subscription: LogSubscription = { [Symbol.asyncIterator]: iterate, close };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends the subscriptions, lets the appends under way finish, and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.disposed = true;
    // Cancels every call; the client has no public way to close its gRPC channel as well.
    await this.client.dispose();
  }

  private async write(stream: string, events: readonly SealedEnvelope[], expected: ExpectedRevision): Promise<AppendResult> {
    const head = await this.head(stream);
    const refusal = appendRefusal(stream, events, expected, head);
    if (refusal) throw refusal;

    const claims = await this.claim(events);
    try {
      await this.client.appendToStream(stream, events.map(toEventData), {
        expectedRevision: head ? BigInt(head.revision) : NO_STREAM,
      });
    } catch (error) {
      if (!refusedOutright(error)) throw error; // the outcome is unknown: the claims stay
      await this.release(claims);
      if (!(error instanceof WrongExpectedVersionError)) throw refusalOf(stream, error as Error);
      const now = await this.head(stream);
      throw (
        appendRefusal(stream, events, expected, now) ?? new ConcurrencyError(stream, describeExpected(expected), String(error.actualVersion).replace('_', '-'))
      );
    }
    const last = events[events.length - 1];
    return { revision: last.revision, position: await this.positionOf(stream, events) };
  }

  private async head(stream: string): Promise<StreamHead> {
    for await (const event of this.streamEvents(stream, { direction: 'backwards', maxCount: 1 })) {
      const { envelope } = toRecorded(event);
      return { revision: envelope.revision, hash: envelope.hash };
    }
    return null;
  }

  /**
   * The global position of the last event of a batch just appended, as `$all` reports it. A stream read
   * gives it. Servers before 22.6 numbered stream reads otherwise than their log for all but the first event
   * of a batch, which would give a caller a position no follower ever reaches: so until one batch of two or
   * more has shown that `$all` read from there starts with that event, each is checked (a property of the
   * server, not of an append: once seen, never asked again).
   */
  private async positionOf(stream: string, events: readonly SealedEnvelope[]): Promise<LogPosition> {
    const appended = events[events.length - 1];
    let found: EsdbEvent | undefined;
    for await (const event of this.streamEvents(stream, { fromRevision: appended.revision, maxCount: 1 })) {
      if (event.id === appended.id) found = event;
    }
    if (!found) {
      throw new InvariantError(`event ${appended.id} was acknowledged, but revision ${appended.revision} of ${stream} holds another event`);
    }
    const { position } = toRecorded(found); // refuses an event without a log position
    if (this.positionsChecked) return position;
    for await (const resolved of this.drain(this.client.readAll({ fromPosition: found.position, maxCount: 1, direction: FORWARDS, ...LEADER }))) {
      if (resolved.event?.id === appended.id) {
        if (events.length > 1) this.positionsChecked = true;
        return position;
      }
    }
    throw new InvariantError(
      `EventStoreDB reports event ${appended.id} at ${position}, where $all does not hold it; samverkan needs EventStoreDB 22.6 or newer`,
    );
  }

  /**
   * Claims every id of the batch for its place; answers the claims written, for release. When any id cannot be
   * claimed, releases those that were and throws: the batch is not appended.
   */
  private async claim(events: readonly SealedEnvelope[]): Promise<MadeClaim[]> {
    const from = events[0].revision;
    const outcomes = await Promise.allSettled(events.map((event) => this.claimOne(event, from)));
    const made = outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value ? [o.value] : []));
    const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (failed.length === 0) return made;
    await this.release(made);
    throw failed.find((reason) => reason instanceof ConflictError) ?? failed[0];
  }

  private async claimOne(event: SealedEnvelope, from: number): Promise<MadeClaim | undefined> {
    const reservation = `${RESERVATION_PREFIX}${event.id}`;
    const mine: ClaimData = { eventId: event.id, stream: event.stream, from, revision: event.revision, hash: event.hash };
    let expectedRevision: bigint | typeof NO_STREAM = NO_STREAM;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        const written = await this.client.appendToStream(reservation, jsonEvent({ type: CLAIMED, data: { ...mine } }), { expectedRevision });
        return { claim: mine, reservation, revision: written.nextExpectedRevision };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
      const latest = await this.latestClaim(reservation);
      if (!latest) {
        expectedRevision = NO_STREAM;
        continue;
      }
      const { claim } = latest;
      if (claim && claim.stream === mine.stream && claim.revision === mine.revision && claim.hash === mine.hash) {
        return undefined; // the same envelope, claimed by an earlier try of this append: it is not ours to release
      }
      const state = claim ? await this.claimState(claim) : 'released';
      if (state === 'stored') throw duplicateId(event.id, `it is stored at revision ${claim!.revision} of ${claim!.stream}`);
      if (state === 'pending') {
        throw duplicateId(event.id, `an append of it to ${claim!.stream} at revision ${claim!.revision} has not finished, and may still land`);
      }
      expectedRevision = latest.revision;
    }
    throw duplicateId(event.id, `other writers keep claiming it`);
  }

  /** The newest event of a claim stream: a claim, or a release (`claim` undefined). */
  private async latestClaim(reservation: string): Promise<{ revision: bigint; claim?: ClaimData } | undefined> {
    for await (const event of this.rawStream(reservation, { direction: BACKWARDS, fromRevision: END, maxCount: 1, ...LEADER })) {
      if (event.type === RELEASED) return { revision: event.revision };
      if (event.type === CLAIMED && isClaim(event.data)) return { revision: event.revision, claim: event.data };
      throw new InvariantError(`${reservation} holds an event of type ${event.type}, which is not a claim of this store`);
    }
    return undefined;
  }

  /**
   * Whether a claim's append happened (`stored`), may still happen (`pending`), or never can (`abandoned`).
   * Its batch was to be appended with the exact expected revision `from - 1`, in one write: so once the
   * claimed stream holds revision `from`, the claimed place holds either the claimed event or never will.
   */
  private async claimState(claim: ClaimData): Promise<'stored' | 'pending' | 'abandoned'> {
    let filled = false;
    const count = BigInt(claim.revision - claim.from + 1);
    for await (const event of this.rawStream(claim.stream, { direction: FORWARDS, fromRevision: BigInt(claim.from), maxCount: count, ...LEADER })) {
      filled = true;
      if (event.revision === BigInt(claim.revision)) return event.id === claim.eventId ? 'stored' : 'abandoned';
    }
    return filled ? 'abandoned' : 'pending';
  }

  /**
   * Takes back claims of an append that certainly did not happen. A claim superseded meanwhile stays, and so
   * does one whose event is stored after all: an identical append (the same envelope, retried elsewhere) goes
   * ahead on another's claim, and may be the very writer that made this one's append fail.
   */
  private async release(claims: readonly MadeClaim[]): Promise<void> {
    await Promise.allSettled(
      claims.map(async ({ claim, reservation, revision }) => {
        if ((await this.claimState(claim)) === 'stored') return;
        await this.client.appendToStream(reservation, jsonEvent({ type: RELEASED, data: { eventId: claim.eventId } }), {
          expectedRevision: revision,
        });
      }),
    );
  }

  private streamEvents(stream: string, options: ReadStreamOptions): AsyncIterable<EsdbEvent> {
    const backwards = options.direction === 'backwards';
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const from = options.fromRevision;
    if (maxCount <= 0 || (backwards && from !== undefined && from < 0)) return empty();
    return this.rawStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: from === undefined ? (backwards ? END : START) : BigInt(Math.max(0, from)),
      maxCount,
      ...LEADER,
    });
  }

  /** Events of one stream as EventStoreDB has them; a stream that does not exist reads as empty. */
  private async *rawStream(
    stream: string,
    options: {
      direction: typeof FORWARDS | typeof BACKWARDS;
      fromRevision: typeof START | typeof END | bigint;
      maxCount: number | bigint;
      requiresLeader?: boolean;
    },
  ): AsyncGenerator<EsdbEvent> {
    try {
      for await (const resolved of this.drain(this.client.readStream(stream, options))) {
        if (resolved.event) yield resolved.event;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw error;
    }
  }

  /**
   * Iterates a read, and cancels its call when the reader stops early. Closing the store cancels the calls
   * under way, which then end as if the log ended there: such a read fails instead of looking complete.
   */
  private async *drain<E>(read: StreamingRead<E>): AsyncGenerator<E> {
    let ended = false;
    try {
      if (this.disposed) throw new Error('the event store is closed');
      for await (const item of read) yield item;
      ended = true;
      if (this.disposed) throw new Error('the event store was closed during the read');
    } finally {
      if (!ended) await read.cancel().catch(() => undefined);
    }
  }

  /** Remembers work under way, so that close() lets it finish before the connection ends. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
}

/** Errors after which the server certainly stored nothing of the batch, so its id claims can be taken back. */
function refusedOutright(error: unknown): boolean {
  return (
    error instanceof WrongExpectedVersionError ||
    error instanceof MaxAppendSizeExceededError ||
    error instanceof AccessDeniedError ||
    error instanceof StreamDeletedError ||
    error instanceof InvalidArgumentError
  );
}

/** A refusal of the server's that is not a version conflict, in the port's terms. */
function refusalOf(stream: string, error: Error): Error {
  if (error instanceof MaxAppendSizeExceededError) {
    return new ValidationError(`the batch for ${stream} is larger than EventStoreDB accepts in one append: ${error.message}`);
  }
  // Access denied, a deleted stream, an argument refused: the server is not set up as samverkan needs it.
  return new InvariantError(`EventStoreDB refused the append to ${stream}: ${error.message}`);
}

function toEventData(envelope: SealedEnvelope) {
  const metadata: Record<string, string> = { $correlationId: envelope.metadata.correlationId, hash: envelope.hash };
  if (envelope.metadata.causationId) metadata.$causationId = envelope.metadata.causationId;
  return binaryEvent({ id: envelope.id, type: envelope.type, data: Buffer.from(serializeEnvelope(envelope), 'utf8'), metadata });
}

/** The envelope an EventStoreDB event holds, checked against what EventStoreDB says about that event. */
function toRecorded(event: EsdbEvent): RecordedEvent {
  const at = `event ${event.id} at revision ${event.revision} of ${event.streamId}`;
  if (event.isJson || !(event.data instanceof Uint8Array)) throw notAnEnvelope(at, 'it is stored as JSON, not as the bytes of an envelope');
  let raw: string;
  let envelope: SealedEnvelope;
  try {
    raw = utf8.decode(event.data);
    envelope = JSON.parse(raw) as SealedEnvelope;
  } catch {
    throw notAnEnvelope(at, 'its data is not UTF-8 JSON');
  }
  if (
    typeof envelope !== 'object' ||
    envelope === null ||
    envelope.id !== event.id ||
    envelope.stream !== event.streamId ||
    BigInt(Number.isSafeInteger(envelope.revision) ? envelope.revision : -1) !== event.revision ||
    envelope.type !== event.type
  ) {
    throw notAnEnvelope(at, 'its data is not the envelope of that id, stream, revision and type');
  }
  if (!event.position || event.position.commit === MAX_U64 || event.position.prepare === MAX_U64) {
    throw new InvariantError(`EventStoreDB reported no log position for ${at}; samverkan needs EventStoreDB 22.6 or newer`);
  }
  return { envelope, raw, position: encodePosition(event.position) };
}

function notAnEnvelope(at: string, why: string): InvariantError {
  return new InvariantError(`${at} is not a sealed envelope written by samverkan: ${why}`, { rule: 'not-an-envelope' });
}

/** Whether an event of `$all` belongs to samverkan's global log. */
function inLog(event: EsdbEvent): boolean {
  return !event.streamId.startsWith('$') && !event.type.startsWith('$') && !event.streamId.startsWith(RESERVATION_PREFIX);
}

function checkStreamName(stream: string): void {
  if (stream.startsWith('$')) throw new ValidationError(`${stream} is an EventStoreDB system stream name; event streams may not start with $`);
  if (stream.startsWith(RESERVATION_PREFIX)) {
    throw new ValidationError(`${stream} is in the category ${EVENT_ID_CATEGORY}, which holds the store's event-id claims`);
  }
}

function isClaim(data: unknown): data is ClaimData {
  const claim = data as Partial<ClaimData> | null;
  return (
    typeof claim === 'object' &&
    claim !== null &&
    typeof claim.eventId === 'string' &&
    typeof claim.stream === 'string' &&
    Number.isSafeInteger(claim.from) &&
    Number.isSafeInteger(claim.revision) &&
    typeof claim.hash === 'string'
  );
}

function duplicateId(eventId: string, why: string): ConflictError {
  return new ConflictError(`an event with id ${eventId} is already stored or on its way: ${why}`, {
    rule: 'duplicate-event-id',
    details: { eventId },
  });
}

function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function encodePosition({ commit, prepare }: Position): LogPosition {
  return `${commit}.${prepare}`;
}

function decodePosition(position: LogPosition | undefined): Position | undefined {
  if (position === undefined || position === '') return undefined;
  const match = POSITION.exec(position);
  const decoded = match && { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
  if (!decoded || decoded.commit > MAX_U64 || decoded.prepare > MAX_U64) {
    throw new ValidationError(`${position} is not a position of this store`);
  }
  return decoded;
}

async function* empty<T>(): AsyncGenerator<T> {
  // nothing to read
}
