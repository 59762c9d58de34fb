import {
  AGE_GROUPS,
  CONTACT_TYPES,
  EXPLOITATION_FORMS,
  GENDERS,
  INVESTIGATION_OUTCOMES,
  OFFENCES,
  ORIGIN_REGIONS,
  SUBJECT_CATEGORIES,
  SUPPORT_KINDS,
  SupportKind,
  VERDICTS,
} from '../cases/case.model';
import { CaseFacts } from './case-facts';
import { Cell, CountTable, publish, PublishedTable } from './disclosure-control';

/**
 * The figures the work is judged by, for one year and optionally one region: the people met in the year (the
 * subjects of cases opened in it, each person once however many cases they have) and what has come of them so
 * far. Every table is published through disclosure control (disclosure-control.ts); a figure computed from
 * individual values (a median, a range) is published only when it rests on at least `threshold` of them.
 */
export interface StatisticsQuery {
  readonly year: number;
  /** A region id of the registry; null: the whole country. */
  readonly region: string | null;
  readonly threshold: number;
}

export interface Statistics {
  readonly year: number;
  readonly region: string | null;
  readonly threshold: number;
  readonly basis: string;
  readonly tables: Readonly<Record<TableName, PublishedTable>>;
  readonly figures: {
    /** Days from an investigation's opening to its outcome, of those closed. */
    readonly investigationDaysToOutcome: SmallFigure<{ median: number }>;
    /** Months of prison in convictions, per defendant. */
    readonly prisonMonths: SmallFigure<{ median: number; min: number; max: number }>;
    /** Of the victims who received protection or support, and of those who did not, the share that cooperated. */
    readonly cooperationRate: { readonly supported: number | 'suppressed'; readonly notSupported: number | 'suppressed' };
  };
}

type SmallFigure<T> = ({ readonly n: number } & T) | 'suppressed';

