import { solve } from 'yalps';

/**
 * Statistical disclosure control for the published figures: a count of people small enough to point at
 * someone is not published, nor anything it could be worked back from.
 *
 * - Primary suppression: a cell, or a row, column or grand total, counting from 1 to threshold − 1 people is
 *   suppressed. Zero is published (it says that nobody is counted there).
 * - Secondary suppression: a row or column, with its total, that would hold a single suppressed entry gives it
 *   away by subtraction, so a second entry of that line is suppressed: the count (not a zero) whose suppression
 *   sets off the fewest further ones.
 * - An audit: with every published number as a constraint (each row and column adds up to its total, every
 *   count is at least 0), each suppressed entry's least and greatest possible values are found by linear
 *   programming. Where they are equal the entry could be worked out; another entry is suppressed until none
 *   can. (Tables with margins are transportation problems: the bounds the relaxation finds are whole numbers, so
 *   they are the bounds an attacker with integers would find.)
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

/** The table as it may be published: small counts, and whatever would give them away, suppressed. */
export function publish(table: CountTable, threshold = DEFAULT_THRESHOLD): PublishedTable {
  const grid = withMargins(table);
  const height = grid.length;
  const width = grid[0].length;
  const hidden = grid.map((row) => row.map((v) => v > 0 && v < threshold));
  const primary = count(hidden);
  for (let candidates = nextToHide(grid, hidden, true); candidates; candidates = nextToHide(grid, hidden, true)) {
    const [r, c] = cheapest(grid, hidden, candidates);
    hidden[r][c] = true;
  }
  const shown = (r: number, c: number): Cell => (hidden[r][c] ? 'suppressed' : grid[r][c]);
  return {
    rows: table.rows,
    columns: table.columns,
    cells: table.rows.map((_, r) => table.columns.map((_, c) => shown(r, c))),
    rowTotals: table.rows.map((_, r) => shown(r, width - 1)),
    columnTotals: table.columns.map((_, c) => shown(height - 1, c)),
    total: shown(height - 1, width - 1),
    suppressed: { primary, secondary: count(hidden) - primary },
  };
}

/**
 * The least and greatest value each suppressed entry could have, given everything published: what an attacker
 * can work out. Keys are `row,column` in the table with its margins (the last row and column are the totals).
 */
export function feasibleRanges(published: PublishedTable): Map<string, { min: number; max: number }> {
  const height = published.rows.length + 1;
  const width = published.columns.length + 1;
  const grid: Cell[][] = [
    ...published.cells.map((row, r) => [...row, published.rowTotals[r]]),
    [...published.columnTotals, published.total],
  ];
  const hidden = grid.map((row) => row.map((v) => v === 'suppressed'));
  const known = grid.map((row) => row.map((v) => (v === 'suppressed' ? 0 : v)));
  const ranges = new Map<string, { min: number; max: number }>();
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) if (hidden[r][c]) ranges.set(`${r},${c}`, rangeOf(known, hidden, r, c));
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

/** The lines of the grid: every row with its total, every column with its total, as lists of [row, column]. */
function linesOf(height: number, width: number): [number, number][][] {
  const lines: [number, number][][] = [];
  for (let r = 0; r < height; r++) lines.push(Array.from({ length: width }, (_, c) => [r, c] as [number, number]));
  for (let c = 0; c < width; c++) lines.push(Array.from({ length: height }, (_, r) => [r, c] as [number, number]));
  return lines;
}

/**
 * The entries one of which must be suppressed next, best first: those of a line that holds a single suppressed
 * entry; else, with `audit`, those of the lines of a suppressed entry that could be worked out; none when the
 * table is safe.
 */
function nextToHide(grid: number[][], hidden: boolean[][], audit: boolean): [number, number][] | undefined {
  const height = grid.length;
  const width = grid[0].length;
  const lines = linesOf(height, width);
  const lone = lines.find((line) => line.filter(([r, c]) => hidden[r][c]).length === 1);
  if (lone) return ranked(grid, hidden, lone);
  if (!audit) return undefined;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (!hidden[r][c]) continue;
      const { min, max } = rangeOf(grid, hidden, r, c);
      if (max - min >= 1) continue;
      const candidates = lines.filter((line) => line.some(([lr, lc]) => lr === r && lc === c)).flatMap((line) => ranked(grid, hidden, line));
      if (candidates.length > 0) return candidates;
    }
  }
  return undefined;
}

