import { v7 as uuidv7 } from 'uuid';
import { ConcurrencyError, InvariantError, PreconditionFailedError } from '@samverkan/common';
import { EventDraft, EventMetadata, JsonObject, SealedEnvelope } from '@samverkan/sealing';
import { EventStore } from './event-store.port';
import { appendSealed, StreamHead } from './sealed-append';
import type { StreamStates } from './stream-fold';

/** A domain event as deciders produce and fold it: a string type and plain JSON data. */
export interface DomainEvent {
  readonly type: string;
  readonly data: JsonObject | object;
}

/** An event as the store holds it: its type, the schema version it was written in, and its data as written. */
export interface StoredEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/** Decide what a command means given the past, and fold the past into state. Pure: no I/O, no clock. */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState(): State;
  /**
   * The stored event as this version folds it: an event written in an older schema version is brought up to
   * date here, in one place. Without it, stored events are folded as they are.
   */
  upcast?(stored: StoredEvent): Event;
  /** The schema version each event type is written in; 1 when not listed. */
  readonly schemaVersions?: Readonly<Record<string, number>>;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
  /**
   * Whether the issuer may issue the command on this state at all. Runs before the command path compares
   * the caller's expected revision, so that a caller who may not see a stream learns nothing of it.
   */
  authorise?(command: Command, state: State): void;
}

/** The stored event as the decider folds it: upcast where the decider upcasts, else as stored. */
export function upcastBy<Event extends DomainEvent>(decider: Pick<Decider<unknown, Event, unknown>, 'upcast'>, stored: StoredEvent): Event {
  return decider.upcast ? decider.upcast(stored) : (stored as unknown as Event);
}

/** Who issues a command, as what, and under which conditions. */
export interface CommandContext {
  readonly agencyId: string;
  readonly actorId: string;
  /** Idempotency key: a command id seen before on this stream from this agency is answered, not repeated. */
  readonly commandId: string;
  readonly correlationId?: string;
  readonly causationId?: string | null;
  /** Hash of what the caller sent; a command id seen before with another fingerprint is refused. */
  readonly fingerprint?: string;
  /**
   * Fingerprints of the same request as an earlier version computed them: a retry of a command recorded
   * before the fingerprint changed is still the same command. Asked only when the command id was seen before.
   */
  readonly formerFingerprints?: () => readonly string[];
  /** The caller's If-Match: the revision it expects the stream to be at. */
  readonly expectedRevision?: number;
  /** When the fact happened in the world, if the command says; else when it was recorded. */
  readonly occurredAt?: Date;
}

export interface CommandOutcome<State> {
  readonly stream: string;
  /** Revision of the stream's last event after the command; -1 when the stream is still empty. */
  readonly revision: number;
  readonly events: readonly SealedEnvelope[];
  /** True when the command id had been handled before and this is its earlier answer. */
  readonly replayed: boolean;
  readonly state: State;
}

/** What the command path knows of a stream after reading it. */
export interface LoadedStream<State> {
  readonly state: State;
  readonly head: StreamHead;
  /** Events of each command handled on the stream, keyed by `agencyId commandId`. */
  readonly commands: ReadonlyMap<string, SealedEnvelope[]>;
}

interface CachedStream<State> {
  state: State;
  head: StreamHead;
  commands: Map<string, SealedEnvelope[]>;
  /** Events counted against the cache's bound when it was last remembered. */
  counted: number;
}

export interface CommandPathOptions<State = unknown> {
  /** How many streams to keep folded in memory between commands (default 10,000). */
  readonly cacheSize?: number;
  /** How many events those streams may hold in all (default 200,000): their envelopes answer retried commands. */
  readonly cacheEvents?: number;
  readonly now: () => Date;
  /** How often to re-read and re-decide when another writer appended first (default 12). */
  readonly maxAttempts?: number;
  /** Where the state after each event folded is kept for the log's followers (stream-fold.ts). */
  readonly states?: StreamStates<State>;
}

/**
 * The one generic command path: load the stream, fold it, decide, seal, append expecting the revision read,
 * and on a revision conflict read again and re-decide. A command id already handled on the stream is
 * answered with the events it produced then.
 */
