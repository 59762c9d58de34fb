import { systemClock } from '@samverkan/common';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { KEY_VAULT, KeyVault } from '@samverkan/vault';
import { AccessLog, Reader } from '../apps/coordinator/src/access-log/access-log';
import { CaseService } from '../apps/coordinator/src/cases/case.service';
import { openCases, startService } from './http-commands.bench';
import { LoadResult, runLoad } from './load';

export interface ReadsParameters {
  readonly cases: number;
  /** Support events recorded on each case after its opening, so that a read folds a case of some length. */
  readonly eventsPerCase: number;
  readonly agencyId: string;
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Rates (reads a second) sent open-loop, whether or not earlier reads are answered: what the log adds to a read short of saturation. */
  readonly ratesPerSecond: readonly number[];
}

/** Reads of one kind, measured in this process: how many a second, and what one took. */
export interface InProcessReads {
  readonly reads: number;
  readonly seconds: number;
  readonly readsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export interface ReadsResult {
  /** The read path (load, fold, disclose) with an access log that records nothing: what reads cost before the log. */
  readonly plain: InProcessReads;
  /** The same reads, each answered only once its access entry is durable in the store. */
  readonly withAccessLog: InProcessReads;
  /** Both again, sent at fixed rates below saturation: the latency the log adds to a read. */
  readonly atRates: ReadonlyArray<{ readonly rate: number; readonly plain: InProcessReads; readonly withAccessLog: InProcessReads }>;
  /** GET /cases/:id/timeline over HTTP against the real service, access log and all. */
  readonly http: LoadResult;
  /** CaseRead events the store holds after the run, and the reads that should have written them. */
  readonly accessEntries: number;
  readonly readsLogged: number;
}

/**
 * Case reads against the real service on the embedded store (or the one `storeEnv` configures): `cases` cases
 * of `eventsPerCase` events, then the timeline of a case drawn at random, `concurrency` at a time, first
 * through the service's own CaseService with an access log that records nothing (plain), then with the
 * service's access log, then over HTTP.
 */
export async function benchReads(dataDir: string, p: ReadsParameters, storeEnv: Readonly<Record<string, string>> = {}): Promise<ReadsResult> {
  const { app, baseUrl, headers } = await startService(dataDir, p.agencyId, storeEnv);
  try {
    const caseIds = await openCases(baseUrl, headers, p.cases);
    await Promise.all(
      caseIds.map(async (id) => {
        for (let i = 0; i < p.eventsPerCase; i++) {
          await fetch(`${baseUrl}/cases/${id}/support`, { method: 'POST', headers, body: JSON.stringify({ kind: 'shelter', providedOn: '2026-01-15' }) });
        }
      }),
    );
    const store = app.get<EventStore>(EVENT_STORE);
    const reader: Reader = { agencyId: p.agencyId, kind: 'police', actorId: 'bench-officer' };
    const recordsNothing = { record: async () => undefined } as unknown as AccessLog;
    const plainService = new CaseService(store, systemClock, recordsNothing, app.get<KeyVault>(KEY_VAULT));
    const loggedService = app.get(CaseService);
    const read = (service: CaseService) => service.read(caseIds[Math.floor(Math.random() * caseIds.length)], reader, 'timeline');

    const before = await countReads(store);
    // At a rate first: after a saturated run the ledger and the projector still have its entries to catch up on.
    await readFor(() => read(plainService), p.concurrency, p.warmupSeconds);
    const loggedWarmup = await readAtRate(() => read(loggedService), p.ratesPerSecond[0], p.warmupSeconds);
    const atRates = [];
    for (const rate of p.ratesPerSecond) {
      const plainAtRate = await readAtRate(() => read(plainService), rate, p.durationSeconds);
      atRates.push({ rate, plain: plainAtRate, withAccessLog: await readAtRate(() => read(loggedService), rate, p.durationSeconds) });
    }
    const plain = await readFor(() => read(plainService), p.concurrency, p.durationSeconds);
    const withAccessLog = await readFor(() => read(loggedService), p.concurrency, p.durationSeconds);
    const spec = {
      url: baseUrl,
      connections: p.concurrency,
      method: 'GET' as const,
      paths: caseIds.map((id) => `/cases/${id}/timeline`),
      headers: { authorization: headers.authorization },
    };
    const warmup = await runLoad({ ...spec, durationSeconds: p.warmupSeconds, initialRate: 500 });
    const http = await runLoad({ ...spec, durationSeconds: p.durationSeconds, initialRate: warmup.responses / warmup.durationSeconds });
    const atRateReads = atRates.reduce((n, r) => n + r.withAccessLog.reads, 0);
    const readsLogged = loggedWarmup.reads + withAccessLog.reads + atRateReads + warmup.responses + http.responses;
    return { plain, withAccessLog, atRates, http, accessEntries: (await countReads(store)) - before, readsLogged };
  } finally {
    await app.close();
  }
}

/** `concurrency` readers, each reading again as soon as its read is answered, for `seconds`. */
async function readFor(read: () => Promise<unknown>, concurrency: number, seconds: number): Promise<InProcessReads> {
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        await read();
        latencies.push(performance.now() - at);
      }
    }),
  );
  return summary(latencies, (performance.now() - started) / 1000);
}

/** Reads started at `rate` a second for `seconds`, each timed from when it was due, however long the others take. */
async function readAtRate(read: () => Promise<unknown>, rate: number, seconds: number): Promise<InProcessReads> {
  const latencies: number[] = [];
  const reads: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    reads.push(read().then(() => void latencies.push(performance.now() - due)));
  }
  await Promise.all(reads);
  return summary(latencies, (performance.now() - started) / 1000);
}

function summary(latencies: number[], elapsed: number): InProcessReads {
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    reads: latencies.length,
    seconds: elapsed,
    readsPerSecond: latencies.length / elapsed,
    latencyMs: { p50: quantile(0.5), p99: quantile(0.99), max: latencies[latencies.length - 1] },
  };
}

async function countReads(store: EventStore): Promise<number> {
  let count = 0;
  for await (const { envelope } of store.readAll()) if (envelope.type === 'CaseRead') count += 1;
  return count;
}
