import { Cell, Line, PublishedTable, suppress } from './disclosure-control';

/**
 * Tables of counts cut from the same things counted, published together: every table for the country and for
 * each region, through one disclosure control, so that no table, nor any sum or difference of tables (the
 * country less the other regions; one table's victims' total against another's), gives a suppressed count away.
 *
 * A count is named by what it counts: a population and a value for some of its dimensions, like
 * `people|age=child|group=victim`. Two tables that show the same count show the same name, and the lines
 * between counts are found from the names: a count is the sum of the counts that add one more dimension to it
 * (the victims are the child, adult and unknown-age victims; a region's victims are its municipalities'; a
 * region of origin's victims are its countries', with those whose country was not recorded).
 */

/** A way of classifying what is counted: its values, in the order they are published. */
export interface Dimension {
  readonly values: readonly string[];
  /** The coarser dimension each value lies within, if any: a municipality's region. */
  readonly within?: { readonly dimension: string; readonly of: (value: string) => string | undefined };
  /** Where the dimension applies at all: a victim's country of origin, not a sex buyer's. */
  readonly only?: { readonly dimension: string; readonly value: string };
}

/** One thing counted (a person, an investigation), with its value in each dimension that applies to it. */
export interface Counted {
  readonly population: string;
  readonly values: Readonly<Record<string, string>>;
}

/** A table's rows or columns: a dimension's values, or one row or column, labelled, for the whole. */
export type Axis = { readonly dimension: string } | { readonly label: string };

export interface TableSpec {
  readonly population: string;
  /** The values every count of the table has, like victims only. */
  readonly where?: Readonly<Record<string, string>>;
  readonly rows: Axis;
  readonly columns: Axis;
}

type Assignment = Readonly<Record<string, string>>;

/** The tables, as they may be published, of each slice (the whole, or one value of a dimension, like a region). */
export function publishLinked<Name extends string>(
  counted: readonly Counted[],
  dimensions: Readonly<Record<string, Dimension>>,
  tables: Readonly<Record<Name, TableSpec>>,
  slices: readonly Assignment[],
  threshold: number,
): (slice: Assignment) => Record<Name, PublishedTable> {
  const names = new Names(dimensions);
  const published = new Map<string, { population: string; assignment: Assignment }>();
  const lines = new Map<string, Line>();
  const addLine = (total: string, parts: readonly string[]) => {
    if (parts.length === 1 && parts[0] === total) return;
    lines.set(`${total}=${[...parts].sort().join('+')}`, { total, parts });
  };
  const layouts = new Map<string, Layout>();
  for (const slice of slices) {
    for (const [name, spec] of Object.entries(tables) as [Name, TableSpec][]) {
      const layout = names.layout(spec, slice);
      layouts.set(sliceKey(name, slice), layout);
      for (const [key, assignment] of layout.assignments) published.set(key, { population: spec.population, assignment });
      layout.keys.forEach((row) => addLine(row[row.length - 1], row.slice(0, -1)));
      layout.keys[0].forEach((_, c) =>
        addLine(
          layout.keys[layout.keys.length - 1][c],
          layout.keys.slice(0, -1).map((row) => row[c]),
        ),
      );
    }
  }
  for (const { population, assignment } of published.values()) {
    for (const { total, parts } of names.marginsOf(population, assignment)) addLine(total, parts);
  }
  const counts = names.count(counted, [...lines.values()].flatMap((line) => [line.total, ...line.parts]).concat([...published.keys()]));
  const { hidden, primary } = suppress({ counts, published: new Set(published.keys()), lines: [...lines.values()] }, threshold);
  return (slice) =>
    Object.fromEntries(
      (Object.keys(tables) as Name[]).map((name) => {
        const layout = layouts.get(sliceKey(name, slice));
        if (!layout) throw new Error(`no tables were published for ${JSON.stringify(slice)}`);
        const cell = (key: string): Cell => (hidden.has(key) ? 'suppressed' : counts.get(key)!);
        const grid = layout.keys.map((row) => row.map(cell));
        const last = grid.length - 1;
        const keys = new Set(layout.keys.flat());
        const suppressed = [...keys].filter((key) => hidden.has(key));
        const table: PublishedTable = {
          rows: layout.rows,
          columns: layout.columns,
          cells: grid.slice(0, -1).map((row) => row.slice(0, -1)),
          rowTotals: grid.slice(0, -1).map((row) => row[row.length - 1]),
          columnTotals: grid[last].slice(0, -1),
          total: grid[last][grid[last].length - 1],
          suppressed: { primary: suppressed.filter((key) => primary.has(key)).length, secondary: suppressed.filter((key) => !primary.has(key)).length },
        };
        return [name, table];
      }),
    ) as Record<Name, PublishedTable>;
}

/** A table of one slice: its rows and columns and the name of each count, with its margins (the last row and column). */
interface Layout {
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  readonly keys: readonly (readonly string[])[];
  readonly assignments: ReadonlyMap<string, Assignment>;
}

