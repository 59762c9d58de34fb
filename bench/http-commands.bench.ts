import { join, resolve } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { systemClock } from '@samverkan/common';
import { EVENT_STORE, EventStore, LogPosition } from '@samverkan/eventstore';
import { signDevToken } from '../apps/coordinator/src/auth/dev-keys';
import { createApp } from '../apps/coordinator/src/bootstrap';
import { loadConfig } from '../apps/coordinator/src/config/app-config';
import { CaseIndexProjector } from '../apps/coordinator/src/worklist/case-index.projector';
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
 * The real service, as `npm start` builds it, on the embedded store in `dataDir`: opens `cases` cases (adult
 * victims, so no automatic referral), then records support on them at random under constant concurrency.
 */
export async function benchHttpCommands(dataDir: string, p: HttpCommandParameters): Promise<HttpCommandResult> {
  const config = {
    ...loadConfig({ SAMVERKAN_AGENCIES_FILE: join(root, 'config', 'agencies.yaml') }),
    dataDir,
    port: 0,
    host: '127.0.0.1',
  };
  const app = await createApp({ config, clock: systemClock }, { logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const baseUrl = `http://127.0.0.1:${port}`;
    const token = await signDevToken(dataDir, p.agencyId, 'bench-officer', 900);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const opening = performance.now();
    const caseIds = await openCases(baseUrl, headers, p.cases);
    const openCasesSeconds = (performance.now() - opening) / 1000;
    // The opening events must not still be projected in the background while the load is measured.
    await caughtUp(app, 2 * p.cases);

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
    const eventsExpected = 2 * p.cases + warmup.ok + load.ok;
    const reached = await caughtUp(app, eventsExpected, 60_000);
    const projectionCatchUpMs = reached ? performance.now() - loadEnded : null;
    const eventsStored = await countEvents(app.get<EventStore>(EVENT_STORE));
    return { load, warmup, openCasesSeconds, eventsStored, eventsExpected, projectionCatchUpMs };
  } finally {
    await app.close();
  }
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
 * Waits until the case index has folded the event at `position` (positions of the embedded store count
 * events from 1, and this store holds only the benchmark's). Resolves false on timeout.
 */
async function caughtUp(app: NestFastifyApplication, position: number, timeoutMs = 30_000): Promise<boolean> {
  const reached = (handled: LogPosition | undefined) => handled !== undefined && Number(handled) >= position;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolvePromise) => (timer = setTimeout(() => resolvePromise(false), timeoutMs)));
  try {
    return await Promise.race([app.get(CaseIndexProjector).caughtUpTo(reached).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function countEvents(store: EventStore): Promise<number> {
  let count = 0;
  for await (const _ of store.readAll()) count += 1;
  return count;
}
