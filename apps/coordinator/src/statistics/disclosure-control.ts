import { solve } from 'yalps';

/**
 * Statistical disclosure control for the published figures: a count of people small enough to point at
 * someone is not published, nor anything it could be worked back from.
 *
 * Published counts are linked: a table's cells add up to its totals, a region's figures and the other regions'
 * add up to the country's, a victims' total in one table is a row total in another, the countries of origin
 * add up to their region of origin. Suppression works on all of them at once, as counts joined by lines (a
 * total and the parts it is the sum of), so that no combination of the figures anyone can ask for gives a
 * suppressed count away:
 *
 * - Primary suppression: a count from 1 to threshold − 1 people is suppressed, published or not (a count
 *   nobody publishes can still be worked out from ones that are). Zero is published: nobody is counted there.
 * - Secondary suppression: a line whose entries are all known but one suppressed entry gives it away by
 *   subtraction, so another entry of the line is suppressed: the count (not a zero) whose suppression sets off
 *   the fewest further ones.
 * - An audit: with every published count as a constraint (every line adds up, every count is at least 0), each
 *   suppressed count's least and greatest possible values are found by linear programming. Where they are equal
 *   the count could be worked out, and another count is suppressed until none can. For one table with its
 *   margins the bounds are whole numbers (a transportation problem), so they are what an attacker with integers
 *   finds; for linked tables they are at least as wide as the attacker's, which the line rule makes up for.
 */

export type Cell = number | 'suppressed';

/** Counts of people by two classifications, as the statistics read model computes them. */
export interface CountTable {
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  /** counts[row][column] */
  readonly counts: readonly (readonly number[])[];
}

export interface PublishedTable {
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  readonly cells: readonly (readonly Cell[])[];
  readonly rowTotals: readonly Cell[];
  readonly columnTotals: readonly Cell[];
  readonly total: Cell;
  /** Entries suppressed because they were small, and those suppressed to protect them. */
  readonly suppressed: { readonly primary: number; readonly secondary: number };
}

/** The default threshold: counts below 5 are not published (CTDC, the global trafficking data collaborative, uses 11). */
export const DEFAULT_THRESHOLD = 5;

/** A total and the counts it is the sum of, all by key. */
export interface Line {
  readonly total: string;
  readonly parts: readonly string[];
}

/** Counts joined by lines: those published, and those not published that a published one is the sum of. */
export interface LinkedCounts {
  readonly counts: ReadonlyMap<string, number>;
  /** The keys anyone can read. The others are not published, though their lines hold. */
  readonly published: ReadonlySet<string>;
  readonly lines: readonly Line[];
}

export interface Suppression {
  /** Every count not to be published: small ones, and what would give them away. */
  readonly hidden: ReadonlySet<string>;
  /** Of those, the counts suppressed because they are small. */
  readonly primary: ReadonlySet<string>;
}

/** Which of the linked counts may not be published. Throws when a line does not add up: the counts are wrong. */
export function suppress(linked: LinkedCounts, threshold = DEFAULT_THRESHOLD): Suppression {
  const graph = new Graph(linked);
  for (let k = 0; k < graph.size; k++) {
    const v = graph.values[k];
    // An unpublished zero is taken as known: what is never there (a sex buyer's country of origin) is no secret.
    graph.state[k] = v > 0 && v < threshold ? HIDDEN : v === 0 || linked.published.has(graph.keys[k]) ? SHOWN : FREE;
  }
  const primary = new Set(graph.keys.filter((_, k) => graph.state[k] === HIDDEN));
  graph.protect(graph.lines.map((_, l) => l));
  const audited = new Map<string, number | undefined>();
  for (let exposed = graph.exposed(audited); exposed !== undefined; exposed = graph.exposed(audited)) {
    // Suppressing beside it, else further off in its group: a zero is no help (the audit takes zeros as known).
    const positive = (lines: number[]) => lines.flatMap((l) => graph.ranked(l)).filter((k) => graph.values[k] > 0);
    const near = positive(graph.linesOf[exposed.key]);
    const candidates = near.length > 0 ? near : positive(exposed.lines);
    if (candidates.length === 0) throw new Error(`the disclosure audit found ${graph.keys[exposed.key]} given away, with nothing left to suppress beside it`);
    graph.hide(graph.cheapest(candidates));
  }
  return { hidden: new Set(graph.keys.filter((_, k) => graph.state[k] === HIDDEN)), primary };
}

