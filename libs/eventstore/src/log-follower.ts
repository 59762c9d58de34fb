import { EventStore, LogPosition, LogSubscription, RecordedEvent } from './event-store.port';

export interface LogFollowerOptions {
  /** Name for logs. */
  readonly name: string;
  /** Where to resume: the position of the last event handled, or undefined for the start of the log. */
  readonly loadPosition: () => LogPosition | undefined | Promise<LogPosition | undefined>;
  /** Handles one event; must be idempotent, since an event may be handled again after a crash. */
  readonly handle: (event: RecordedEvent) => Promise<void> | void;
  /** Records that every event up to this position was handled. */
  readonly savePosition: (position: LogPosition) => Promise<void> | void;
  readonly onError?: (error: unknown) => void;
  /** Wait before resubscribing after a failure. */
  readonly retryMs?: number;
}

/**
 * Follows the store's global log from a stored position: what projections and process managers build on.
 * A failing handler stops the follower at that event and retries it from the last saved position, so no
 * event is ever skipped.
 */
export class LogFollower {
  private subscription?: LogSubscription;
  private running = false;
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
        for await (const event of this.subscription) {
          await this.options.handle(event);
          await this.options.savePosition(event.position);
          this.position = event.position;
          for (const waiter of [...this.waiters]) waiter();
        }
      } catch (error) {
        this.options.onError?.(error);
        await this.subscription?.close();
        if (this.running) await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1000));
      }
    }
  }
}
