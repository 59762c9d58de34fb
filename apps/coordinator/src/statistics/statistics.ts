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
  originRegionOf,
  SupportKind,
  VERDICTS,
} from '../cases/case.model';
import { CaseFacts } from './case-facts';
import { Cell, PublishedTable } from './disclosure-control';
import { Counted, Dimension, publishLinked, TableSpec } from './linked-tables';

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
    /** Days from an investigation's opening to its outcome, of those closed; `n` is suppressed with the tables. */
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
  'defendants',
  'judgmentsByOffence',
  'residence',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export const STATISTICS_BASIS =
  'the people met in the year, counted once each: the subjects of cases opened in it, in the region of their first case; and what has come of their cases so far';

const VICTIMS = { group: 'victim' } as const;
const OF_VICTIMS = { dimension: 'victim', value: 'victims' } as const;

/** The tables, each a population by two of its dimensions (or one, against a labelled column). */
const TABLES: Readonly<Record<TableName, TableSpec>> = {
  individualsByGroup: { population: 'people', rows: { dimension: 'group' }, columns: { dimension: 'age' } },
  individualsByContact: { population: 'people', rows: { dimension: 'group' }, columns: { dimension: 'contact' } },
  individualsByMunicipality: { population: 'people', rows: { dimension: 'municipality' }, columns: { dimension: 'victim' } },
  victimsByAgeAndGender: { population: 'people', where: VICTIMS, rows: { dimension: 'age' }, columns: { dimension: 'gender' } },
  victimsByOriginAndAge: { population: 'people', where: VICTIMS, rows: { dimension: 'origin' }, columns: { dimension: 'age' } },
  victimsByCountry: { population: 'people', where: VICTIMS, rows: { dimension: 'country' }, columns: { label: 'victims' } },
  victimsByExploitationAndAge: { population: 'people', where: VICTIMS, rows: { dimension: 'exploitation' }, columns: { dimension: 'age' } },
  victimsBySupport: { population: 'support', rows: { dimension: 'kind' }, columns: { label: 'victims' } },
  cooperationBySupport: { population: 'people', where: VICTIMS, rows: { dimension: 'supported' }, columns: { dimension: 'cooperated' } },
  investigationsByOutcome: { population: 'investigations', rows: { dimension: 'outcome' }, columns: { label: 'investigations' } },
  prosecutions: { population: 'prosecutions', rows: { dimension: 'defendants' }, columns: { label: 'prosecutions' } },
  defendants: { population: 'defendants', rows: { label: 'prosecuted' }, columns: { label: 'defendants' } },
  judgmentsByOffence: { population: 'judgments', rows: { dimension: 'offence' }, columns: { dimension: 'verdict' } },
  residence: { population: 'applications', rows: { dimension: 'application' }, columns: { dimension: 'decision' } },
};

/**
 * The counts a figure rests on (how many closed investigations a median time is of), suppressed with the tables:
 * published beside the figure, a region's could otherwise be worked out from the country's and the others'.
 */
const FIGURE_COUNTS = {
  closedInvestigations: { population: 'investigations', where: { state: 'closed' }, rows: { label: 'closed' }, columns: { label: 'investigations' } },
  prisonSentences: { population: 'prison sentences', rows: { label: 'convicted' }, columns: { label: 'prison sentences' } },
} as const satisfies Record<string, TableSpec>;

/** Whether a figure may be published: the count it rests on is, and is at least the threshold. */
function published(count: PublishedTable, threshold: number): boolean {
  return count.total !== 'suppressed' && count.total >= threshold;
}

const NOT_RECORDED = 'not recorded';
const SUPPORTED = ['protection or support', 'neither'] as const;
const COOPERATED = ['cooperated', 'did not cooperate'] as const;