function sliceKey(table: string, slice: Assignment): string {
  return `${table}@${JSON.stringify(Object.entries(slice).sort())}`;
}

/** Names of counts, and what follows from them. */
class Names {
  constructor(private readonly dimensions: Readonly<Record<string, Dimension>>) {}

  private dimension(name: string): Dimension {
    const found = this.dimensions[name];
    if (!found) throw new Error(`no dimension ${name}`);
    return found;
  }

  /**
   * The count's name, each value once and none implied by another (a municipality names its region); undefined
   * when the values contradict each other (a municipality outside the region), which counts nobody.
   */
  canonical(population: string, assignment: Assignment): { key: string; assignment: Assignment } | undefined {
    const result: Record<string, string> = { ...assignment };
    for (const [name, value] of Object.entries(assignment)) {
      const within = this.dimension(name).within;
      const parent = within?.of(value);
      if (!within || parent === undefined) continue;
      if (result[within.dimension] !== undefined && result[within.dimension] !== parent) return undefined;
      // The only value within its coarser one (the one victim group) is named by that one: they count the same.
      if (this.valuesWith(name, { [within.dimension]: parent }).length === 1) {
        delete result[name];
        result[within.dimension] = parent;
      } else delete result[within.dimension];
    }
    const entries = Object.entries(result).sort(([a], [b]) => a.localeCompare(b));
    return { key: [population, ...entries.map(([d, v]) => `${d}=${v}`)].join('|'), assignment: Object.fromEntries(entries) };
  }

  /** The values of a dimension that can go with the assignment (the municipalities of its region). */
  valuesWith(name: string, assignment: Assignment): string[] {
    const { values, within } = this.dimension(name);
    if (!within || assignment[within.dimension] === undefined) return [...values];
    return values.filter((v) => {
      const parent = within.of(v);
      return parent === undefined || parent === assignment[within.dimension];
    });
  }

  layout(spec: TableSpec, slice: Assignment): Layout {
    const base = { ...(spec.where ?? {}), ...slice };
    const axis = (a: Axis) =>
      'label' in a
        ? { labels: [a.label], with: () => ({}) }
        : { labels: this.valuesWith(a.dimension, base), with: (v: string): Assignment => ({ [a.dimension]: v }) };
    const rows = axis(spec.rows);
    const columns = axis(spec.columns);
    const assignments = new Map<string, Assignment>();
    const name = (assignment: Assignment) => {
      const named = this.canonical(spec.population, assignment);
      if (!named) throw new Error(`a table of ${spec.population} names contradicting values ${JSON.stringify(assignment)}`);
      assignments.set(named.key, named.assignment);
      return named.key;
    };
    const keys = [
      ...rows.labels.map((r) => [...columns.labels.map((c) => name({ ...base, ...rows.with(r), ...columns.with(c) })), name({ ...base, ...rows.with(r) })]),
      [...columns.labels.map((c) => name({ ...base, ...columns.with(c) })), name(base)],
    ];
    return { rows: rows.labels, columns: columns.labels, keys, assignments };
  }

  /**
   * The lines a count is the total of: for each of its dimensions, the counts that take the dimension away and
   * add back each of its values; the count less the dimension (and less its coarser one, for a municipality's
   * region) is their sum.
   */
  marginsOf(population: string, assignment: Assignment): Line[] {
    const lines: Line[] = [];
    for (const [name, value] of Object.entries(assignment)) {
      // Victims of a country of origin are not a sum over victims and others.
      if (Object.keys(assignment).some((other) => this.dimension(other).only?.dimension === name)) continue;
      const rest: Record<string, string> = { ...assignment };
      delete rest[name];
      const within = this.dimension(name).within;
      const parent = within?.of(value);
      // Without the coarser value too (all the municipalities of the country), the line is a table's own.
      const base: Assignment = within && parent !== undefined ? { ...rest, [within.dimension]: parent } : rest;
      const total = this.canonical(population, base);
      if (!total) continue;
      const parts = this.valuesWith(name, base).flatMap((v) => this.canonical(population, { ...base, [name]: v })?.key ?? []);
      lines.push({ total: total.key, parts });
    }
    return lines;
  }

  /** How many of the counted each named count counts. */
  count(counted: readonly Counted[], keys: readonly string[]): Map<string, number> {
    const byShape = new Map<string, Set<string>>();
    for (const key of keys) {
      const [population, ...values] = key.split('|');
      const shape = [population, ...values.map((v) => v.slice(0, v.indexOf('=')))].join('|');
      (byShape.get(shape) ?? byShape.set(shape, new Set()).get(shape)!).add(key);
    }
    const counts = new Map<string, number>(keys.map((key) => [key, 0]));
    for (const [shape, wanted] of byShape) {
      const [population, ...dims] = shape.split('|');
      for (const thing of counted) {
        if (thing.population !== population || dims.some((d) => thing.values[d] === undefined)) continue;
        const key = [population, ...dims.map((d) => `${d}=${thing.values[d]}`)].join('|');
        if (wanted.has(key)) counts.set(key, counts.get(key)! + 1);
      }
    }
    return counts;
  }
}
