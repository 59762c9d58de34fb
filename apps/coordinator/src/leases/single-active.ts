import { WakeableSleep } from '@samverkan/common';
import { Leadership, Lease } from './leadership';

export type SingleActiveState = 'standby' | 'active' | 'stopped';

export interface SingleActiveWork {
  /** Begins the role's work; called once the lease is held. */
  start(): Promise<void> | void;
  /** Ends it; called before the lease is given up, and when it was lost. */
  stop(): Promise<void> | void;
}

export interface SingleActiveLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Runs a role's work only while this process holds the role's lease: waits as standby until it can take it,
 * works while it holds it, and goes back to standby if it loses it.
 */
export class SingleActive {
  private current: SingleActiveState = 'stopped';
  private abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly leadership: Leadership,
    private readonly role: string,
    private readonly work: SingleActiveWork,
    private readonly logger: SingleActiveLogger,
  ) {}

  get state(): SingleActiveState {
    return this.current;
  }

  /** As /health shows a role this process has: working, or not (standing by, or not started yet). */
  get activity(): 'active' | 'standby' {
    return this.current === 'active' ? 'active' : 'standby';
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.current = 'standby';
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error(`the ${this.role} role is stopping`));
    await this.loop;
    this.loop = undefined;
    this.current = 'stopped';
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const stopping = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    const pause = () => new WakeableSleep().sleep(1000, signal);
    while (!this.abort.signal.aborted) {
      let lease: Lease;
      try {
        this.logger.log(`waiting for the ${this.role} lease (standby)`);
        lease = await this.leadership.acquire(this.role, this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) break;
        this.logger.warn(`cannot take the ${this.role} lease yet: ${(error as Error).message}`);
        await pause();
        continue;
      }
      this.current = 'active';
      this.logger.log(`holds the ${this.role} lease: active`);
      let lost: Error | undefined;
      try {
        await this.work.start();
        lost = await Promise.race([lease.lost, stopping.then(() => undefined)]);
        if (lost) this.logger.warn(`lost the ${this.role} lease, back to standby: ${lost.message}`);
      } catch (error) {
        lost = error as Error;
        this.logger.warn(`the ${this.role} role failed, giving up its lease: ${lost.message}`);
      } finally {
        await this.work.stop();
        await lease.release();
        this.current = 'standby';
      }
      if (lost) await pause();
    }
  }
}
