import { WakeableSleep } from '@samverkan/common';
import { EventStore, LogPosition, LogSubscription, RecordedEvent } from './event-store.port';

export interface LogFollowerOptions {
  /** Name for logs and metrics. */
  readonly name: string;
  /**
   * Where to resume: the position of the last event handled, or undefined for the start of the log. Called on
   * start and again after every failure, so it is also where a follower re-reads what really committed.
   */
  readonly loadPosition: () => LogPosition | undefined | Promise<LogPosition | undefined>;
  /**
   * Checked after the position is loaded and before the log is read on from it: a follower whose position
   * the store no longer holds where it was (a store restored or rebuilt) throws here, and an error `isFatal`
   * accepts stops it for good.
   */
  readonly beforeResume?: (position: LogPosition | undefined) => Promise<void> | void;
  /**
   * Handles the events the subscription already has at hand, in log order, as one batch of at most
   * `maxBatch`: never waits for more to fill it, so a live event is handled as soon as it arrives, while
   * catching up goes a batch at a time. Must be idempotent, since a batch may be handed over again after a
   * crash or a failure. A handler that saves its position with its own writes, in one transaction, leaves
   * `savePosition` out.
   */
  readonly handleBatch: (events: readonly RecordedEvent[]) => Promise<void> | void;
  /** Default 500. */
  readonly maxBatch?: number;
  /**
   * How long a batch may wait, from its first event, for more to arrive before it is handed over (default 0:
   * only what is at hand). A follower whose every batch costs a transaction and an fsync (the ledger) trades
   * this much lag for far fewer of them under load; a quiet log is not waited on longer than this.
   */
  readonly lingerMs?: number;
  /** Records that every event up to this position was handled; called after each batch with its last event's. */
  readonly savePosition?: (position: LogPosition) => Promise<void> | void;
  /** An error after which the follower stops for good instead of resuming (a tampered log, a fenced producer). */
  readonly isFatal?: (error: unknown) => boolean;
  readonly onError?: (error: unknown) => void;
  /** Wait before the first resumption after a failure; each failure in a row waits this much longer. Default 1000 ms. */
  readonly retryMs?: number;
  /** Longest wait between resumptions. Default ten times `retryMs`. */
  readonly maxRetryMs?: number;
}

export type LogFollowerState = 'idle' | 'running' | 'stopped' | 'failed';

/** How far a follower is behind the log: the events not yet handled (counted up to a bound) and the age of the oldest. */
export interface FollowerLag {
  readonly events: number;
  /** True when there are more unhandled events than were counted. */
  readonly atLeast: boolean;
  /** Seconds since the oldest event not yet handled was recorded; 0 when it has handled the whole log. */
  readonly seconds: number;
}

/**
 * The one checkpointed consumer of the store's global log, which the ledger, the relay, the case index and the
 * process managers all follow it through: load the position, check it still holds, then hand over batches and
 * save the position after each. A failing batch stops the follower at that batch; it waits, loads the position
 * again and reads on from there, so no event is ever skipped, and an event may be handed over twice.
 */
export class LogFollower {
  private subscription?: LogSubscription;
  private current: LogFollowerState = 'idle';
  /** The wait before a retry, which stopping ends early. */
  private readonly retryWait = new WakeableSleep();
  private loop?: Promise<void>;
  private position: LogPosition | undefined;
  private loaded = false;
  private readonly waiters = new Set<() => void>();
  /** Ends the linger of the batch being formed, if one is. */
  private readonly linger: { cut?: () => void } = {};

  /** Times following failed and resumed from the saved position, since this process started it. */
  failures = 0;

  constructor(
    private readonly store: EventStore,
    private readonly options: LogFollowerOptions,
  ) {}

  get name(): string {
    return this.options.name;
  }

  get state(): LogFollowerState {
    return this.current;
  }

  start(): void {
    if (this.current === 'running') return;
    this.current = 'running';
    this.loaded = false;
    this.loop = this.run();
  }

  /** Lets the batch under way finish, then stops. */
  async stop(): Promise<void> {
    if (this.current === 'running') this.current = 'stopped';
    this.retryWait.wake();
    await this.subscription?.close();
    await this.loop;
    this.wakeWaiters();
  }

  /**
   * Hands over the batch being formed now, without waiting out its linger; resolves once it is in the
   * handler's hands (for a caller that then queues work behind it, like a checkpoint behind a seal).
   */
  async hurry(): Promise<void> {
    this.linger.cut?.();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** The position of the last event handled, as this process knows it. */
  get handledPosition(): LogPosition | undefined {
    return this.position;
  }

  /** Resolves once `reached` accepts the handled position, or the follower is no longer running. */
  waitUntil(reached: (position: LogPosition | undefined) => boolean): Promise<void> {
    if (reached(this.position) || this.current !== 'running') return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (reached(this.position) || this.current !== 'running') {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
    });
  }

