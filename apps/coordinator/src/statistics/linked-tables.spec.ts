import fc from 'fast-check';
import { solve } from 'yalps';
import { AGE_GROUPS, SUBJECT_CATEGORIES } from '../cases/case.model';
import { CaseFacts, NOTHING_YET } from './case-facts';
import { Cell, PublishedTable } from './disclosure-control';
import { statisticsOf, TABLE_NAMES } from './statistics';

const REGION_OF: Record<string, string> = { malmo: 'skane', lund: 'skane', stockholm: 'stockholm' };
const PUBLISHED_REGIONS = ['skane', 'stockholm'];
/** Where a case's municipality is in no listed region, its people are the country's and no region's. */
const ALL_REGIONS = [...PUBLISHED_REGIONS, 'elsewhere'];

/**
 * An attacker of its own, sharing no code with the module: for one table, the counts of each region (the
 * unlisted one too) are unknowns, and every number published for the country and for each region is an
 * equation between them. Returns, for each suppressed entry of any of the published tables, its least and
 * greatest possible value, by linear programming.
 */
function attack(published: Record<string, PublishedTable>): { at: string; min: number; max: number }[] {
  const country = published.country;
  // Rows of a region's own (its municipalities) are the unlisted region's only where no listed region has them.
  const shared = (row: string) => PUBLISHED_REGIONS.every((r) => published[r].rows.includes(row));
  const rowsOf = (region: string) =>
    region === 'elsewhere'
      ? country.rows.filter((row) => shared(row) || !PUBLISHED_REGIONS.some((r) => published[r].rows.includes(row)))
      : published[region].rows;
  const variable = (region: string, row: string, column: string) => `${region}/${row}/${column}`;
  type Term = string[];
  const equations: { terms: Term; value: number }[] = [];
  const suppressed: { at: string; terms: Term }[] = [];
  for (const [slice, table] of Object.entries(published)) {
    const regions = slice === 'country' ? ALL_REGIONS : [slice];
    const cellTerms = (row: string | null, column: string | null): Term =>
      regions.flatMap((region) =>
        rowsOf(region)
          .filter((r) => row === null || r === row)
          .flatMap((r) => table.columns.filter((c) => column === null || c === column).map((c) => variable(region, r, c))),
      );
    const entries: [string, Term, Cell][] = [
      ...table.rows.flatMap((row, r) =>
        table.columns.map((column, c) => [`${slice} ${row}/${column}`, cellTerms(row, column), table.cells[r][c]] as [string, Term, Cell]),
      ),
      ...table.rows.map((row, r) => [`${slice} ${row}/total`, cellTerms(row, null), table.rowTotals[r]] as [string, Term, Cell]),
      ...table.columns.map((column, c) => [`${slice} total/${column}`, cellTerms(null, column), table.columnTotals[c]] as [string, Term, Cell]),
      [`${slice} total`, cellTerms(null, null), table.total],
    ];
    for (const [at, terms, value] of entries) {
      if (value === 'suppressed') suppressed.push({ at, terms });
      else equations.push({ terms, value });
    }
  }
  const constraints: Record<string, { equal: number }> = {};
  const variables: Record<string, Record<string, number>> = {};
  equations.forEach(({ terms, value }, i) => {
    constraints[`e${i}`] = { equal: value };
    for (const name of terms) (variables[name] ??= {})[`e${i}`] = 1;
  });
  return suppressed.map(({ at, terms }) => {
    const bound = (direction: 'minimize' | 'maximize') => {
      const withObjective = Object.fromEntries(Object.entries(variables).map(([name, row]) => [name, { ...row, objective: terms.includes(name) ? 1 : 0 }]));
      for (const name of terms) withObjective[name] ??= { objective: 1 };
      const solution = solve({ direction, objective: 'objective', constraints, variables: withObjective });
      return solution.status === 'unbounded' ? Number.POSITIVE_INFINITY : solution.result;
    };
    return { at, min: bound('minimize'), max: bound('maximize') };
  });
}

const person = fc.record({
  city: fc.constantFrom('malmo', 'malmo', 'lund', 'stockholm', 'atlantis'),
  category: fc.constantFrom(...SUBJECT_CATEGORIES.slice(0, 3), 'victim', 'victim'),
  ageGroup: fc.constantFrom(...AGE_GROUPS),
  gender: fc.constantFrom('female', 'female', 'male'),
  originCountry: fc.constantFrom('RO', 'RO', 'NG', 'EE', null),
  supported: fc.boolean(),
  cooperated: fc.boolean(),
});

describe('the figures of the country and its regions, attacked together', () => {
  it('leave every suppressed count of every table with more than one possible value, whatever the year', () => {
    fc.assert(
      fc.property(fc.array(person, { minLength: 10, maxLength: 60 }), (people) => {
        const facts: CaseFacts[] = people.map((p, i) => ({
          caseId: `c-${i}`,
          openedAt: '2026-05-01T10:00:00Z',
          city: p.city,
          subjectId: `p-${i}`,
          category: p.category as CaseFacts['category'],
          ageGroup: p.ageGroup,
          gender: p.gender as CaseFacts['gender'],
          originCountry: p.originCountry,
          originRegion: null,
          exploitation: 'sexual-exploitation',
          contact: null,
          ...NOTHING_YET,
          supportKinds: p.supported ? ['shelter'] : [],
          cooperated: p.cooperated,
        }));
        const of = (region: string | null) => statisticsOf(facts, { year: 2026, region, threshold: 5 }, (m) => REGION_OF[m]).tables;
        const slices = { country: of(null), skane: of('skane'), stockholm: of('stockholm') };
        for (const name of TABLE_NAMES) {
          const published = Object.fromEntries(Object.entries(slices).map(([slice, tables]) => [slice, tables[name]]));
          for (const { at, min, max } of attack(published)) expect({ table: name, at, open: max - min > 1e-6 }).toEqual({ table: name, at, open: true });
        }
      }),
      { numRuns: 10 },
    );
  });
});
