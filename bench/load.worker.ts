import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import type { GeneratedLoad, LoadSpec } from './load';

const spec = workerData as LoadSpec;
const pick = () => spec.paths[Math.floor(Math.random() * spec.paths.length)];

/** Time left below which no further chunk is started. */
const MIN_CHUNK_SECONDS = 0.3;
const MAX_CHUNKS = 12;

async function main(): Promise<void> {
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    // autocannon notices that a fixed amount is done only at its next sample; the default (1 s) would add
    // up to a second of idle time to every chunk.
    sampleInt: 10,
    requests: [
      {
        method: spec.method,
        headers: { ...spec.headers },
        body: spec.body,
        setupRequest: (request) => ({ ...request, path: pick() }),
      },
    ],
  };
  const chunks: autocannon.RawResult[] = [];
  let elapsed = 0;
  let rate = spec.initialRate;
  while (chunks.length < MAX_CHUNKS && spec.durationSeconds - elapsed > MIN_CHUNK_SECONDS) {
    const wanted = Math.ceil((rate * (spec.durationSeconds - elapsed)) / spec.connections) * spec.connections;
    const started = performance.now();
    const chunk = await autocannon({ ...options, amount: Math.max(spec.connections, wanted) });
    const seconds = (performance.now() - started) / 1000;
    chunks.push(chunk);
    elapsed += seconds;
    rate = chunk.totalCompletedRequests / seconds;
  }
  // Off the main thread autocannon leaves its results unaggregated (histograms still encoded).
  const result = autocannon.aggregateResult(chunks, options);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const summary: GeneratedLoad = {
    durationSeconds: elapsed,
    responses: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    okPerSecond: result['2xx'] / elapsed,
    chunks: chunks.length,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
  };
  parentPort!.postMessage(summary);
}

// A rejection ends the worker as an uncaught error, which the parent sees as an 'error' event.
void main();
