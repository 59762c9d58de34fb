import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { envelopeHash, GENESIS_HASH, sha256Hex } from '@samverkan/sealing';
import { leafHash } from '@samverkan/ledger';
import { envelopeShapeProblem } from './envelope-check';
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

  it('reads a line as parsing and canonicalising it would, whatever was changed in it', () => {
    // Lines whose event is canonical JSON are read without parsing (scanCanonicalEnvelope); any other line is
    // parsed and its event canonicalised. Both must say the same of every line: its number, its event, its
    // leaf, and whether its event hashes to its hash.
    const reference = (line: string) => {
      let record: { index?: unknown; event?: Record<string, unknown> };
      try {
        record = JSON.parse(line);
      } catch {
        return undefined;
      }
      if (typeof record !== 'object' || record === null || envelopeShapeProblem(record.event)) return undefined;
      const event = record.event as unknown as Parameters<typeof envelopeHash>[0] & { hash: string; id: string; revision: number };
      return {
        index: typeof record.index === 'number' ? record.index : String(JSON.stringify(record.index)),
        id: event.id,
        revision: event.revision,
        leaf: leafHash(Buffer.from(event.hash, 'hex')).toString('hex'),
        changed: envelopeHash(event) !== event.hash,
      };
    };
    const change = (line: string) =>
      fc.oneof(
        fc
          .record({ at: fc.nat(line.length), insert: fc.constantFrom(' ', ',', '"a":1,', '0', '.0', 'e1', '\\u0041', '\\/', 'ö', '}', '"') })
          .map(({ at, insert }) => line.slice(0, at) + insert + line.slice(at)),
        fc.nat(line.length - 1).map((at) => line.slice(0, at) + line.slice(at + 1)),
        fc.constant(line.replace('{"index":', '{"index":0').replace(',"event":', ' ,"event":')),
        fc.constant(line),
      );
    fc.assert(
      fc.property(fc.constantFrom(...lines).chain(change), (line) => {
        const file = ledger.save('changed.ndjson', line);
        const [read] = lineByLine(checkInRanges(file, Buffer.byteLength(line), 1 << 20));
        const expected = reference(line);
        if (!expected) {
          expect(read.findings).not.toEqual([]);
          return;
        }
        expect({ index: read.index, id: read.id, revision: read.revision, leaf: read.leaf, changed: read.findings.length > 0 }).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('finds a line whose event has a key twice, though its bytes hash to its hash: parsers differ on what it says', () => {
    const unsealed = `{"data":{"n":1,"n":2},"id":"e1","metadata":{},"prev":"${GENESIS_HASH}","revision":0,"schemaVersion":1,"stream":"case-x","type":"T"}`;
    const hash = sha256Hex(unsealed);
    const line = `{"index":0,"event":${unsealed.replace(',"id":', `,"hash":"${hash}","id":`)}}`;
    const file = ledger.save('twice.ndjson', line);
    const [read] = lineByLine(checkInRanges(file, Buffer.byteLength(line), 1 << 20));
    expect(read.findings).toEqual(['its content does not hash to its stored hash: the event was changed after it was sealed']);
  });
});