/** The table as it may be published: small counts, and whatever would give them away, suppressed. */
export function publish(table: CountTable, threshold = DEFAULT_THRESHOLD): PublishedTable {
  const grid = withMargins(table);
  const { hidden, primary } = suppress(
    gridCounts(grid, () => true),
    threshold,
  );
  const shown = (r: number, c: number): Cell => (hidden.has(`${r},${c}`) ? 'suppressed' : grid[r][c]);
  const height = grid.length;
  const width = grid[0].length;
  return {
    rows: table.rows,
    columns: table.columns,
    cells: table.rows.map((_, r) => table.columns.map((_, c) => shown(r, c))),
    rowTotals: table.rows.map((_, r) => shown(r, width - 1)),
    columnTotals: table.columns.map((_, c) => shown(height - 1, c)),
    total: shown(height - 1, width - 1),
    suppressed: { primary: primary.size, secondary: hidden.size - primary.size },
  };
}

/**
 * The least and greatest value each suppressed entry could have, given everything published: what an attacker
 * can work out. Keys are `row,column` in the table with its margins (the last row and column are the totals).
 */
export function feasibleRanges(published: PublishedTable): Map<string, { min: number; max: number }> {
  const grid: Cell[][] = [...published.cells.map((row, r) => [...row, published.rowTotals[r]]), [...published.columnTotals, published.total]];
  const { lines } = gridCounts(
    grid.map((row) => row.map(() => 0)),
    () => true,
  );
  const known = new Map<string, number>();
  grid.forEach((row, r) => row.forEach((v, c) => v !== 'suppressed' && known.set(`${r},${c}`, v)));
  const ranges = new Map<string, { min: number; max: number }>();
  for (const key of new Set(lines.flatMap((line) => [line.total, ...line.parts]))) {
    if (!known.has(key))
      ranges.set(
        key,
        bounds(lines, (k) => known.get(k), key),
      );
  }
  return ranges;
}

function withMargins(table: CountTable): number[][] {
  for (const row of table.counts) {
    if (row.length !== table.columns.length) throw new Error('a count table has a count for every column of every row');
    for (const v of row) if (!Number.isInteger(v) || v < 0) throw new Error(`a count is a whole number of people, at least 0, not ${v}`);
  }
  if (table.counts.length !== table.rows.length) throw new Error('a count table has a row of counts for every row');
  const rows = table.counts.map((row) => [...row, sum(row)]);
  const columnTotals = table.columns.map((_, c) => sum(table.counts.map((row) => row[c])));
  return [...rows, [...columnTotals, sum(columnTotals)]];
}

/** A grid with its margins (the last row and column) as linked counts keyed `row,column`: every row and column a line. */
function gridCounts(grid: readonly (readonly number[])[], published: (r: number, c: number) => boolean): LinkedCounts {
  const height = grid.length;
  const width = grid[0].length;
  const key = (r: number, c: number) => `${r},${c}`;
  const counts = new Map<string, number>();
  const shown = new Set<string>();
  grid.forEach((row, r) =>
    row.forEach((v, c) => {
      counts.set(key(r, c), v);
      if (published(r, c)) shown.add(key(r, c));
    }),
  );
  const lines: Line[] = [];
  for (let r = 0; r < height; r++) lines.push({ total: key(r, width - 1), parts: Array.from({ length: width - 1 }, (_, c) => key(r, c)) });
  for (let c = 0; c < width; c++) lines.push({ total: key(height - 1, c), parts: Array.from({ length: height - 1 }, (_, r) => key(r, c)) });
  return { counts, published: shown, lines };
}

const SHOWN = 0;
const HIDDEN = 1;
/** Not published, and not small: unknown to a reader, and nothing to protect. */
const FREE = 2;

/** The linked counts by number, with what is known of each, and the work of suppressing. */
class Graph {
  readonly keys: string[];
  readonly values: number[];
  readonly size: number;
  /** Each line's entries, its total first. */
  readonly lines: number[][];
  readonly linesOf: number[][];
  state: Uint8Array;

  constructor(linked: LinkedCounts) {
    this.keys = [...linked.counts.keys()];
    this.values = [...linked.counts.values()];
    this.size = this.keys.length;
    const index = new Map(this.keys.map((key, k) => [key, k]));
    const at = (key: string) => {
      const k = index.get(key);
      if (k === undefined) throw new Error(`a line names ${key}, which is not counted`);
      return k;
    };
    for (const v of this.values) if (!Number.isInteger(v) || v < 0) throw new Error(`a count is a whole number of people, at least 0, not ${v}`);
    this.lines = linked.lines.map((line) => [at(line.total), ...line.parts.map(at)]);
    this.linesOf = this.keys.map(() => []);
    this.lines.forEach((entries, l) => {
      const [total, ...parts] = entries;
      if (this.values[total] !== sum(parts.map((p) => this.values[p]))) throw new Error(`${this.keys[total]} is not the sum of its parts`);
      for (const k of new Set(entries)) this.linesOf[k].push(l);
    });
    this.state = new Uint8Array(this.size);
  }