/**
 * Of the candidates, the one whose suppression leads to the fewest suppressed entries once every line is
 * protected again (then the fewest people hidden): suppressing the smallest count of a line can set off a chain
 * through the table (a victims' total hidden for the sake of two people of unknown age) where another choice
 * closes two lines at once. Looks ahead with the line rule alone; the audit checks the result.
 */
function cheapest(grid: number[][], hidden: boolean[][], candidates: [number, number][]): [number, number] {
  // A suppressed zero protects little: no count is below it. Zeros only where nothing else is left.
  const positive = candidates.filter(([r, c]) => grid[r][c] > 0);
  if (positive.length > 0) candidates = positive;
  if (candidates.length === 1) return candidates[0];
  let best = candidates[0];
  let bestCost = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (const [r, c] of candidates.slice(0, 8)) {
    const trial = hidden.map((row) => [...row]);
    trial[r][c] = true;
    for (let next = nextToHide(grid, trial, false); next; next = nextToHide(grid, trial, false)) trial[next[0][0]][next[0][1]] = true;
    const cost = [count(trial), grid.reduce((n, row, i) => n + row.reduce((m, v, j) => m + (trial[i][j] ? v : 0), 0), 0)];
    if (cost[0] < bestCost[0] || (cost[0] === bestCost[0] && cost[1] < bestCost[1])) [best, bestCost] = [[r, c], cost];
  }
  return best;
}

/** The shown entries of a line, smallest first, counts above 0 before zeros and cells before totals. */
function ranked(grid: number[][], hidden: boolean[][], line: [number, number][]): [number, number][] {
  const isTotal = ([r, c]: [number, number]) => r === grid.length - 1 || c === grid[0].length - 1;
  const rank = (cell: [number, number]) => [grid[cell[0]][cell[1]] > 0 ? 0 : 1, isTotal(cell) ? 1 : 0, grid[cell[0]][cell[1]]];
  return line
    .filter(([r, c]) => !hidden[r][c])
    .sort((a, b) => {
      const [x, y] = [rank(a), rank(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
}

/** The least and greatest value of one suppressed entry, every published entry and every line sum holding. */
function rangeOf(values: readonly (readonly number[])[], hidden: readonly (readonly boolean[])[], row: number, column: number): { min: number; max: number } {
  const height = values.length;
  const width = values[0].length;
  const constraints: Record<string, { equal: number }> = {};
  const variables: Record<string, Record<string, number>> = {};
  const name = (r: number, c: number) => `x${r}_${c}`;
  const addLine = (key: string, cells: [number, number][], total: [number, number]) => {
    // sum(cells) − total = 0, with the shown values moved to the right-hand side.
    let rhs = 0;
    const terms: [[number, number], number][] = [...cells.map((cell) => [cell, 1] as [[number, number], number]), [total, -1]];
    let anyHidden = false;
    for (const [[r, c], sign] of terms) {
      if (hidden[r][c]) {
        anyHidden = true;
        (variables[name(r, c)] ??= {})[key] = sign;
      } else rhs -= sign * values[r][c];
    }
    if (anyHidden) constraints[key] = { equal: rhs };
  };
  for (let r = 0; r < height; r++) addLine(`row${r}`, Array.from({ length: width - 1 }, (_, c) => [r, c] as [number, number]), [r, width - 1]);
  for (let c = 0; c < width; c++) addLine(`col${c}`, Array.from({ length: height - 1 }, (_, r) => [r, c] as [number, number]), [height - 1, c]);
  const target = name(row, column);
  (variables[target] ??= {}).objective = 1;
  const bound = (direction: 'minimize' | 'maximize') => {
    const solution = solve({ direction, objective: 'objective', constraints, variables });
    if (solution.status === 'unbounded') return Number.POSITIVE_INFINITY;
    if (solution.status !== 'optimal') throw new Error(`the disclosure audit could not bound a suppressed entry (${solution.status})`);
    return Math.round(solution.result * 1e6) / 1e6;
  };
  return { min: bound('minimize'), max: bound('maximize') };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function count(flags: readonly (readonly boolean[])[]): number {
  return flags.reduce((n, row) => n + row.filter(Boolean).length, 0);
}
