import { createWriteStream } from 'node:fs';
import { Agent, get, IncomingMessage } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientJob, DownloadResult, SequentialGetResult } from './http-client';

/**
 * The client side of the ledger benchmark, in a worker thread so that it does not share the event loop of the
 * service it measures: sequential GETs over one keep-alive connection, timed one by one, or one streamed
 * download to a file.
 */
const job = workerData as ClientJob;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function request(url: string, token: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers: { authorization: `Bearer ${token}` } }, resolve).once('error', reject);
  });
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
  });
}

async function sequentialGets(): Promise<SequentialGetResult> {
  if (job.kind !== 'gets') throw new Error('not a GET job');
  const latenciesMs: number[] = [];
  const statusCodes: Record<string, number> = {};
  const samples: string[] = [];
  let failures = 0;
  for (const [i, path] of job.paths.entries()) {
    const started = performance.now();
    const response = await request(`${job.baseUrl}${path}`, job.token);
    const body = await readBody(response);
    const ms = performance.now() - started;
    if (i >= job.warmup) {
      latenciesMs.push(ms);
      const code = String(response.statusCode);
      statusCodes[code] = (statusCodes[code] ?? 0) + 1;
    }
    if (i < job.keepBodies) samples.push(body);
    else if (response.statusCode !== 200 && failures++ < 3) samples.push(body);
  }
  return { latenciesMs, statusCodes, bodies: samples };
}

async function download(): Promise<DownloadResult> {
  if (job.kind !== 'download') throw new Error('not a download job');
  const started = performance.now();
  const response = await request(job.url, job.token);
  if (response.statusCode !== 200) {
    return { status: response.statusCode ?? 0, bytes: 0, lines: 0, seconds: 0, headers: {}, error: await readBody(response) };
  }
  let bytes = 0;
  let lines = 0;
  const out = createWriteStream(job.file, { highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
      if (!out.write(chunk)) {
        response.pause();
        out.once('drain', () => response.resume());
      }
    });
    response.once('end', () => out.end(resolve));
    response.once('error', reject);
    out.once('error', reject);
  });
  const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)]));
  return { status: 200, bytes, lines, seconds: (performance.now() - started) / 1000, headers };
}

(job.kind === 'gets' ? sequentialGets() : download()).then(
  (result) => {
    agent.destroy();
    parentPort!.postMessage(result);
  },
  (error: unknown) => {
    agent.destroy();
    throw error;
  },
);
