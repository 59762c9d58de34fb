import { CaseFacts, NOTHING_YET } from './case-facts';
import { PublishedTable } from './disclosure-control';
import { statisticsCsv, statisticsOf } from './statistics';

const regionOf = (municipality: string) => ({ malmo: 'skane', lund: 'skane', stockholm: 'stockholm' })[municipality];

let n = 0;
/** A case opened in 2026 about a new person, unless told otherwise. */
function fact(fields: Partial<CaseFacts> = {}): CaseFacts {
  n += 1;
  return {
    caseId: `c-${n}`,
    openedAt: '2026-03-01T10:00:00Z',
    city: 'malmo',
    subjectId: `p-${n}`,
    category: 'victim',
    ageGroup: 'adult',
    gender: 'female',
    originCountry: 'RO',
    originRegion: 'eastern-europe',
    exploitation: 'sexual-exploitation',
    contact: null,
    ...NOTHING_YET,
    ...fields,
  };
}
const times = <T>(count: number, make: () => T) => Array.from({ length: count }, make);

describe('the figures of a year', () => {
  it('counts people, not cases: a person with two cases in the year is one', () => {
    const twice = fact();
    const facts = [twice, { ...fact(), subjectId: twice.subjectId }, ...times(9, () => fact())];
    const stats = statisticsOf(facts, { year: 2026, region: null, threshold: 5 }, regionOf);
    expect(stats.tables.individualsByGroup.columnTotals).toEqual([0, 10, 0]);
    expect(stats.tables.individualsByGroup.total).toBe(10);
  });

  it('counts the year the person was met, and the region of the case', () => {
    const facts = [...times(6, () => fact()), ...times(7, () => fact({ city: 'stockholm' })), ...times(8, () => fact({ openedAt: '2025-12-31T23:00:00Z' }))];
    expect(statisticsOf(facts, { year: 2026, region: 'skane', threshold: 5 }, regionOf).tables.individualsByGroup.total).toBe(6);
    expect(statisticsOf(facts, { year: 2026, region: null, threshold: 5 }, regionOf).tables.individualsByGroup.total).toBe(13);
    expect(statisticsOf(facts, { year: 2025, region: null, threshold: 5 }, regionOf).tables.individualsByGroup.total).toBe(8);
  });

  it('gives the cooperation of victims who received protection or support against those who did not, with the counts behind it', () => {
    const facts = [
      ...times(12, () => fact({ supportKinds: ['shelter'], cooperated: true })),
      ...times(6, () => fact({ supportKinds: ['protection'], cooperated: false })),
      ...times(5, () => fact({ cooperated: true })),
      ...times(15, () => fact({ cooperated: false })),
    ];
    const stats = statisticsOf(facts, { year: 2026, region: null, threshold: 5 }, regionOf);
    expect(stats.tables.cooperationBySupport.cells).toEqual([
      [12, 6],
      [5, 15],
    ]);
    expect(stats.figures.cooperationRate).toEqual({ supported: 0.67, notSupported: 0.25 });
  });

  it('suppresses small counts, and the rate and the median that would rest on them', () => {
    const facts = [
      ...times(3, () => fact({ supportKinds: ['shelter'], cooperated: true })),
      ...times(20, () => fact({ cooperated: false })),
      ...times(2, () =>
        fact({
          judgments: [{ defendantId: 'd', verdict: 'convicted', offences: ['procuring'], sentence: { kind: 'prison', months: 30 }, decidedOn: '2026-09-01' }],
        }),
      ),
    ];
    const stats = statisticsOf(facts, { year: 2026, region: null, threshold: 5 }, regionOf);
    expect(stats.tables.cooperationBySupport.cells[0][0]).toBe('suppressed');
    expect(stats.figures.cooperationRate.supported).toBe('suppressed');
    expect(stats.figures.prisonMonths).toBe('suppressed');
  });

  it('gives investigations by outcome with the median days to it, judgments per defendant by offence, and prison months', () => {
    const investigation = (days: number) => ({
      investigationId: `i-${days}`,
      openedAt: '2026-03-01T00:00:00Z',
      closedAt: new Date(Date.parse('2026-03-01T00:00:00Z') + days * 86_400_000).toISOString(),
      outcome: 'charges-filed' as const,
    });
    const judgment = (months: number) => ({
      defendantId: `d-${months}`,
      verdict: 'convicted' as const,
      offences: ['trafficking-in-human-beings' as const],
      sentence: { kind: 'prison' as const, months },
      decidedOn: '2026-10-01',
    });
    const facts = [10, 20, 30, 40, 50, 60].map((m) => fact({ investigations: [investigation(m)], judgments: [judgment(m)] }));
    const stats = statisticsOf(facts, { year: 2026, region: null, threshold: 5 }, regionOf);
    expect(stats.tables.investigationsByOutcome.rowTotals[stats.tables.investigationsByOutcome.rows.indexOf('charges-filed')]).toBe(6);
    expect(stats.figures.investigationDaysToOutcome).toEqual({ n: 6, median: 35 });
    expect(stats.figures.prisonMonths).toEqual({ n: 6, median: 35, min: 10, max: 60 });
    const t = stats.tables.judgmentsByOffence;
    expect(t.cells[t.rows.indexOf('trafficking-in-human-beings')][t.columns.indexOf('convicted')]).toBe(6);
  });

  it('writes every published number as a CSV line a spreadsheet opens', () => {
    const csv = statisticsCsv(
      statisticsOf(
        times(7, () => fact()),
        { year: 2026, region: null, threshold: 5 },
        regionOf,
      ),
    );
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('table,row,column,value');
    expect(lines).toContain('individualsByGroup,victim,adult,7');
    expect(lines).toContain('figures,prison months,median,suppressed');
    expect(lines.every((line) => line.split(',').length === 4)).toBe(true);
  });
});

