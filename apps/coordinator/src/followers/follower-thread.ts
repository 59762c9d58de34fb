import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { ConflictError, moduleWorker, NotFoundError, SamverkanError, UnavailableError, ValidationError } from '@samverkan/common';
import { AppConfig } from '../config/app-config';
import type { LedgerHalt, Sealer } from '../ledger/ledger.service';
import type { StoredCheckpoint } from '../ledger/ledger-store';
import type { CommandObserved } from '../observability/metrics';
import type { FollowerStatus } from './follower-status';

export interface FollowerThreadData {
  readonly config: AppConfig;
  /** Errors only (tests, benchmarks); else the log the configuration's SAMVERKAN_LOG_FORMAT names. */
  readonly quiet: boolean;
}

/** What the API's thread asks the follower thread. */
export type FollowerQuestion = { readonly id: number } & ({ readonly ask: 'status'; readonly lags: boolean } | { readonly ask: 'checkpoint-now' });

/** What the follower thread tells the API's thread. */
export type FollowerMessage =
  | { readonly ready: true }
  | { readonly failed: CrossingError }
  | { readonly halted: LedgerHalt }
  | { readonly sealed: true }
  | { readonly command: CommandObserved }
  | { readonly id: number; readonly answer: unknown }
  | { readonly id: number; readonly error: CrossingError };

/** An error as it crosses between threads: a SamverkanError keeps its kind, rule and details (a halt is a 409). */
export interface CrossingError {
  readonly name: string;
  readonly message: string;
  readonly rule?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function toCrossing(error: unknown): CrossingError {
  if (error instanceof SamverkanError) return { name: error.name, message: error.message, rule: error.rule, details: { ...error.details } };
  return { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}

/** The errors the follower thread answers with, rebuilt as the kind they were; anything else is a plain Error. */
const KINDS: Record<string, new (message: string, options: { rule?: string; details?: Record<string, unknown> }) => SamverkanError> = {
  ConflictError,
  NotFoundError,
  ValidationError,
  UnavailableError,
};

export function fromCrossing({ name, message, rule, details }: CrossingError): Error {
  const Kind = KINDS[name];
  return Kind ? new Kind(message, { rule, details: { ...details } }) : new Error(message);
}

/** Longest wait for the follower thread to stop (its followers finish their batch and close their stores). */
const STOP_MS = 30_000;

/**
 * The followers of the log (ledger, projector, relay) on a thread of their own in this process, seen from the
 * API's thread: it starts them (and fails the start when they fail theirs), asks how they are for /health and
 * /metrics, asks the ledger to sign a checkpoint now, learns a halt at once, and stops them when the API stops.
 * They share this process's fate: should the thread end on its own, the process closes the API and exits with
 * status 1 (startService), so that its supervisor starts it whole rather than leave an API whose record nobody seals.
 */
export class FollowerThread implements Sealer, BeforeApplicationShutdown {
  private readonly logger = new Logger('FollowerThread');
  private readonly waiting = new Map<number, { resolve(answer: unknown): void; reject(error: Error): void }>();
  private nextId = 0;
  private stopping = false;
  private readonly exited: Promise<number>;
  private haltedNow: (halt: LedgerHalt) => void = () => undefined;
  readonly whenHalted = new Promise<LedgerHalt>((resolve) => (this.haltedNow = resolve));
  private readonly batchListeners: Array<() => void> = [];
  private readonly commandListeners: Array<(observed: CommandObserved) => void> = [];
  private ended = false;
  private endedNow: (code: number) => void = () => undefined;
  /** Resolves with its exit code when the thread ends without being asked to stop (startService then stops the process). */
  readonly endedOnItsOwn = new Promise<number>((resolve) => (this.endedNow = resolve));

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('message', (message: FollowerMessage) => this.receive(message));
    // What ended it, said before it is gone (an error thrown there reaches only this listener).
    worker.on('error', (error) => this.logger.error(`the follower thread failed: ${error.stack ?? error.message}`));
    void this.exited.then((code) => {
      this.ended = true;
      for (const { reject } of this.waiting.values()) reject(new UnavailableError(`the follower thread ended (exit code ${code})`));
      this.waiting.clear();
      if (this.stopping) return;
      this.logger.error(`the follower thread ended (exit code ${code}): the process stops, for its supervisor to start it whole`);
      this.endedNow(code);
    });
  }

  /** Starts the followers the configuration's roles name, and resolves once they have started (or rejects why they could not). */
  static async start(config: AppConfig, { quiet }: { quiet: boolean }): Promise<FollowerThread> {
    const data: FollowerThreadData = { config, quiet };
    const worker = moduleWorker(join(__dirname, `follower-thread.worker${extname(__filename)}`), { workerData: data });
    const started = new Promise<void>((resolve, reject) => {
      const onMessage = (message: FollowerMessage) => {
        if ('ready' in message) resolve();
        if ('failed' in message) reject(fromCrossing(message.failed));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the follower thread ended while starting (exit code ${code})`)));
    });
    const thread = new FollowerThread(worker);
    try {
      await started;
    } catch (error) {
      thread.stopping = true;
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  status({ lags }: { lags: boolean }): Promise<FollowerStatus> {
    return this.ask({ ask: 'status', lags }) as Promise<FollowerStatus>;
  }

  async checkpointNow(): Promise<StoredCheckpoint | undefined> {
    const checkpoint = (await this.ask({ ask: 'checkpoint-now' })) as StoredCheckpoint | undefined;
    // A Buffer crosses between threads as a plain Uint8Array.
    return checkpoint && { ...checkpoint, root: Buffer.from(checkpoint.root) };
  }

  afterEachBatch(listener: () => void): void {
    this.batchListeners.push(listener);
  }

  /** Calls `listener` with each command the thread ran (its process managers'), for the API thread's /metrics. */
  onCommand(listener: (observed: CommandObserved) => void): void {
    this.commandListeners.push(listener);
  }

  /** Stops the followers (each finishes what it holds and closes its stores) and waits for the thread to end. */
  async stop(): Promise<void> {
    if (this.stopping) return this.exited.then(() => undefined);
    this.stopping = true;
    this.worker.postMessage({ stop: true });
    const timer = setTimeout(() => {
      this.logger.error(`the follower thread did not stop within ${STOP_MS / 1000} s; it is ended`);
      void this.worker.terminate();
    }, STOP_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** The API stops after its followers (Nest: before the stores of the API's thread close). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private ask(question: { ask: 'status'; lags: boolean } | { ask: 'checkpoint-now' }): Promise<unknown> {
    if (this.stopping || this.ended) return Promise.reject(new UnavailableError('the follower thread is stopping'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...question } satisfies FollowerQuestion);
    });
  }

  private receive(message: FollowerMessage): void {
    if ('halted' in message) this.haltedNow(message.halted);
    if ('sealed' in message) for (const listener of this.batchListeners) listener();
    if ('command' in message) for (const listener of this.commandListeners) listener(message.command);
    if (!('id' in message)) return;
    const waiting = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if ('error' in message) waiting?.reject(fromCrossing(message.error));
    else waiting?.resolve(message.answer);
  }
}
