import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Sequential GETs (each timed, after `warmup` untimed ones), or one download streamed to a file. */
export type ClientJob =
  | {
      readonly kind: 'gets';
      readonly baseUrl: string;
      readonly token: string;
      readonly paths: readonly string[];
      readonly warmup: number;
      readonly keepBodies: number;
    }
  | { readonly kind: 'download'; readonly url: string; readonly token: string; readonly file: string };

export interface SequentialGetResult {
  /** Round trip of each timed request, from sending it until its whole body was read, in milliseconds. */
  readonly latenciesMs: number[];
  readonly statusCodes: Readonly<Record<string, number>>;
  /** The first `keepBodies` response bodies, and those of the first few non-200 answers. */
  readonly bodies: string[];
}

export interface DownloadResult {
  readonly status: number;
  readonly bytes: number;
  readonly lines: number;
  readonly seconds: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly error?: string;
}

const root = resolve(__dirname, '..');

/** Runs the job in a worker thread (through scripts/run-ts.js, as load.ts does), off the service's event loop. */
export function runClient(job: Extract<ClientJob, { kind: 'gets' }>): Promise<SequentialGetResult>;
export function runClient(job: Extract<ClientJob, { kind: 'download' }>): Promise<DownloadResult>;
export function runClient(job: ClientJob): Promise<SequentialGetResult | DownloadResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(join(root, 'scripts', 'run-ts.js'), { argv: [join(__dirname, 'http-client.worker.ts')], workerData: job });
    let result: SequentialGetResult | DownloadResult | undefined;
    worker.once('message', (message: SequentialGetResult | DownloadResult) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolvePromise(result);
      else reject(new Error(`the HTTP client exited with code ${code} before reporting a result`));
    });
  });
}
