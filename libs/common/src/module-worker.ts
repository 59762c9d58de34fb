import { resolve } from 'node:path';
import { Worker, WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread that runs the module `filename` (its caller's `__filename`) again; the module tells from
 * `workerData` that it is the worker. From source (the repository, its tests, the benchmarks) the repository's
 * TypeScript loader starts it; from a build or a bundle, the built file itself.
 */
export function moduleWorker(filename: string, options: WorkerOptions): Worker {
  if (!filename.endsWith('.ts')) return new Worker(filename, options);
  return new Worker(resolve(__dirname, '..', '..', '..', 'scripts', 'run-ts.js'), { ...options, argv: [filename] });
}
