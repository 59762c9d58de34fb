import fc from 'fast-check';
import { Cell, CountTable, feasibleRanges, publish, PublishedTable } from './disclosure-control';

const table = (counts: number[][]): CountTable => ({ rows: counts.map((_, r) => `r${r}`), columns: counts[0].map((_, c) => `c${c}`), counts });

/** The published table with its margins as one grid, the last row and column being the totals. */
function grid(p: PublishedTable): Cell[][] {
  return [...p.cells.map((row, r) => [...row, p.rowTotals[r]]), [...p.columnTotals, p.total]];
}

/**
 * An attacker of its own, sharing no code with the module: every way of filling the suppressed counts with whole
 * numbers of people (up to `cap` each) whose row, column and grand totals agree with everything published,
 * found by trying them all. Returns, for each suppressed entry, the set of values it takes across those ways.
 */
function everyConsistentFilling(p: PublishedTable, cap: number): Map<string, Set<number>> {
  const g = grid(p);
  const height = g.length;
  const width = g[0].length;
  const inner: [number, number][] = [];
  for (let r = 0; r < height - 1; r++) for (let c = 0; c < width - 1; c++) if (g[r][c] === 'suppressed') inner.push([r, c]);
  const values = new Map<string, Set<number>>();
  g.forEach((row, r) => row.forEach((v, c) => v === 'suppressed' && values.set(`${r},${c}`, new Set())));
  const counts = g.slice(0, -1).map((row) => row.slice(0, -1).map((v) => (v === 'suppressed' ? 0 : v)));
  const check = () => {
    const full = [...counts.map((row) => [...row, row.reduce((a, b) => a + b, 0)])];
    full.push(full[0].map((_, c) => full.reduce((a, row) => a + row[c], 0)));
    if (!full.every((row, r) => row.every((v, c) => g[r][c] === 'suppressed' || g[r][c] === v))) return;
    for (const [key, set] of values) {
      const [r, c] = key.split(',').map(Number);
      set.add(full[r][c]);
    }
  };
  const fill = (i: number) => {
    if (i === inner.length) return check();
    const [r, c] = inner[i];
    for (let v = 0; v <= cap; v++) {
      counts[r][c] = v;
      fill(i + 1);
    }
  };
  fill(0);
  return values;
}

describe('publishing a table of counts of people', () => {
  it('suppresses counts from 1 to 4 and publishes zeros and larger counts', () => {
    const published = publish(
      table([
        [0, 12, 3],
        [7, 9, 20],
      ]),
    );
    expect(published.cells[0][0]).toBe(0);
    expect(published.cells[0][2]).toBe('suppressed');
    expect(published.cells[1][2]).not.toBe(3);
  });

  it('suppresses a second count in the row and the column of a small one, so that subtraction gives nothing away', () => {
    const published = publish(
      table([
        [10, 3, 12],
        [9, 8, 15],
        [20, 30, 40],
      ]),
    );
    // 3 is suppressed; with its row total and column total published, one more in its row and in its column.
    const g = grid(published);
    expect(g[0].filter((v) => v === 'suppressed').length).toBeGreaterThanOrEqual(2);
    expect(g.map((row) => row[1]).filter((v) => v === 'suppressed').length).toBeGreaterThanOrEqual(2);
    expect(published.suppressed.primary).toBe(1);
    expect(published.suppressed.secondary).toBeGreaterThanOrEqual(3);
  });

  it('suppresses a small total too, with what would give it away', () => {
    const published = publish(
      table([
        [1, 2],
        [30, 40],
      ]),
    );
    expect(published.rowTotals[0]).toBe('suppressed');
  });

  it('publishes a table with no small count as it is', () => {
    const published = publish(
      table([
        [10, 12],
        [7, 9],
      ]),
    );
    expect(published).toMatchObject({
      cells: [
        [10, 12],
        [7, 9],
      ],
      rowTotals: [22, 16],
      columnTotals: [17, 21],
      total: 38,
      suppressed: { primary: 0, secondary: 0 },
    });
  });

  it('takes its threshold: 11, as CTDC uses', () => {
    expect(
      publish(
        table([
          [10, 12],
          [7, 30],
        ]),
        11,
      ).cells[0][0],
    ).toBe('suppressed');
  });

  it('refuses counts that are not whole numbers of people', () => {
    expect(() =>
      publish(
        table([
          [1.5, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(/whole number/);
    expect(() =>
      publish(
        table([
          [-1, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(/at least 0/);
  });

  const counts = (maxRows: number, maxColumns: number, maxCount: number) =>
    fc.tuple(fc.integer({ min: 1, max: maxRows }), fc.integer({ min: 1, max: maxColumns })).chain(([rows, columns]) =>
      fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: maxCount })), { minLength: columns, maxLength: columns }), {
        minLength: rows,
        maxLength: rows,
      }),
    );

  it('leaves no suppressed count that an attacker trying every filling could work out (small tables)', () => {
    fc.assert(
      fc.property(counts(2, 3, 9), (c) => {
        const published = publish(table(c));
        for (const [at, possible] of everyConsistentFilling(published, 12)) expect({ at, ways: possible.size > 1 }).toEqual({ at, ways: true });
      }),
      { numRuns: 100 },
    );
  });

  it('leaves every suppressed count of a larger table with more than one possible value, and publishes every count of 5 or more that it can', () => {
    fc.assert(
      fc.property(counts(6, 5, 60), (c) => {
        const published = publish(table(c));
        for (const [at, { min, max }] of feasibleRanges(published)) expect({ at, open: max > min }).toEqual({ at, open: true });
        published.cells.forEach((row, r) =>
          row.forEach((v, col) => {
            const n = c[r][col];
            if (n > 0 && n < 5) expect(v).toBe('suppressed');
            if (v !== 'suppressed') expect(v).toBe(n);
          }),
        );
      }),
      { numRuns: 150 },
    );
  });
});
