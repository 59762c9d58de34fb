import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { WakeableSleep } from '@samverkan/common';

/**
 * A Kafka-facing part of the service that must not hold the service up: it keeps trying to start in the
 * background, backing off, while commands over HTTP are accepted; on shutdown it stops before the store
 * closes.
 */
export abstract class BackgroundStart implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected abstract readonly logger: Logger;
  /** What is starting, for the log: `the relay`. */
  protected abstract readonly what: string;
  private starting?: Promise<void>;
  private stopped = false;
  private readonly retryWait = new WakeableSleep();

  protected abstract startOnce(): Promise<void>;
  protected abstract stopStarted(): Promise<void>;

  onApplicationBootstrap(): void {
    this.begin();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.end();
  }

  /** Starts trying to start, in the background. */
  protected begin(): void {
    this.stopped = false;
    this.starting = this.keepStarting();
  }

  /** Stops trying, and stops what started. */
  protected async end(): Promise<void> {
    this.stopped = true;
    this.retryWait.wake();
    await this.starting;
    await this.stopStarted();
  }

  private async keepStarting(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (error) {
        this.logger.warn(`cannot start ${this.what} yet (attempt ${attempt}): ${(error as Error).message}`);
        await this.retryWait.sleep(Math.min(1000 * attempt, 30_000));
      }
    }
  }
}
