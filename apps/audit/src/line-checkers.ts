import { closeSync, openSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { moduleWorker } from '@samverkan/common';
import { CheckedLines, ExportRangeChecker } from './export-lines';

/**
 * Where ranges of an export are read and their lines checked (export-lines.ts): on the calling thread, or
 * spread over worker threads that each read the file themselves; answers come back in the order asked.
 */
export interface LineChecking {
  /** Checks the lines that begin in bytes `start` to `end` of the export. */
  check(start: number, end: number): Promise<CheckedLines>;
  close(): Promise<void>;
}

/** On this thread. */
export function inThisThread(file: string, fileSize: number): LineChecking {
  const fd = openSync(file, 'r');
  const checker = new ExportRangeChecker(fd, fileSize);
  return {
    check: async (start, end) => checker.check(start, end),
    close: async () => closeSync(fd),
  };
}

const ROLE = 'samverkan-audit line checker';

interface Job {
  readonly file: string;
  readonly fileSize: number;
}

interface Pending {
  resolve(checked: CheckedLines): void;
  reject(error: Error): void;
}

/** On `threads` worker threads, each given ranges in turn. */
export function lineCheckers(threads: number, file: string, fileSize: number): LineChecking {
  const workers = Array.from({ length: threads }, () => {
    const pending: Pending[] = [];
    const worker = startWorker({ file, fileSize });
    const failAll = (error: Error) => pending.splice(0).forEach((waiting) => waiting.reject(error));
    worker.on('message', (answer: CheckedLines | { error: string }) => {
      const waiting = pending.shift();
      if ('error' in answer) waiting?.reject(new Error(`a line checker failed: ${answer.error}`));
      else waiting?.resolve(answer);
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`a line checker stopped (exit code ${code})`)));
    return { worker, pending };
  });
  let next = 0;
  return {
    check(start, end) {
      const { worker, pending } = workers[next];
      next = (next + 1) % workers.length;
      return new Promise<CheckedLines>((resolve, reject) => {
        pending.push({ resolve, reject });
        worker.postMessage({ start, end });
      });
    },
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}

/**
 * A worker runs this very module. From source (the repository, its tests) the repository's TypeScript loader
 * starts it; in the packed verifier this module is part of the one bundled file, which is started again (its
 * entry point runs the command only on the main thread).
 */
function startWorker(job: Job): Worker {
  return moduleWorker(__filename, { workerData: { role: ROLE, job } });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  const { file, fileSize } = (workerData as { job: Job }).job;
  const checker = new ExportRangeChecker(openSync(file, 'r'), fileSize);
  parentPort!.on('message', ({ start, end }: { start: number; end: number }) => {
    try {
      const checked = checker.check(start, end);
      parentPort!.postMessage(checked, [checked.leafHashes.buffer as ArrayBuffer]);
    } catch (error) {
      parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  });
}