export const TABLE_NAMES = [
  'individualsByGroup',
  'individualsByContact',
  'individualsByMunicipality',
  'victimsByAgeAndGender',
  'victimsByOriginAndAge',
  'victimsByCountry',
  'victimsByExploitationAndAge',
  'victimsBySupport',
  'cooperationBySupport',
  'investigationsByOutcome',
  'prosecutions',
  'judgmentsByOffence',
  'residence',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export const STATISTICS_BASIS =
  'the people met in the year, counted once each: the subjects of cases opened in it; and what has come of their cases so far';

/** The figures of the facts of every case, for the query; `regionOf` names the region of a municipality. */
export function statisticsOf(all: readonly CaseFacts[], query: StatisticsQuery, regionOf: (municipality: string) => string | undefined): Statistics {
  const cases = all.filter((f) => yearOf(f.openedAt) === query.year && (query.region === null || regionOf(f.city) === query.region));
  const people = byPerson(cases);
  const victims = people.filter((p) => p.first.category === 'victim');
  const supported = (p: Person) => p.supportKinds.size > 0;
  const investigations = cases.flatMap((c) => c.investigations);
  const judgments = cases.flatMap((c) => c.judgments);
  const convictions = judgments.filter((j) => j.verdict === 'convicted');
  const count = <T>(items: readonly T[], test: (item: T) => boolean) => items.filter(test).length;
  const grid = (rows: readonly string[], columns: readonly string[], n: (row: string, column: string) => number): CountTable => ({
    rows,
    columns,
    counts: rows.map((row) => columns.map((column) => n(row, column))),
  });
  const orUnknown = (value: string | null) => value ?? 'not recorded';
  const countries = [...new Set(victims.map((v) => orUnknown(v.first.originCountry)))].sort();
  const tables: Record<TableName, CountTable> = {
    individualsByGroup: grid(SUBJECT_CATEGORIES, AGE_GROUPS, (group, age) => count(people, (p) => p.first.category === group && p.first.ageGroup === age)),
    individualsByContact: grid(SUBJECT_CATEGORIES, [...CONTACT_TYPES, 'not recorded'], (group, contact) =>
      count(people, (p) => p.first.category === group && orUnknown(p.first.contact) === contact),
    ),
    individualsByMunicipality: grid([...new Set(people.map((p) => p.first.city))].sort(), ['victims', 'others'], (municipality, column) =>
      count(people, (p) => p.first.city === municipality && (p.first.category === 'victim') === (column === 'victims')),
    ),
    victimsByAgeAndGender: grid(AGE_GROUPS, [...GENDERS, 'not recorded'], (age, gender) => count(victims, (v) => v.first.ageGroup === age && orUnknown(v.first.gender) === gender)),
    victimsByOriginAndAge: grid([...ORIGIN_REGIONS, 'not recorded'], AGE_GROUPS, (origin, age) => count(victims, (v) => orUnknown(v.first.originRegion) === origin && v.first.ageGroup === age)),
    victimsByCountry: grid(countries, ['victims'], (country) => count(victims, (v) => orUnknown(v.first.originCountry) === country)),
    victimsByExploitationAndAge: grid([...EXPLOITATION_FORMS, 'not recorded'], AGE_GROUPS, (form, age) => count(victims, (v) => orUnknown(v.first.exploitation) === form && v.first.ageGroup === age)),
    victimsBySupport: grid(SUPPORT_KINDS, ['victims'], (kind) => count(victims, (v) => v.supportKinds.has(kind as SupportKind))),
    cooperationBySupport: grid(['protection or support', 'neither'], ['cooperated', 'did not cooperate'], (row, column) =>
      count(victims, (v) => supported(v) === (row === 'protection or support') && v.cooperated === (column === 'cooperated')),
    ),
    investigationsByOutcome: grid([...INVESTIGATION_OUTCOMES, 'open'], ['investigations'], (outcome) => count(investigations, (i) => (i.outcome ?? 'open') === outcome)),
    prosecutions: grid(['prosecutions initiated', 'defendants prosecuted'], ['count'], (row) =>
      cases.flatMap((c) => c.prosecutions).reduce((n, p) => n + (row === 'prosecutions initiated' ? 1 : p.defendants), 0),
    ),
    judgmentsByOffence: grid(OFFENCES, VERDICTS, (offence, verdict) => count(judgments, (j) => j.verdict === verdict && j.offences.includes(offence as never))),
    residence: grid(['reflection period', 'residence permit'], ['applied for', 'granted'], (row, column) => {
      const of = (f: CaseFacts) => (row === 'reflection period' ? f.reflectionPeriods : f.residencePermits);
      return cases.reduce((n, f) => n + (column === 'granted' ? of(f).granted : of(f).applied), 0);
    }),
  };
  const published = Object.fromEntries(TABLE_NAMES.map((name) => [name, publish(tables[name], query.threshold)])) as Record<TableName, PublishedTable>;
  const days = investigations.filter((i) => i.closedAt !== null).map((i) => (Date.parse(i.closedAt!) - Date.parse(i.openedAt)) / 86_400_000);
  const months = convictions.map((j) => (j.sentence?.kind === 'prison' ? j.sentence.months : null)).filter((m): m is number => m !== null);
  return {
    year: query.year,
    region: query.region,
    threshold: query.threshold,
    basis: STATISTICS_BASIS,
    tables: published,
    figures: {
      investigationDaysToOutcome: days.length >= query.threshold ? { n: days.length, median: round(median(days)) } : 'suppressed',
      prisonMonths: months.length >= query.threshold ? { n: months.length, median: median(months), min: Math.min(...months), max: Math.max(...months) } : 'suppressed',
      cooperationRate: rates(published.cooperationBySupport),
    },
  };
}

interface Person {
  readonly first: CaseFacts;
  readonly supportKinds: Set<SupportKind>;
  readonly cooperated: boolean;
}

/** Each person once: the descriptors of their first case of the year, what any of their cases gave them. */
function byPerson(cases: readonly CaseFacts[]): Person[] {
  const people = new Map<string, { first: CaseFacts; supportKinds: Set<SupportKind>; cooperated: boolean }>();
  for (const f of [...cases].sort((a, b) => a.openedAt.localeCompare(b.openedAt))) {
    const person = people.get(f.subjectId) ?? { first: f, supportKinds: new Set<SupportKind>(), cooperated: false };
    for (const kind of f.supportKinds) person.supportKinds.add(kind);
    person.cooperated ||= f.cooperated;
    people.set(f.subjectId, person);
  }
  return [...people.values()];
}

/** The share that cooperated in each row of the published table, where both counts behind it are published. */
function rates(table: PublishedTable): Statistics['figures']['cooperationRate'] {
  const rate = (row: readonly Cell[]) => {
    const [yes, no] = row;
    if (yes === 'suppressed' || no === 'suppressed' || yes + no === 0) return 'suppressed' as const;
    return round(yes / (yes + no));
  };
  return { supported: rate(table.cells[0]), notSupported: rate(table.cells[1]) };
}

function yearOf(timestamp: string): number {
  return new Date(timestamp).getUTCFullYear();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The statistics as CSV, one published number a line: table, row, column, value ("suppressed" where suppressed). */
export function statisticsCsv(statistics: Statistics): string {
  const lines = [['table', 'row', 'column', 'value']];
  for (const name of TABLE_NAMES) {
    const t = statistics.tables[name];
    t.rows.forEach((row, r) => {
      t.columns.forEach((column, c) => lines.push([name, row, column, String(t.cells[r][c])]));
      lines.push([name, row, 'total', String(t.rowTotals[r])]);
    });
    t.columns.forEach((column, c) => lines.push([name, 'total', column, String(t.columnTotals[c])]));
    lines.push([name, 'total', 'total', String(t.total)]);
  }
  const { investigationDaysToOutcome: days, prisonMonths: months, cooperationRate } = statistics.figures;
  const figure = (name: string, column: string, value: number | string) => lines.push(['figures', name, column, String(value)]);
  if (days === 'suppressed') {
    figure('investigation days to outcome', 'median', days);
  } else {
    figure('investigation days to outcome', 'n', days.n);
    figure('investigation days to outcome', 'median', days.median);
  }
  if (months === 'suppressed') figure('prison months', 'median', months);
  else for (const key of ['n', 'median', 'min', 'max'] as const) figure('prison months', key, months[key]);
  figure('cooperation rate', 'protection or support', cooperationRate.supported);
  figure('cooperation rate', 'neither', cooperationRate.notSupported);
  return lines.map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
