import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * What the load generator fires: one method, header set and body (none for a GET), sent to a path drawn at random per request,
 * for about `durationSeconds`.
 *
 * The run is made of chunks of a fixed number of requests rather than one timed run, because autocannon
 * abandons the requests in flight when its time runs out, and the server would still be executing them (and
 * writing their events) after the run. Each chunk is sized from the rate so far (`initialRate` to begin
 * with) to fill the time left, so every request sent is answered and counted.
 */
export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second to expect, to size the first chunk; a low guess costs only an extra chunk. */
  readonly initialRate: number;
  readonly method: 'POST' | 'GET';
  readonly paths: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  /** The body of every request; none for a GET. */
  readonly body?: string;
}

export interface LoadResult {
  readonly durationSeconds: number;
  /** Responses received, whatever their status. */
  readonly responses: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Connection errors and timeouts: requests that got no response at all. */
  readonly errors: number;
  readonly timeouts: number;
  /** 2xx responses per second. */
  readonly okPerSecond: number;
  readonly chunks: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  /**
   * CPU time per response, in µs, while the load ran: of the whole process (the load generator's thread
   * included), and the time the main thread, where the service runs, was busy (its event-loop utilisation;
   * a blocking fsync counts). Steadier than rates on a machine shared with other load.
   */
  readonly cpuUsPerResponse: { readonly process: number; readonly mainThread: number };
}

/** What the load generator reports itself; the CPU time is measured around it. */
export type GeneratedLoad = Omit<LoadResult, 'cpuUsPerResponse'>;

const root = resolve(__dirname, '..');

/**
 * Runs autocannon in a worker thread, so that the client does not share the event loop of the server it
 * measures (the server runs in this process's main thread). The worker goes through scripts/run-ts.js, as
 * the worker body is TypeScript too.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const cpu = cpuMeter();
  const result = await runLoadWorker(spec);
  return { ...result, cpuUsPerResponse: cpu.per(result.responses) };
}

/**
 * CPU time from now on, per unit of work done meanwhile (µs): of the whole process, and the time this thread
 * was busy (its event-loop utilisation; a blocking fsync counts).
 */
export function cpuMeter(): { per(units: number): { readonly process: number; readonly mainThread: number } } {
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return {
    per(units) {
      const { user, system } = process.cpuUsage(cpu);
      const { active } = performance.eventLoopUtilization(loop);
      return units > 0 ? { process: (user + system) / units, mainThread: (active * 1000) / units } : { process: 0, mainThread: 0 };
    },
  };
}

function runLoadWorker(spec: LoadSpec): Promise<GeneratedLoad> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(join(root, 'scripts', 'run-ts.js'), {
      argv: [join(__dirname, 'load.worker.ts')],
      workerData: spec,
    });
    let result: GeneratedLoad | undefined;
    worker.once('message', (message: GeneratedLoad) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolvePromise(result);
      else reject(new Error(`the load generator exited with code ${code} before reporting a result`));
    });
  });
}
