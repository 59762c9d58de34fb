import { SealedEnvelope } from '@samverkan/sealing';

/**
 * Where in the global log an event sits. Opaque to everyone but the adapter that issued it: compare positions
 * only through the adapter, and store them as the strings they are.
 */
export type LogPosition = string & { readonly __brand?: 'LogPosition' };

/**
 * What the writer believes about the stream: that it does not exist yet, that its last event has exactly this
 * revision, or nothing at all.
 */
export type ExpectedRevision = 'no-stream' | 'any' | number;

export interface AppendResult {
  /** Revision of the last event appended. */
  readonly revision: number;
  /** Global position of the last event appended. */
  readonly position: LogPosition;
}

/** An event as the store holds it: the sealed envelope, its stored bytes, and its place in the global log. */
export interface RecordedEvent {
  readonly envelope: SealedEnvelope;
  /** The bytes stored, exactly; the envelope is parsed from them. */
  readonly raw: string;
  readonly position: LogPosition;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** First revision to read (inclusive). Default: the start (forwards) or the end (backwards). */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events strictly after this position; from the very start when absent. */
  readonly after?: LogPosition;
  readonly maxCount?: number;
}

/** A catch-up-then-live subscription to the global log; iterate it, close it when done. */
export interface LogSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

/**
 * The event store port. Streams are `<category>-<id>`; every event is a sealed envelope whose revision is its
 * place in the stream. The adapters (embedded SQLite, PostgreSQL, EventStoreDB) store envelopes as given and
 * never alter them.
 */
export interface EventStore {
  /**
   * Appends sealed envelopes to one stream atomically, if the stream is where `expected` says. Resolves only
   * once the events are durable. Throws `ConcurrencyError` when the stream is elsewhere.
   */
  appendToStream(stream: string, events: readonly SealedEnvelope[], expected: ExpectedRevision): Promise<AppendResult>;

  /** Reads one stream in revision order (or reverse). A stream that does not exist reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  /** Reads the global log in order, after a position. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /**
   * How many events the global log holds after a position (all of them without one): what `readAll` would
   * read now, counted without reading them where the store can (for a progress bar; an append under way may
   * be counted before `readAll` gets to it).
   */
  countAll(options?: { after?: LogPosition }): Promise<number>;

  /** Delivers every event after `after`: first those already stored, then new ones as they are appended. */
  subscribeToAll(options?: { after?: LogPosition }): LogSubscription;

  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');