/** The figures of the facts of every case, for the query; `regionOf` names the region of a municipality. */
export function statisticsOf(all: readonly CaseFacts[], query: StatisticsQuery, regionOf: (municipality: string) => string | undefined): Statistics {
  const cases = all.filter((f) => yearOf(f.openedAt) === query.year);
  const regionOfCity = (city: string) => regionOf(city) ?? NOT_RECORDED;
  const people = byPerson(cases);
  const counted = countedOf(cases, people, regionOfCity);
  const observed = (dimension: string) => [...new Set(counted.flatMap((c) => c.values[dimension] ?? []))].sort();
  const countries = observed('country').filter((c) => c !== NOT_RECORDED);
  const dimensions: Record<string, Dimension> = {
    group: { values: SUBJECT_CATEGORIES, within: { dimension: 'victim', of: (group) => (group === 'victim' ? 'victims' : 'others') } },
    victim: { values: ['victims', 'others'] },
    age: { values: AGE_GROUPS },
    contact: { values: [...CONTACT_TYPES, NOT_RECORDED] },
    gender: { values: [...GENDERS, NOT_RECORDED], only: OF_VICTIMS },
    origin: { values: [...ORIGIN_REGIONS, NOT_RECORDED], only: OF_VICTIMS },
    country: {
      values: [...countries, NOT_RECORDED],
      only: OF_VICTIMS,
      within: { dimension: 'origin', of: (country) => (country === NOT_RECORDED ? undefined : originRegionOf(country)) },
    },
    exploitation: { values: [...EXPLOITATION_FORMS, NOT_RECORDED], only: OF_VICTIMS },
    supported: { values: SUPPORTED, only: OF_VICTIMS },
    cooperated: { values: COOPERATED, only: OF_VICTIMS },
    kind: { values: SUPPORT_KINDS },
    outcome: { values: [...INVESTIGATION_OUTCOMES, 'open'], within: { dimension: 'state', of: (outcome) => (outcome === 'open' ? 'open' : 'closed') } },
    state: { values: ['closed', 'open'] },
    defendants: { values: DEFENDANT_COUNTS },
    offence: { values: OFFENCES },
    verdict: { values: VERDICTS },
    application: { values: APPLICATIONS },
    decision: { values: ['granted', 'not granted'] },
    municipality: { values: observed('municipality'), within: { dimension: 'region', of: regionOfCity } },
    region: { values: [...new Set([...observed('region'), ...(query.region ? [query.region] : [])])].sort() },
  };
  const slices = [{}, ...dimensions.region.values.filter((r) => r !== NOT_RECORDED).map((region) => ({ region }))];
  const tablesOf = publishLinked(counted, dimensions, { ...TABLES, ...FIGURE_COUNTS }, slices, query.threshold);
  const { closedInvestigations, prisonSentences, ...tables } = tablesOf(query.region === null ? {} : { region: query.region });
  const inSlice = cases.filter((f) => query.region === null || regionOfCity(f.city) === query.region);
  const days = inSlice
    .flatMap((f) => f.investigations)
    .filter((i) => i.closedAt !== null)
    .map((i) => (Date.parse(i.closedAt!) - Date.parse(i.openedAt)) / 86_400_000);
  const months = inSlice
    .flatMap((f) => f.judgments)
    .filter((j) => j.verdict === 'convicted')
    .map((j) => (j.sentence?.kind === 'prison' ? j.sentence.months : null))
    .filter((m): m is number => m !== null);
  return {
    year: query.year,
    region: query.region,
    threshold: query.threshold,
    basis: STATISTICS_BASIS,
    tables,
    figures: {
      investigationDaysToOutcome: published(closedInvestigations, query.threshold) ? { n: days.length, median: round(median(days)) } : 'suppressed',
      prisonMonths: published(prisonSentences, query.threshold)
        ? { n: months.length, median: median(months), min: Math.min(...months), max: Math.max(...months) }
        : 'suppressed',
      cooperationRate: rates(tables.cooperationBySupport),
    },
  };
}

const DEFENDANT_COUNTS = ['1', '2', '3 or more'] as const;
const APPLICATIONS = ['reflection period', 'residence permit'] as const;

/** What is counted, with its values: each person (in the region of their first case), and what came of the cases. */
function countedOf(cases: readonly CaseFacts[], people: readonly Person[], regionOfCity: (city: string) => string): Counted[] {
  const where = (city: string) => ({ municipality: city, region: regionOfCity(city) });
  const orUnknown = (value: string | null) => value ?? NOT_RECORDED;
  const counted: Counted[] = [];
  for (const { first, supportKinds, cooperated } of people) {
    const values: Record<string, string> = {
      ...where(first.city),
      group: first.category,
      victim: first.category === 'victim' ? 'victims' : 'others',
      age: first.ageGroup,
      contact: orUnknown(first.contact),
    };
    if (first.category === 'victim') {
      Object.assign(values, {
        gender: orUnknown(first.gender),
        country: orUnknown(first.originCountry),
        // From the country where there is one, as the figures count regions of origin now.
        origin: first.originCountry ? originRegionOf(first.originCountry) : orUnknown(first.originRegion),
        exploitation: orUnknown(first.exploitation),
        supported: supportKinds.size > 0 ? SUPPORTED[0] : SUPPORTED[1],
        cooperated: cooperated ? COOPERATED[0] : COOPERATED[1],
      });
      for (const kind of supportKinds) counted.push({ population: 'support', values: { ...where(first.city), kind } });
    }
    counted.push({ population: 'people', values });
  }
  for (const f of cases) {
    const at = where(f.city);
    for (const i of f.investigations)
      counted.push({ population: 'investigations', values: { ...at, outcome: i.outcome ?? 'open', state: i.outcome ? 'closed' : 'open' } });
    for (const p of f.prosecutions) {
      counted.push({ population: 'prosecutions', values: { ...at, defendants: DEFENDANT_COUNTS[Math.min(p.defendants, 3) - 1] ?? DEFENDANT_COUNTS[0] } });
      for (let d = 0; d < p.defendants; d++) counted.push({ population: 'defendants', values: at });
    }
    for (const j of f.judgments) {
      for (const offence of j.offences) counted.push({ population: 'judgments', values: { ...at, offence, verdict: j.verdict } });
      if (j.verdict === 'convicted' && j.sentence?.kind === 'prison') counted.push({ population: 'prison sentences', values: at });
    }
    APPLICATIONS.forEach((application, a) => {
      const { applied, granted } = a === 0 ? f.reflectionPeriods : f.residencePermits;
      for (let n = 0; n < applied; n++)
        counted.push({ population: 'applications', values: { ...at, application, decision: n < granted ? 'granted' : 'not granted' } });
    });
  }
  return counted;
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
