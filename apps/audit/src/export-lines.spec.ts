import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CheckedLines, ExportRangeChecker } from './export-lines';
import { FixtureLedger } from './testing/fixture-ledger';

/** Every line of the file, checked as the ranges of `size` bytes from 0 give them, one range after another. */
function checkInRanges(file: string, length: number, size: number): CheckedLines[] {
  const fd = openSync(file, 'r');
  try {
    const checker = new ExportRangeChecker(fd, length);
    const answers: CheckedLines[] = [];
    for (let start = 0; start < length; start += size) answers.push(checker.check(start, start + size));
    return answers;
  } finally {
    closeSync(fd);
  }
}

/** What the answers say of each line, in order: its index, event and findings. */
const lineByLine = (answers: readonly CheckedLines[]) =>
  answers.flatMap((checked) =>
    Array.from({ length: checked.count }, (_, at) => ({
      index: checked.indexes[at],
      id: checked.ids[at],
      revision: checked.revisions[at],
      leaf: Buffer.from(checked.leafHashes.subarray(at * 32, at * 32 + 32)).toString('hex'),
      findings: checked.findings.filter((finding) => finding.at === at).map(({ problem }) => problem),
    })),
  );

describe('checking the lines that begin in a range of an export', () => {
  const ledger = new FixtureLedger();
  ledger.append('a', 4);
  ledger.append('b', 3, { note: 'Malmö — Åsa' });
  const lines = ledger.exportText().split('\n').slice(0, -1);

  afterAll(() => ledger.remove());

  it('finds each line once, in order, however the ranges cut the file', () => {
    const junk = fc.constantFrom('', 'not json', '{"index":3}', '[]', 'ö');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...lines), junk), { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 700 }),
        (content, newline, finalNewline, size) => {
          const text = content.join(newline) + (finalNewline && content.length > 0 ? newline : '');
          const file = ledger.save('ranges.ndjson', text);
          const length = Buffer.byteLength(text);
          const whole = lineByLine(checkInRanges(file, length, Math.max(length, 1)));
          // A line per LF, and one more where the text goes on after the last
          expect(whole).toHaveLength(text.split('\n').length - (text.endsWith('\n') || text === '' ? 1 : 0));
          expect(lineByLine(checkInRanges(file, length, size))).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('says of each line what is wrong with it, and reads the rest', () => {
    const file = join(ledger.dir, 'mixed.ndjson');
    writeFileSync(file, [lines[0], '', 'not json', '{"index":3,"event":[]}', lines[1].replace('"n":', '"n":1'), lines[2]].join('\n'));
    const [checked] = checkInRanges(file, Buffer.byteLength(lines.join('\n')) * 2, 1 << 20);
    expect(checked.count).toBe(6);
    expect(checked.findings.map(({ at, problem }) => [at, problem.replace(/:.*/, '')])).toEqual([
      [1, 'is empty; every line of an export is one event'],
      [2, 'is not JSON'],
      [3, 'the event is not a JSON object; it cannot be checked'],
      [4, 'its content does not hash to its stored hash'],
    ]);
    expect(checked.revisions).toEqual([0, -1, -1, -1, 1, 2]);
    expect(checked.indexes).toEqual([0, 'undefined', 'undefined', 3, 1, 2]);
  });
});