  /** Whether the line gives a suppressed count away: all its other entries known. */
  private exposes(l: number, state = this.state): boolean {
    let hidden = 0;
    for (const k of this.lines[l]) {
      if (state[k] === FREE) return false;
      if (state[k] === HIDDEN) hidden++;
    }
    return hidden === 1;
  }

  /** The published entries of a line, best to suppress first: counts before zeros, parts before the total, small before large. */
  ranked(l: number, state = this.state): number[] {
    const [total] = this.lines[l];
    const rank = (k: number) => [this.values[k] > 0 ? 0 : 1, k === total ? 1 : 0, this.values[k]];
    return [...new Set(this.lines[l])]
      .filter((k) => state[k] === SHOWN)
      .sort((a, b) => {
        const [x, y] = [rank(a), rank(b)];
        return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
      });
  }

  /** Suppresses what the lines to look at need, each choice the cheapest; then what that needs in turn. */
  protect(toLook: number[]): void {
    for (let l = toLook.pop(); l !== undefined; l = toLook.pop()) {
      if (!this.exposes(l)) continue;
      const candidates = this.ranked(l);
      if (candidates.length === 0) continue;
      const k = this.cheapest(candidates);
      this.state[k] = HIDDEN;
      toLook.push(l, ...this.linesOf[k]);
    }
  }

  hide(k: number): void {
    this.state[k] = HIDDEN;
    this.protect([...this.linesOf[k]]);
  }

  /**
   * Of the candidates, the one whose suppression leads to the fewest suppressed counts once every line is
   * protected again (then the fewest people hidden): suppressing the smallest count of a line can set off a chain
   * (a victims' total hidden for the sake of two people of unknown age) where another choice closes two lines at
   * once. Looks ahead with the line rule alone; the audit checks the result. A suppressed zero protects little,
   * so zeros only where nothing else is left.
   */
  cheapest(candidates: number[]): number {
    const positive = candidates.filter((k) => this.values[k] > 0);
    const choices = [...new Set(positive.length > 0 ? positive : candidates)];
    if (choices.length === 1) return choices[0];
    let best = choices[0];
    let bestCost = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    for (const k of choices.slice(0, 8)) {
      const trial = this.state.slice();
      const cost = [0, 0];
      const hide = (h: number) => {
        trial[h] = HIDDEN;
        cost[0]++;
        cost[1] += this.values[h];
        toLook.push(...this.linesOf[h]);
      };
      const toLook: number[] = [];
      hide(k);
      for (let l = toLook.pop(); l !== undefined; l = toLook.pop()) {
        if (!this.exposes(l, trial)) continue;
        const [next] = this.ranked(l, trial);
        if (next !== undefined) hide(next);
      }
      if (cost[0] < bestCost[0] || (cost[0] === bestCost[0] && cost[1] < bestCost[1])) [best, bestCost] = [k, cost];
    }
    return best;
  }

  /**
   * A suppressed count that everything known pins to one value, if any. Audits each group of unknown counts
   * joined by lines; `audited` remembers groups found safe (by their members and what is known around them).
   */
  exposed(audited: Map<string, number | undefined>): { key: number; lines: number[] } | undefined {
    const seen = new Uint8Array(this.size);
    for (let start = 0; start < this.size; start++) {
      if (seen[start] || this.state[start] === SHOWN) continue;
      const group: number[] = [];
      const groupLines = new Set<number>();
      seen[start] = 1;
      for (let queue = [start], k = queue.pop(); k !== undefined; k = queue.pop()) {
        group.push(k);
        for (const l of this.linesOf[k]) {
          groupLines.add(l);
          for (const other of this.lines[l]) {
            if (seen[other] || this.state[other] === SHOWN) continue;
            seen[other] = 1;
            queue.push(other);
          }
        }
      }
      if (!group.some((k) => this.state[k] === HIDDEN)) continue;
      const signature = group
        .sort((a, b) => a - b)
        .map((k) => `${k}${this.state[k] === HIDDEN ? 'h' : 'f'}`)
        .join(',');
      if (!audited.has(signature)) audited.set(signature, this.auditGroup(group, [...groupLines]));
      const found = audited.get(signature);
      if (found !== undefined) {
        audited.delete(signature);
        return { key: found, lines: [...groupLines] };
      }
    }
    return undefined;
  }