  /**
   * How far behind the log this follower is, read from the store now; undefined while it is not running or
   * has not loaded its position yet. Counts at most `limit` events.
   */
  async lag(now: Date, limit = 10_000): Promise<FollowerLag | undefined> {
    if (this.current !== 'running' || !this.loaded) return undefined;
    let events = 0;
    let oldest: RecordedEvent | undefined;
    for await (const event of this.store.readAll({ after: this.position, maxCount: limit + 1 })) {
      oldest ??= event;
      events++;
    }
    const seconds = oldest ? Math.max(0, now.getTime() - Date.parse(oldest.envelope.metadata.recordedAt)) / 1000 : 0;
    return { events: Math.min(events, limit), atLeast: events > limit, seconds };
  }

  private async run(): Promise<void> {
    const retryMs = this.options.retryMs ?? 1000;
    const maxRetryMs = this.options.maxRetryMs ?? retryMs * 10;
    let failuresInRow = 0;
    while (this.current === 'running') {
      try {
        const position = await this.options.loadPosition();
        await this.options.beforeResume?.(position);
        this.position = position;
        this.loaded = true;
        this.wakeWaiters();
        this.subscription = this.store.subscribeToAll({ after: position });
        // Stopped while it loaded its position: stop() closed the subscription before this one.
        if (this.current !== 'running') {
          await this.subscription.close();
          break;
        }
        for await (const batch of atHand(this.subscription, this.options.maxBatch ?? 500, this.options.lingerMs ?? 0, this.linger)) {
          if (this.current !== 'running') break; // read ahead before stop() closed the subscription
          await this.options.handleBatch(batch);
          const last = batch[batch.length - 1].position;
          await this.options.savePosition?.(last);
          this.position = last;
          failuresInRow = 0;
          this.wakeWaiters();
        }
      } catch (error) {
        await this.subscription?.close();
        if (this.current !== 'running') break;
        this.options.onError?.(error);
        if (this.options.isFatal?.(error)) {
          this.current = 'failed';
          break;
        }
        this.failures += 1;
        failuresInRow += 1;
        await this.retryWait.sleep(Math.min(retryMs * failuresInRow, maxRetryMs));
      }
    }
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

const TURN = Symbol('turn');

/**
 * Groups what `source` delivers without waiting into arrays of at most `max`: an item counts as at hand when
 * it arrives before the event loop's next turn, or within `lingerMs` of the batch's first item. The next item
 * is asked for while the consumer handles a batch, so reading the log overlaps with handling it.
 */
async function* atHand<T>(source: AsyncIterable<T>, max: number, lingerMs: number, linger: { cut?: () => void } = {}): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  const ask = () => {
    const next = iterator.next();
    next.catch(() => undefined); // a read that fails while a batch is being handled is reported when awaited
    return next;
  };
  let pending: Promise<IteratorResult<T>> | undefined = ask();
  try {
    for (;;) {
      const first: IteratorResult<T> = await pending!;
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      // One deadline for the batch when it lingers; else the next turn of the event loop, for each item.
      let timer: NodeJS.Timeout | undefined;
      const deadline =
        lingerMs > 0
          ? new Promise<typeof TURN>((resolve) => {
              timer = setTimeout(resolve, lingerMs, TURN);
              linger.cut = () => resolve(TURN);
            })
          : undefined;
      let done = false;
      while (batch.length < max) {
        pending = ask();
        const next = await Promise.race([pending, deadline ?? new Promise<typeof TURN>((resolve) => setImmediate(resolve, TURN))]);
        if (next === TURN) break;
        pending = undefined;
        if (next.done) {
          done = true;
          break;
        }
        batch.push(next.value);
      }
      clearTimeout(timer);
      linger.cut = undefined;
      pending ??= done ? undefined : ask();
      yield batch;
      if (done) return;
    }
  } finally {
    // Ending early (the consumer failed or stopped): let the read under way settle, then end the source.
    const settling = pending;
    if (settling)
      settling
        .then(
          () => iterator.return?.(),
          () => undefined,
        )
        .catch(() => undefined);
    else await iterator.return?.();
  }
}

/** A part of the service that is one follower of the log (a projector, a process manager), started and stopped with its role. */
export abstract class FollowsTheLog {
  protected abstract readonly follower: LogFollower;

  start(): void {
    this.follower.start();
  }

  async stop(): Promise<void> {
    await this.follower.stop();
  }

  /** The follower, for its lag. */
  get logFollower(): LogFollower {
    return this.follower;
  }
}
