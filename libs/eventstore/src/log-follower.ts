import { WakeableSleep } from '@samverkan/common';
import { EventStore, LogPosition, LogSubscription, RecordedEvent } from './event-store.port';

interface LogFollowerCommonOptions {
  /** Name for logs. */
  readonly name: string;
  /** Where to resume: the position of the last event handled, or undefined for the start of the log. */
  readonly loadPosition: () => LogPosition | undefined | Promise<LogPosition | undefined>;
  /** Records that every event up to this position was handled. */
  readonly savePosition: (position: LogPosition) => Promise<void> | void;
  readonly onError?: (error: unknown) => void;
  /** Wait before resubscribing after a failure. */
  readonly retryMs?: number;
}

export type LogFollowerOptions = LogFollowerCommonOptions &
  (
    | {
        /** Handles one event; must be idempotent, since an event may be handled again after a crash. */
        readonly handle: (event: RecordedEvent) => Promise<void> | void;
        readonly handleBatch?: undefined;
      }
    | {
        /**
         * Handles the events the subscription already has at hand, in log order, as one batch of at most
         * `maxBatch`: never waits for more to fill it, so a live event is handled as soon as it arrives, while
         * catching up goes a batch at a time. Must be idempotent, like `handle`; `savePosition` follows each
         * batch with its last event's position.
         */
        readonly handleBatch: (events: readonly RecordedEvent[]) => Promise<void> | void;
        /** Default 500. */
        readonly maxBatch?: number;
        readonly handle?: undefined;
      }
  );

/**
 * Follows the store's global log from a stored position: what projections and process managers build on.
 * A failing handler stops the follower at that event and retries it from the last saved position, so no
 * event is ever skipped.
 */
export class LogFollower {
  private subscription?: LogSubscription;
  private running = false;
  /** The wait before a retry, which stopping ends early. */
  private readonly retryWait = new WakeableSleep();
  private loop?: Promise<void>;
  private position: LogPosition | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    private readonly options: LogFollowerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.retryWait.wake();
    await this.subscription?.close();
    await this.loop;
  }

  /** The position of the last event handled in this process. */
  get handledPosition(): LogPosition | undefined {
    return this.position;
  }

  /** Resolves once the follower has handled an event whose position `reached` accepts. */
  waitUntil(reached: (position: LogPosition | undefined) => boolean): Promise<void> {
    if (reached(this.position)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (reached(this.position)) {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        this.position = await this.options.loadPosition();
        this.subscription = this.store.subscribeToAll({ after: this.position });
        // Stopped while it loaded its position: stop() closed the subscription before this one.
        if (!this.running) {
          await this.subscription.close();
          break;
        }
        if (this.options.handle) {
          for await (const event of this.subscription) {
            await this.options.handle(event);
            await this.handled(event.position);
          }
        } else {
          for await (const batch of atHand(this.subscription, this.options.maxBatch ?? 500)) {
            if (!this.running) break; // read ahead before stop() closed the subscription
            await this.options.handleBatch(batch);
            await this.handled(batch[batch.length - 1].position);
          }
        }
      } catch (error) {
        this.options.onError?.(error);
        await this.subscription?.close();
        if (this.running) await this.retryWait.sleep(this.options.retryMs ?? 1000);
      }
    }
  }

  private async handled(position: LogPosition): Promise<void> {
    await this.options.savePosition(position);
    this.position = position;
    for (const waiter of [...this.waiters]) waiter();
  }
}

const TURN = Symbol('turn');

/**
 * Groups what `source` delivers without waiting into arrays of at most `max`: an item counts as at hand when
 * it arrives before the event loop's next turn. The next item is asked for while the consumer handles a
 * batch, so reading the log overlaps with handling it.
 */
async function* atHand<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
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
      let done = false;
      while (batch.length < max) {
        pending = ask();
        const next = await Promise.race([pending, new Promise<typeof TURN>((resolve) => setImmediate(resolve, TURN))]);
        if (next === TURN) break;
        pending = undefined;
        if (next.done) {
          done = true;
          break;
        }
        batch.push(next.value);
      }
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
