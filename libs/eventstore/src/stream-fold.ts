import type { EventStore, RecordedEvent } from './event-store.port';
import { upcastBy, type Decider, type DomainEvent } from './command-path';

/**
 * The one fold of the log: each event over its stream's state just before it, giving the state after. The
 * command path folds what it writes, and the log's followers (the relay, the case index) fold what they read;
 * they share one `StreamStates`, so a state folded once is not folded again by the next reader of the event.
 */

/** One event of the log, with its stream's state before and after it. */
export interface StreamStep<Event, State> {
  readonly event: RecordedEvent;
  /** The event as the decider folds it (upcast to its current schema version). */
  readonly folded: Event;
  readonly before: State;
  readonly after: State;
}

type Folding<Event extends DomainEvent, State> = Pick<Decider<unknown, Event, State>, 'evolve' | 'upcast'>;

/**
 * Folds log events in order, each over its stream's state just before it. `start` holds, for each stream, the
 * state just before its first event here (the streams' states need not be read again for the later ones).
 * Pure: a stream without a start state is a caller's error.
 */
export function foldSteps<Event extends DomainEvent, State>(
  events: readonly RecordedEvent[],
  decider: Folding<Event, State>,
  start: ReadonlyMap<string, State>,
): StreamStep<Event, State>[] {
  const current = new Map(start);
  return events.map((event) => {
    const { stream } = event.envelope;
    const before = current.get(stream);
    if (before === undefined) throw new Error(`no state is known of ${stream} before revision ${event.envelope.revision}`);
    const folded = upcastBy(decider, event.envelope);
    const after = decider.evolve(before, folded);
    current.set(stream, after);
    return { event, folded, before, after };
  });
}

export interface StreamStatesOptions {
  /** Streams whose recent states are kept (default 10,000), least recently used first out. */
  readonly streams?: number;
  /** Revisions kept of each (default 16): a follower a few commands behind the writer still finds its state. */
  readonly revisions?: number;
}

/**
 * Recent states of streams, by revision: what the command path wrote and the followers folded. States are
 * immutable values (evolve returns a new state and keeps the parts it did not change), so one is shared by
 * every reader without a copy.
 */
export class StreamStates<State> {
  private readonly streams = new Map<string, Array<{ readonly revision: number; readonly state: State }>>();

  constructor(private readonly options: StreamStatesOptions = {}) {}

  /** The stream's state just after `revision` (the initial state's revision is -1), where it is kept. */
  at(stream: string, revision: number): State | undefined {
    return this.streams.get(stream)?.find((kept) => kept.revision === revision)?.state;
  }

  /**
   * Keeps the stream's state just after `revision` and marks the stream most recently used. States come in
   * revision order (the writer and each follower fold forwards), so one already kept or older is not kept again.
   */
  remember(stream: string, revision: number, state: State): void {
    const kept = this.streams.get(stream) ?? [];
    this.streams.delete(stream);
    this.streams.set(stream, kept);
    if (kept.length > 0 && kept[kept.length - 1].revision >= revision) return;
    kept.push({ revision, state });
    if (kept.length > (this.options.revisions ?? 16)) kept.shift();
    if (this.streams.size > (this.options.streams ?? 10_000)) this.streams.delete(this.streams.keys().next().value!);
  }

  /** Keeps the state after each step. */
  rememberSteps(steps: readonly StreamStep<unknown, State>[]): void {
    for (const { event, after } of steps) this.remember(event.envelope.stream, event.envelope.revision, after);
  }

  /**
   * For each stream of `events`, its state just before its first event there: kept here, or else given by
   * `read` (which folds the stream from the store up to that revision).
   */
  async startOf(events: readonly RecordedEvent[], read: (stream: string, revision: number) => Promise<State>): Promise<Map<string, State>> {
    const start = new Map<string, State>();
    for (const { envelope } of events) {
      if (start.has(envelope.stream)) continue;
      start.set(envelope.stream, this.at(envelope.stream, envelope.revision - 1) ?? (await read(envelope.stream, envelope.revision)));
    }
    return start;
  }
}

/** A stream's state just before `revision`, folded from the store: what a reader that holds none of it reads. */
export async function stateBefore<Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  revision: number,
  decider: Folding<Event, State> & Pick<Decider<unknown, Event, State>, 'initialState'>,
): Promise<State> {
  let state = decider.initialState();
  if (revision === 0) return state;
  for await (const { envelope } of store.readStream(stream, { maxCount: revision })) {
    if (envelope.revision >= revision) break;
    state = decider.evolve(state, upcastBy(decider, envelope));
  }
  return state;
}
