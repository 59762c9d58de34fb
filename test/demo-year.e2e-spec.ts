import { planYear, PlannedPerson, recordYear } from '../apps/coordinator/src/demo/demo-year';
import { AgencyClient, eventually, RunningService } from './support/running-service';

jest.setTimeout(300_000);

type Table = { rows: string[]; columns: string[]; cells: (number | 'suppressed')[][]; rowTotals: (number | 'suppressed')[]; total: number | 'suppressed' };

/**
 * `npm run demo:year`'s year, recorded through the real API, and the statistics the service publishes of it:
 * each published number is the one counted here from the generator's own plan, without the service.
 */
describe('a demonstration year and its statistics', () => {
  let service: RunningService;
  const plan = planYear(7, 0.5);
  const year = new Date().getUTCFullYear();
  const victims = plan.people.filter((p) => p.category === 'victim');
  const count = (people: readonly PlannedPerson[], test: (p: PlannedPerson) => boolean) => people.filter(test).length;
  let stats: { tables: Record<string, Table>; figures: Record<string, unknown> };

  beforeAll(async () => {
    service = await RunningService.start();
    const clients = new Map<string, AgencyClient>();
    await recordYear(plan, async (agencyId, method, path, body) => {
      if (!clients.has(agencyId)) clients.set(agencyId, await service.as(agencyId, 'demo-officer'));
      const client = clients.get(agencyId)!;
      return method === 'GET' ? client.get(path) : client.post(path, body);
    });
    const mika = await service.as('mika-malmo');
    // The figures follow the log through the case index: wait until every published total is the whole year's.
    const totals: Record<string, number> = {
      individualsByGroup: plan.people.length,
      victimsBySupport: victims.reduce((n, v) => n + v.support.length, 0),
      investigationsByOutcome: count(victims, (v) => v.investigation !== null),
      judgmentsByOffence: count(victims, (v) => v.prosecution !== null),
      prosecutions: count(victims, (v) => v.prosecution !== null),
      defendants: count(victims, (v) => v.prosecution !== null),
    };
    stats = await eventually(async () => {
      const body = (await mika.get(`/statistics?year=${year}&region=skane`)).body;
      const whole = Object.entries(totals).every(([name, total]) => [total, 'suppressed'].includes(body.tables[name].total));
      return whole ? body : undefined;
    }, 'the statistics to hold the whole year');
  });
  afterAll(() => service?.stop());

  /** Every published cell of the table is the count here; returns how many were published. */
  function agrees(table: Table, expected: (row: string, column: string) => number): number {
    let published = 0;
    table.rows.forEach((row, r) =>
      table.columns.forEach((column, c) => {
        const cell = table.cells[r][c];
        if (cell === 'suppressed') return;
        published++;
        expect({ row, column, count: cell }).toEqual({ row, column, count: expected(row, column) });
      }),
    );
    return published;
  }

  it('is planned from its seed: the same seed, the same year; half the victims children', () => {
    expect(planYear(7, 0.5)).toEqual(plan);
    expect(planYear(8, 0.5)).not.toEqual(plan);
    expect(count(victims, (v) => v.ageGroup === 'child')).toBe(Math.ceil(victims.length / 2));
  });

  it('counts the people by group and age, and by how they came into contact', () => {
    expect(agrees(stats.tables.individualsByGroup, (group, age) => count(plan.people, (p) => p.category === group && p.ageGroup === age))).toBeGreaterThan(3);
    expect(stats.tables.individualsByGroup.total).toBe(plan.people.length);
    agrees(stats.tables.individualsByContact, (group, contact) => count(plan.people, (p) => p.category === group && p.contact === contact));
  });

  it('counts victims by support, and their cooperation with and without it', () => {
    agrees(stats.tables.victimsBySupport, (kind) => count(victims, (v) => v.support.includes(kind as never)));
    agrees(stats.tables.cooperationBySupport, (row, column) =>
      count(victims, (v) => v.support.length > 0 === (row === 'protection or support') && v.cooperated === (column === 'cooperated')),
    );
    agrees(stats.tables.victimsByCountry, (country) => count(victims, (v) => v.originCountry === country));
  });

  it('counts reflection periods and residence permits applied for and granted', () => {
    const of = (row: string) => (v: PlannedPerson) => (row === 'reflection period' ? v.reflectionPeriod : v.residencePermit);
    const expected = (row: string, column: string) => count(victims, (v) => of(row)(v) !== null && of(row)(v)!.granted === (column === 'granted'));
    agrees(stats.tables.residence, expected);
    const applied = (row: string) => expected(row, 'granted') + expected(row, 'not granted');
    stats.tables.residence.rows.forEach((row, r) => expect([applied(row), 'suppressed']).toContain(stats.tables.residence.rowTotals[r]));
    expect(applied('reflection period')).toBeGreaterThan(0);
  });

  it('counts investigations by outcome and judgments per defendant by offence', () => {
    agrees(stats.tables.investigationsByOutcome, (outcome) => count(victims, (v) => v.investigation?.outcome === outcome));
    agrees(stats.tables.judgmentsByOffence, (offence, verdict) =>
      count(victims, (v) => v.prosecution?.charge === offence && v.prosecution.verdict === verdict),
    );
    const months = victims.flatMap((v) => (v.prosecution?.prisonMonths ? [v.prosecution.prisonMonths] : [])).sort((a, b) => a - b);
    if (months.length >= 5) {
      const mid = Math.floor(months.length / 2);
      const median = months.length % 2 ? months[mid] : (months[mid - 1] + months[mid]) / 2;
      expect(stats.figures.prisonMonths).toEqual({ n: months.length, median, min: months[0], max: months[months.length - 1] });
    } else expect(stats.figures.prisonMonths).toBe('suppressed');
  });
});