  /**
   * A suppressed count of the group that what is known determines, if any. Where every unknown count is above
   * zero, a count's least and greatest possible values differ exactly when the lines leave it free (a direction
   * along which all of them hold moves it, and a small step keeps every count above zero), which linear algebra
   * tells at once. A suppressed zero is taken as known for this: the attacker is given more than it has, so the
   * answer errs on the side of suppressing.
   */
  private auditGroup(group: number[], groupLines: number[]): number | undefined {
    const unknown = group.filter((k) => this.values[k] > 0);
    const column = new Map(unknown.map((k, i) => [k, i]));
    const matrix = groupLines.map((l) => {
      const row = new Array<number>(unknown.length).fill(0);
      const [total, ...parts] = this.lines[l];
      for (const [k, sign] of [[total, -1] as const, ...parts.map((p) => [p, 1] as const)]) {
        const i = column.get(k);
        if (i !== undefined) row[i] += sign;
      }
      return row;
    });
    const determined = determinedColumns(matrix, unknown.length);
    return unknown.find((k) => this.state[k] === HIDDEN && determined.has(column.get(k)!));
  }
}

/**
 * The unknowns a set of linear equations (rows of coefficients) fixes whatever the right-hand sides: those whose
 * unit vector lies in the rows' span. Reduces the rows to echelon form; an unknown is fixed when it leads a row
 * with no other unknown left free.
 */
function determinedColumns(matrix: number[][], width: number): Set<number> {
  const rows = matrix.map((row) => [...row]);
  const pivots: [row: number, column: number][] = [];
  let r = 0;
  for (let c = 0; c < width && r < rows.length; c++) {
    let best = r;
    for (let i = r + 1; i < rows.length; i++) if (Math.abs(rows[i][c]) > Math.abs(rows[best][c])) best = i;
    if (Math.abs(rows[best][c]) < 1e-9) continue;
    [rows[r], rows[best]] = [rows[best], rows[r]];
    const lead = rows[r][c];
    for (let j = c; j < width; j++) rows[r][j] /= lead;
    for (let i = 0; i < rows.length; i++) {
      if (i === r || Math.abs(rows[i][c]) < 1e-12) continue;
      const factor = rows[i][c];
      for (let j = c; j < width; j++) rows[i][j] -= factor * rows[r][j];
    }
    pivots.push([r, c]);
    r++;
  }
  const pivotColumns = new Set(pivots.map(([, c]) => c));
  const determined = new Set<number>();
  for (const [row, c] of pivots) {
    let alone = true;
    for (let j = 0; j < width && alone; j++) if (!pivotColumns.has(j) && Math.abs(rows[row][j]) > 1e-9) alone = false;
    if (alone) determined.add(c);
  }
  return determined;
}

/** The least and greatest value of one unknown count, every known count and every line holding. */
function bounds(lines: readonly Line[], known: (key: string) => number | undefined, target: string): { min: number; max: number } {
  const constraints: Record<string, { equal: number }> = {};
  const variables: Record<string, Record<string, number>> = {};
  lines.forEach((line, l) => {
    // sum(parts) − total = 0, with the known values moved to the right-hand side.
    let rhs = 0;
    let anyUnknown = false;
    for (const [key, sign] of [[line.total, -1] as const, ...line.parts.map((p) => [p, 1] as const)]) {
      const v = known(key);
      if (v === undefined) {
        anyUnknown = true;
        const terms = (variables[key] ??= {});
        terms[`l${l}`] = (terms[`l${l}`] ?? 0) + sign;
      } else rhs -= sign * v;
    }
    if (anyUnknown) constraints[`l${l}`] = { equal: rhs };
  });
  (variables[target] ??= {}).objective = 1;
  const bound = (direction: 'minimize' | 'maximize') => {
    const solution = solve({ direction, objective: 'objective', constraints, variables });
    if (solution.status === 'unbounded') return Number.POSITIVE_INFINITY;
    if (solution.status !== 'optimal') throw new Error(`the disclosure audit could not bound a suppressed count (${solution.status})`);
    return Math.round(solution.result * 1e6) / 1e6;
  };
  return { min: bound('minimize'), max: bound('maximize') };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
