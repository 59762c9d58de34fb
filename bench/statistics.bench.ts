import { signDevToken } from '../apps/coordinator/src/auth/dev-keys';
import { apiOverHttp, planYear, recordYear } from '../apps/coordinator/src/demo/demo-year';
import { AgencyRegistry } from '../apps/coordinator/src/agencies/agency-registry';
import { statisticsOf } from '../apps/coordinator/src/statistics/statistics';
import { CaseIndex } from '../apps/coordinator/src/case-index/case-index';
import { startService } from './http-commands.bench';

export interface StatisticsParameters {
  readonly seed: number;
  readonly scales: readonly number[];
  /** Timed GET /statistics requests of each kind, one after another. */
  readonly requests: number;
  readonly region: string;
  readonly reader: string;
}

export interface StatisticsAtScale {
  readonly scale: number;
  readonly people: number;
  readonly cases: number;
  readonly recordSeconds: number;
  /** Reading every case's facts from the case index, in the service's process (median ms). */
  readonly readFactsMs: number;
  /** The figures of the country and its regions, suppressed together, from those facts (median ms). */
  readonly computeMs: number;
  /** GET /statistics over HTTP, the whole answer read (median ms). */
  readonly httpCountryMs: number;
  readonly httpRegionMs: number;
  readonly suppressedCountry: number;
}

/**
 * What `GET /statistics` costs as the year grows: `npm run demo:year`'s year at each scale recorded through the
 * real service (embedded store), then the figures read in the process (facts, then the computation) and over
 * HTTP for the country and for the region, one request at a time.
 */
export async function benchStatistics(
  dataDirOf: (scale: number) => string,
  p: StatisticsParameters,
  progress: (text: string) => void,
): Promise<StatisticsAtScale[]> {
  const results: StatisticsAtScale[] = [];
  for (const scale of p.scales) {
    const dataDir = dataDirOf(scale);
    const { app, baseUrl } = await startService(dataDir, p.reader);
    try {
      const tokens = new Map<string, string>();
      const tokenOf = async (agencyId: string) =>
        tokens.get(agencyId) ?? tokens.set(agencyId, await signDevToken(dataDir, agencyId, 'bench-officer', 3600)).get(agencyId)!;
      const plan = planYear(p.seed, scale);
      progress(`statistics: recording the demonstration year at scale ${scale} (${plan.people.length} people)`);
      const started = performance.now();
      const cases = await recordYear(plan, apiOverHttp(baseUrl, tokenOf));
      const recordSeconds = (performance.now() - started) / 1000;
      const year = new Date().getUTCFullYear();
      const get = async (query: string) => {
        const response = await fetch(`${baseUrl}/statistics?${query}`, { headers: { authorization: `Bearer ${await tokenOf(p.reader)}` } });
        if (response.status !== 200) throw new Error(`GET /statistics?${query} answered ${response.status}: ${await response.text()}`);
        return response.json() as Promise<{ tables: Record<string, { total: number | 'suppressed'; suppressed: { primary: number; secondary: number } }> }>;
      };
      // The case index follows the log: wait until it holds every person of the year.
      for (let tries = 0; (await get(`year=${year}`)).tables.individualsByGroup.total !== plan.people.length; tries++) {
        if (tries > 600) throw new Error('the case index did not catch up with the demonstration year in 60 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const index = app.get(CaseIndex);
      const registry = app.get(AgencyRegistry);
      const readFacts: number[] = [];
      const compute: number[] = [];
      for (let i = 0; i < p.requests; i++) {
        const t0 = performance.now();
        const facts = await index.caseFacts();
        const t1 = performance.now();
        statisticsOf(facts, { year, region: null, threshold: 5 }, (m) => registry.municipality(m)?.region);
        readFacts.push(t1 - t0);
        compute.push(performance.now() - t1);
      }
      const timed = async (query: string) => {
        const times: number[] = [];
        for (let i = 0; i < p.requests; i++) {
          const t0 = performance.now();
          await get(query);
          times.push(performance.now() - t0);
        }
        return median(times);
      };
      const country = await get(`year=${year}`);
      results.push({
        scale,
        people: plan.people.length,
        cases: cases.size,
        recordSeconds,
        readFactsMs: median(readFacts),
        computeMs: median(compute),
        httpCountryMs: await timed(`year=${year}`),
        httpRegionMs: await timed(`year=${year}&region=${p.region}`),
        suppressedCountry: Object.values(country.tables).reduce((n, t) => n + t.suppressed.primary + t.suppressed.secondary, 0),
      });
    } finally {
      await app.close();
    }
  }
  return results;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
