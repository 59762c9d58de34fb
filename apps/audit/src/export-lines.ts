import { readSync } from 'node:fs';
import { HASH_SIZE, leafHash } from '@samverkan/ledger';
import { hashesToItsHash, hashMismatch, scanCanonicalEnvelope, SealedEnvelope } from '@samverkan/sealing';
import { errorMessage } from './cli';
import { envelopeShapeProblem } from './envelope-check';

/**
 * The checks of an export that look at one line at a time: it is JSON, it holds an envelope, and the envelope
 * hashes to its stored hash; and the line's leaf hash. They need no other line, so ranges of the export can be
 * checked on several threads at once (line-checkers.ts), each reading its own range. What needs the lines in
 * order and their numbers (leaf indexes, each stream's chain, the tree, the checkpoints) is left to the one
 * thread that takes the ranges' answers in turn (verify-log.ts).
 */

/** A problem found in one line. Its subject (the event, or the line) is named by the taker, who knows the line's number. */
export interface LineFinding {
  /** Which line of the range, from 0. */
  readonly at: number;
  readonly problem: string;
  readonly mismatch?: { readonly expected: string; readonly found: string };
}

/**
 * What the line checks found in the lines that begin in a range of the export, a line at a time, in columns
 * (cheap to pass between threads). A line that holds no envelope has revision -1 and empty strings.
 */
export interface CheckedLines {
  readonly count: number;
  /** Each line's `index`: a number as is, anything else as its JSON text (`undefined` where there is none). */
  readonly indexes: Array<number | string>;
  readonly ids: string[];
  readonly streams: string[];
  readonly revisions: number[];
  readonly prevs: string[];
  readonly hashes: string[];
  /** The leaf hash of each line's event, HASH_SIZE bytes a line (zeros for a line that holds no envelope). */
  readonly leafHashes: Uint8Array;
  /** In line order; a line that holds no envelope has one, and no other line more than one. */
  readonly findings: LineFinding[];
}

const LF = 0x0a;
const CR = 0x0d;

/** Reads and checks ranges of one export file; a reader keeps its buffer from one range to the next. */
export class ExportRangeChecker {
  private buffer = Buffer.allocUnsafeSlow(1 << 21);
  private readonly eventHash = Buffer.alloc(HASH_SIZE);

  constructor(
    private readonly fd: number,
    private readonly fileSize: number,
  ) {}

  /**
   * Checks the lines that begin in bytes `start` to `end` of the file (a line begins at 0 or after an LF), each
   * read to its end however far past `end` that is. Lines end in LF, with or without a CR before it; the last
   * one of the file need not end at all.
   */
  check(start: number, end: number): CheckedLines {
    // From the byte before the range, to know whether a line begins at its start.
    const from = Math.max(start - 1, 0);
    let length = this.read(from, 0, Math.min(end, this.fileSize) - from);
    let first = 0;
    if (start > 0) {
      const lf = this.buffer.indexOf(LF, 0);
      first = lf < 0 || lf + 1 >= length ? length : lf + 1;
    }
    const ends: number[] = [];
    let lineStart = first;
    while (lineStart < end - from && lineStart < length) {
      let lf = this.buffer.indexOf(LF, lineStart);
      while (lf < 0 || lf >= length) {
        // The line runs past what was read: read on to its end, or the file's.
        const more = this.read(from + length, length, Math.max(1 << 16, length));
        if (more === 0) break;
        length += more;
        lf = this.buffer.indexOf(LF, lineStart);
      }
      const lineEnd = lf >= 0 && lf < length ? lf : length;
      ends.push(lineEnd);
      lineStart = lineEnd + 1;
    }
    return this.checkLines(first, ends);
  }