describe('the figures of the country and of its regions, together', () => {
  const stats = (facts: CaseFacts[], region: string | null) => statisticsOf(facts, { year: 2026, region, threshold: 5 }, regionOf);
  const cellOf = (t: PublishedTable, row: string, column: string) => t.cells[t.rows.indexOf(row)][t.columns.indexOf(column)];

  it("does not give a region's suppressed count away as the country's less the other regions'", () => {
    const facts = [
      ...times(7, () => fact({ ageGroup: 'adult' })),
      ...times(3, () => fact({ ageGroup: 'child' })),
      ...times(6, () => fact({ ageGroup: 'unknown' })),
      ...times(6, () => fact({ city: 'stockholm', ageGroup: 'adult' })),
      ...times(6, () => fact({ city: 'stockholm', ageGroup: 'child' })),
      ...times(6, () => fact({ city: 'stockholm', ageGroup: 'unknown' })),
    ];
    const [country, skane, stockholm] = [stats(facts, null), stats(facts, 'skane'), stats(facts, 'stockholm')];
    expect(cellOf(skane.tables.individualsByGroup, 'victim', 'child')).toBe('suppressed');
    const countryChildren = cellOf(country.tables.individualsByGroup, 'victim', 'child');
    const stockholmChildren = cellOf(stockholm.tables.individualsByGroup, 'victim', 'child');
    expect(countryChildren === 'suppressed' || stockholmChildren === 'suppressed').toBe(true);
  });

  it("does not give a region's few prison sentences away by the counts the other regions' medians rest on", () => {
    const convicted = (months: number) => ({
      defendantId: `d-${months}`,
      verdict: 'convicted' as const,
      offences: ['procuring' as const],
      sentence: { kind: 'prison' as const, months },
      decidedOn: '2026-10-01',
    });
    const facts = [
      ...[6, 8, 10, 12, 14, 16].map((m) => fact({ judgments: [convicted(m)] })),
      ...[20, 30, 40].map((m) => fact({ city: 'stockholm', judgments: [convicted(m)] })),
    ];
    expect(stats(facts, 'stockholm').figures.prisonMonths).toBe('suppressed');
    const [country, skane] = [stats(facts, null).figures.prisonMonths, stats(facts, 'skane').figures.prisonMonths];
    expect(country === 'suppressed' || skane === 'suppressed').toBe(true);
  });

  it('suppresses a count the same way in every table that shows it', () => {
    // Two sex buyers who are children: protecting them by the victims' children in one table would be undone by
    // another table that publishes the victims' children.
    const facts = [
      ...times(2, () => fact({ category: 'sex-buyer', ageGroup: 'child' })),
      ...times(10, () => fact({ category: 'sex-buyer', ageGroup: 'adult' })),
      ...times(3, () => fact({ ageGroup: 'child', gender: 'female' })),
      ...times(2, () => fact({ ageGroup: 'child', gender: 'male', originCountry: 'NG', originRegion: 'west-africa' })),
      ...times(8, () => fact({ ageGroup: 'adult', gender: 'female' })),
      ...times(9, () => fact({ ageGroup: 'unknown', gender: 'female' })),
    ];
    const { tables } = stats(facts, null);
    const victimsOfAge = (age: string) => [
      cellOf(tables.individualsByGroup, 'victim', age),
      tables.victimsByAgeAndGender.rowTotals[tables.victimsByAgeAndGender.rows.indexOf(age)],
      tables.victimsByOriginAndAge.columnTotals[tables.victimsByOriginAndAge.columns.indexOf(age)],
      tables.victimsByExploitationAndAge.columnTotals[tables.victimsByExploitationAndAge.columns.indexOf(age)],
    ];
    for (const age of ['child', 'adult', 'unknown']) expect({ age, shown: new Set(victimsOfAge(age)).size }).toEqual({ age, shown: 1 });
    expect(cellOf(tables.individualsByGroup, 'sex-buyer', 'child')).toBe('suppressed');
  });
});