export class CommandPath<Command, Event extends DomainEvent, State> {
  private readonly cache = new Map<string, CachedStream<State>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private cachedEvents = 0;

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
    private readonly options: CommandPathOptions<State>,
  ) {}

  /**
   * The stream as the store holds it now. Streams only grow, so a stream read before is kept (up to
   * `cacheSize` streams, least recently used first out) and only its newer events are read and folded.
   */
  async load(stream: string): Promise<LoadedStream<State>> {
    const known = this.cache.get(stream);
    const after = known?.head ? known.head.revision + 1 : 0;
    const newer: SealedEnvelope[] = [];
    for await (const { envelope } of this.store.readStream(stream, { fromRevision: after })) newer.push(envelope);
    // Folded without an await in between, so concurrent loads of one stream cannot interleave here.
    const entry: CachedStream<State> = known ?? { state: this.decider.initialState(), head: null, commands: new Map(), counted: 0 };
    this.extend(entry, newer);
    this.remember(stream, entry);
    return { state: entry.state, head: entry.head, commands: entry.commands };
  }

  /** Folds events that follow the entry's head into it; events it already holds are skipped. */
  private extend(entry: CachedStream<State>, events: readonly SealedEnvelope[]): void {
    for (const envelope of events) {
      const next = entry.head ? entry.head.revision + 1 : 0;
      if (envelope.revision < next) continue; // already folded
      if (envelope.revision > next) {
        throw new Error(`${envelope.stream} skips from revision ${next - 1} to ${envelope.revision}: the store is missing events`);
      }
      entry.state = this.decider.evolve(entry.state, upcastBy(this.decider, envelope));
      entry.head = { revision: envelope.revision, hash: envelope.hash };
      this.options.states?.remember(envelope.stream, envelope.revision, entry.state);
      const key = commandKey(envelope.metadata.agencyId, envelope.metadata.commandId);
      const seen = entry.commands.get(key);
      if (seen) seen.push(envelope);
      else entry.commands.set(key, [envelope]);
    }
  }

  /** Keeps the stream as most recently used; forgets the least recently used beyond the size and event bounds. */
  private remember(stream: string, entry: CachedStream<State>): void {
    const previous = this.cache.get(stream);
    if (previous) this.cachedEvents -= previous.counted;
    this.cache.delete(stream);
    entry.counted = entry.head ? entry.head.revision + 1 : 0;
    this.cachedEvents += entry.counted;
    this.cache.set(stream, entry);
    const maxStreams = this.options.cacheSize ?? 10_000;
    const maxEvents = this.options.cacheEvents ?? 200_000;
    while (this.cache.size > 1 && (this.cache.size > maxStreams || this.cachedEvents > maxEvents)) {
      const [oldest, evicted] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.cachedEvents -= evicted.counted;
    }
  }

  /**
   * Commands on one stream run one after another within this process, so they never race each other;
   * writers in other processes are caught by the expected revision, and the command is decided again.
   */
  execute(stream: string, command: Command, context: CommandContext): Promise<CommandOutcome<State>> {
    const before = this.queues.get(stream) ?? Promise.resolve();
    const run = before.then(() => this.attempt(stream, command, context));
    const tail = run.catch(() => undefined);
    this.queues.set(stream, tail);
    void tail.then(() => {
      if (this.queues.get(stream) === tail) this.queues.delete(stream);
    });
    return run;
  }

  private async attempt(stream: string, command: Command, context: CommandContext): Promise<CommandOutcome<State>> {
    const onCached = await this.appendOnCached(stream, command, context);
    if (onCached) return onCached;
    const maxAttempts = this.options.maxAttempts ?? 12;
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(stream);
      const revision = loaded.head ? loaded.head.revision : -1;
      const earlier = loaded.commands.get(commandKey(context.agencyId, context.commandId));
      if (earlier) {
        const before = earlier[0].metadata.commandFingerprint;
        const same = before === context.fingerprint || (before !== undefined && context.formerFingerprints?.().includes(before));
        if (before !== undefined && context.fingerprint !== undefined && !same) {
          throw new InvariantError(
            `command id ${context.commandId} was already used by ${context.agencyId} for a different request on ${stream}; use a new Idempotency-Key for a new command`,
            { rule: 'idempotency-key-reused', details: { commandId: context.commandId } },
          );
        }
        // The first answer, as it was: the events the command produced and the revision they reached.
        return { stream, revision: earlier[earlier.length - 1].revision, events: earlier, replayed: true, state: loaded.state };
      }
      this.decider.authorise?.(command, loaded.state);
      if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
        throw new PreconditionFailedError(`${stream} is at revision ${revision}; the request expected revision ${context.expectedRevision}`, {
          rule: 'if-match',
          details: { stream, expected: context.expectedRevision, actual: revision },
        });
      }
      const decided = this.decider.decide(command, loaded.state);
      if (decided.length === 0) return { stream, revision, events: [], replayed: false, state: loaded.state };
      try {
        return await this.append(stream, loaded, decided, context);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts) throw error;
        if (context.expectedRevision !== undefined) {
          throw new PreconditionFailedError(`${stream} changed while the command was decided; the request expected revision ${context.expectedRevision}`, {
            rule: 'if-match',
            details: { stream, expected: context.expectedRevision },
          });
        }
        // Another process wrote the stream meanwhile. Writers that keep meeting each other take turns better
        // after a short random wait that grows with each attempt.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  /**
   * A stream this process has folded before is first decided on as this process knows it, without reading its
   * tail: appending expects the head known here, so when another writer appended since, the store refuses the
   * append and nothing is written. Only an append is answered from this first decision. Anything else (a retry
   * of a command, a refusal, an If-Match that does not hold, nothing to record, an append refused for the
   * revision) is left to the command path proper, which answers from the stream as the store holds it.
   */
  private async appendOnCached(stream: string, command: Command, context: CommandContext): Promise<CommandOutcome<State> | undefined> {
    const known = this.cache.get(stream);
    if (!known?.head || known.commands.has(commandKey(context.agencyId, context.commandId))) return undefined;
    if (context.expectedRevision !== undefined && context.expectedRevision !== known.head.revision) return undefined;
    let decided: Event[];
    try {
      this.decider.authorise?.(command, known.state);
      decided = this.decider.decide(command, known.state);
    } catch {
      return undefined; // a refusal is given on the stream as read, not as remembered
    }
    if (decided.length === 0) return undefined;
    try {
      return await this.append(stream, known, decided, context);
    } catch (error) {
      if (error instanceof ConcurrencyError) return undefined;
      throw error;
    }
  }

  /** Seals and appends what was decided on `loaded`, expecting its head, and folds it into the cache. */
  private async append(stream: string, loaded: LoadedStream<State>, decided: Event[], context: CommandContext): Promise<CommandOutcome<State>> {
    const before = loaded.state; // `loaded` may be the cache's entry, which folds the appended events in below
    const { sealed } = await appendSealed(this.store, stream, loaded.head, this.drafts(decided, context));
    const entry = this.cache.get(stream);
    if (entry) {
      this.extend(entry, sealed);
      this.remember(stream, entry);
    }
    const state = decided.reduce((s, e) => this.decider.evolve(s, e), before);
    return { stream, revision: sealed[sealed.length - 1].revision, events: sealed, replayed: false, state };
  }

  private drafts(events: Event[], context: CommandContext): EventDraft[] {
    return eventDrafts(events, context, this.options.now(), this.decider.schemaVersions);
  }
}

/**
 * The drafts the command path appends for decided events: a fresh UUIDv7 each, and the metadata the
 * command's context gives. Exported so that tools that build stores in bulk (the benchmark) make exactly
 * the events the command path would.
 */
export function eventDrafts(
  events: readonly DomainEvent[],
  context: CommandContext,
  now: Date,
  schemaVersions?: Readonly<Record<string, number>>,
): EventDraft[] {
  const recordedAt = now.toISOString();
  return events.map((event) => {
    const metadata: EventMetadata = {
      agencyId: context.agencyId,
      actorId: context.actorId,
      commandId: context.commandId,
      correlationId: context.correlationId ?? context.commandId,
      ...(context.fingerprint === undefined ? {} : { commandFingerprint: context.fingerprint }),
      causationId: context.causationId ?? null,
      occurredAt: context.occurredAt?.toISOString() ?? recordedAt,
      recordedAt,
    };
    return { id: uuidv7(), type: event.type, schemaVersion: schemaVersions?.[event.type] ?? 1, data: event.data as JsonObject, metadata };
  });
}

function commandKey(agencyId: string, commandId: string): string {
  return `${agencyId} ${commandId}`;
}