  /** Reads `want` bytes from `position` into the buffer at `offset`, growing it if need be; returns how many. */
  private read(position: number, offset: number, want: number): number {
    if (this.buffer.length < offset + want) {
      const grown = Buffer.allocUnsafeSlow(Math.max(offset + want, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, offset);
      this.buffer = grown;
    }
    let read = 0;
    while (read < want) {
      const got = readSync(this.fd, this.buffer, offset + read, want - read, position + read);
      if (got === 0) break;
      read += got;
    }
    return read;
  }

  private checkLines(first: number, ends: readonly number[]): CheckedLines {
    const count = ends.length;
    const checked: CheckedLines = {
      count,
      indexes: new Array<number | string>(count),
      ids: new Array<string>(count),
      streams: new Array<string>(count),
      revisions: new Array<number>(count),
      prevs: new Array<string>(count),
      hashes: new Array<string>(count),
      leafHashes: new Uint8Array(count * HASH_SIZE),
      findings: [],
    };
    let start = first;
    for (let at = 0; at < count; at += 1) {
      const end = ends[at] > start && this.buffer[ends[at] - 1] === CR ? ends[at] - 1 : ends[at];
      const event = this.checkLine(start, end, at, checked);
      if (event) {
        checked.ids[at] = event.id;
        checked.streams[at] = event.stream;
        checked.revisions[at] = event.revision;
        checked.prevs[at] = event.prev;
        checked.hashes[at] = event.hash;
        this.eventHash.write(event.hash, 0, HASH_SIZE, 'hex'); // 64 lowercase hex digits: the shape says so
        checked.leafHashes.set(leafHash(this.eventHash), at * HASH_SIZE);
      } else {
        checked.ids[at] = checked.streams[at] = checked.prevs[at] = checked.hashes[at] = '';
        checked.revisions[at] = -1;
      }
      start = ends[at] + 1;
    }
    return checked;
  }

  /** Checks one line (bytes `start` to `end`); returns the event if it holds an envelope (even one that failed a check). */
  private checkLine(start: number, end: number, at: number, checked: CheckedLines): LineEvent | undefined {
    const canonical = this.canonicalLine(start, end);
    if (canonical) {
      checked.indexes[at] = canonical.index;
      return canonical.event;
    }
    const line = this.buffer.toString('utf8', start, end);
    let record: { index?: unknown; event?: unknown };
    try {
      record = JSON.parse(line);
    } catch (error) {
      checked.indexes[at] = 'undefined';
      checked.findings.push({ at, problem: line.trim() === '' ? 'is empty; every line of an export is one event' : `is not JSON: ${errorMessage(error)}` });
      return undefined;
    }
    const shape = typeof record === 'object' && record !== null ? envelopeShapeProblem(record.event) : 'is not a JSON object';
    checked.indexes[at] = typeof record?.index === 'number' ? record.index : String(JSON.stringify(record?.index));
    if (shape) {
      checked.findings.push({ at, problem: `${shape}; it cannot be checked` });
      return undefined;
    }
    const event = record.event as SealedEnvelope;
    // The line is `{"index":<leaf>,"event":<the event's stored bytes>}` as the service exports it (the prefix is ASCII).
    const prefix = typeof record.index === 'number' ? `{"index":${record.index},"event":` : undefined;
    const stored = prefix && line.startsWith(prefix) && line.endsWith('}') ? this.buffer.subarray(start + prefix.length, end - 1) : undefined;
    const mismatch = hashMismatch(event, stored);
    if (mismatch) checked.findings.push({ at, problem: 'its content does not hash to its stored hash: the event was changed after it was sealed', mismatch });
    return event;
  }

  /**
   * The line read without parsing it, when it is `{"index":<leaf>,"event":<stored bytes>}` as the service
   * exports it, its event's bytes are canonical JSON and they hash to its hash: then there is nothing to report
   * and nothing else to read (scanCanonicalEnvelope). Otherwise undefined, and the line is parsed and checked
   * in full, which says what is wrong.
   */
  private canonicalLine(start: number, end: number): { index: number; event: LineEvent } | undefined {
    const b = this.buffer;
    if (
      end - start < INDEX_PREFIX.length + EVENT_PREFIX.length + 2 ||
      b.compare(INDEX_PREFIX, 0, INDEX_PREFIX.length, start, start + INDEX_PREFIX.length) !== 0
    )
      return undefined;
    let i = start + INDEX_PREFIX.length;
    const digits = i;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i += 1;
    if (i === digits || (b[digits] === 0x30 && i > digits + 1) || i - digits > 15) return undefined;
    const index = Number(b.toString('latin1', digits, i));
    if (i + EVENT_PREFIX.length > end || b.compare(EVENT_PREFIX, 0, EVENT_PREFIX.length, i, i + EVENT_PREFIX.length) !== 0 || b[end - 1] !== CLOSE_BRACE)
      return undefined;
    const eventStart = i + EVENT_PREFIX.length;
    const event = scanCanonicalEnvelope(b, eventStart, end - 1);
    if (!event || !hashesToItsHash(b, event, eventStart, end - 1)) return undefined;
    return { index, event };
  }
}

/** What the checks take from a line's event. */
type LineEvent = Pick<SealedEnvelope, 'id' | 'stream' | 'revision' | 'prev' | 'hash'>;

const INDEX_PREFIX = Buffer.from('{"index":');
const EVENT_PREFIX = Buffer.from(',"event":');
const CLOSE_BRACE = 0x7d;
