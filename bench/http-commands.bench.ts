import { join, resolve } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EVENT_STORE, EventStore, LogPosition } from '@samverkan/eventstore';
import { signDevToken } from '../apps/coordinator/src/auth/dev-keys';
import { startService as startTheService } from '../apps/coordinator/src/bootstrap';
import { AppConfig, loadConfig } from '../apps/coordinator/src/config/app-config';
import { CaseIndex } from '../apps/coordinator/src/case-index/case-index';
import { LoadResult, runLoad } from './load';

export interface HttpCommandParameters {
  readonly cases: number;
  readonly agencyId: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface HttpCommandResult {
  readonly load: LoadResult;
  readonly warmup: LoadResult;
  readonly openCasesSeconds: number;
  /** Events in the store after the run, and how many the 2xx answers account for; they should be equal. */
  readonly eventsStored: number;
  readonly eventsExpected: number;
  /** Time from the end of the load until the case index had folded the last event; null when it took over a minute. */
  readonly projectionCatchUpMs: number | null;
}

const root = resolve(__dirname, '..');
const OPEN_CONCURRENCY = 25;

/**
 * The real service, as `npm start` builds it, on the embedded store in `dataDir` or on the store `storeEnv`
 * configures (EVENT_STORE, DATABASE_URL, ...; the store must be empty): opens `cases` cases (adult victims,
 * so no automatic referral), then records support on them at random under constant concurrency.
 */
export async function benchHttpCommands(
  dataDir: string,
  p: HttpCommandParameters,
  storeEnv: Readonly<Record<string, string>> = {},
): Promise<HttpCommandResult> {
  const { app, baseUrl, headers } = await startService(dataDir, p.agencyId, storeEnv);
  try {
    const store = app.get<EventStore>(EVENT_STORE);

    const opening = performance.now();
    const caseIds = await openCases(baseUrl, headers, p.cases);
    const openCasesSeconds = (performance.now() - opening) / 1000;
    // The opening events must not still be projected in the background while the load is measured.
    await indexCatchUp(app, store);

    const spec = {
      url: baseUrl,
      connections: p.connections,
      method: 'POST' as const,
      paths: caseIds.map((id) => `/cases/${id}/support`),
      headers,
      body: JSON.stringify(p.body),
    };
    // The warm-up starts from a low guess of the rate; its rate sizes the first chunk of the measured run.
    const warmup = await runLoad({ ...spec, durationSeconds: p.warmupSeconds, initialRate: p.connections * 5 });
    const load = await runLoad({ ...spec, durationSeconds: p.durationSeconds, initialRate: warmup.responses / warmup.durationSeconds });
    const loadEnded = performance.now();

    // Every request was answered, so each 2xx is exactly one SupportProvided event and nothing is in flight.
    // Opening a case wrote three: its subject registered as a person, the case opened, the lead agency joined.
    const eventsExpected = 3 * p.cases + warmup.ok + load.ok;
    const caughtUpAt = await indexCatchUp(app, store, 60_000);
    const projectionCatchUpMs = caughtUpAt === null ? null : caughtUpAt - loadEnded;
    const eventsStored = await countEvents(store);
    return { load, warmup, openCasesSeconds, eventsStored, eventsExpected, projectionCatchUpMs };
  } finally {
    await app.close();
  }
}

/**
 * The service's configuration as `npm start` reads it, on the data directory and store settings given; with
 * SAMVERKAN_FOLLOWER_THREAD=false in the bench's environment, the followers run on the API's thread.
 */
export function serviceConfig(dataDir: string, storeEnv: Readonly<Record<string, string>> = {}): AppConfig {
  const env = {
    ...storeEnv,
    SAMVERKAN_AGENCIES_FILE: join(root, 'config', 'agencies.yaml'),
    SAMVERKAN_FOLLOWER_THREAD: process.env.SAMVERKAN_FOLLOWER_THREAD ?? '',
  };
  return { ...loadConfig(env), dataDir };
}

/**
 * The real service, as `npm start` builds it, listening on a free loopback port with the data directory (and
 * store settings) given, and the headers of a token of `agencyId`. The caller closes the app.
 */
export async function startService(dataDir: string, agencyId: string, storeEnv: Readonly<Record<string, string>> = {}) {
  const config = { ...serviceConfig(dataDir, storeEnv), port: 0, host: '127.0.0.1' };
  const app = await startTheService(config, { logger: false });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  const token = await signDevToken(dataDir, agencyId, 'bench-officer', 900);
  return { app, baseUrl: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
}

/** Opens `count` cases of adult victims (no automatic referral) as the token's agency, 25 at a time. */
export async function openCases(baseUrl: string, headers: Record<string, string>, count: number): Promise<string[]> {
  const body = JSON.stringify({ subject: { category: 'victim', ageGroup: 'adult', originRegion: 'baltic' }, exploitation: 'forced-labour' });
  const ids: string[] = [];
  let next = 0;
  const opener = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${baseUrl}/cases`, { method: 'POST', headers, body });
      const reply = (await response.json()) as { caseId?: string };
      if (response.status !== 201 || !reply.caseId) {
        throw new Error(`opening a case answered ${response.status}: ${JSON.stringify(reply)}`);
      }
      ids.push(reply.caseId);
    }
  };
  await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, opener));
  return ids;
}

/**
 * Waits until the case index has folded the last event the store holds now, and answers when it had (a
 * performance.now() time, to the poll's 2 ms), or null when not within `timeoutMs`. The index is read as the
 * API reads it, since its projector may run on the follower thread. Positions are the store's opaque strings,
 * ordered here only by where one read of the log meets them: a read of the events after the index's position,
 * so that a caught-up index is not slowed by a read of the whole log.
 */
async function indexCatchUp(app: NestFastifyApplication, store: EventStore, timeoutMs = 30_000): Promise<number | null> {
  const index = app.get(CaseIndex);
  const from = await index.position();
  const ahead = new Map<LogPosition, number>();
  for await (const { position } of store.readAll({ after: from })) ahead.set(position, ahead.size);
  // A position neither `from` nor among those read is of an event appended after the read, so past them.
  const reached = (handled: LogPosition | undefined) =>
    ahead.size === 0 || (handled !== undefined && (ahead.get(handled) ?? (handled === from ? -1 : Infinity)) >= ahead.size - 1);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (reached(await index.position())) return performance.now();
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 2));
  }
  return null;
}

async function countEvents(store: EventStore): Promise<number> {
  let count = 0;
  for await (const _ of store.readAll()) count += 1;
  return count;
}
