import { isUtf8 } from 'node:buffer';

/**
 * The members of a sealed envelope that its checks read, taken from its stored bytes without parsing them into
 * objects, together with where its `hash` member lies. Only the bytes of canonical JSON (RFC 8785) are taken.
 */
export interface CanonicalEnvelope {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly prev: string;
  /**
   * The text of the `hash` member, 64 characters: the event's hash only where the rest hashes to it
   * (hashesToItsHash), which also makes it 64 lowercase hex digits.
   */
  readonly hash: string;
  /** The bytes of the `hash` member and the one comma that separates it from its neighbour: the rest is what was hashed. */
  readonly hashMember: { readonly start: number; readonly end: number };
}

/**
 * Reads an envelope from `bytes[start, end)` if, and only if, those bytes are one JSON object in the canonical
 * form of RFC 8785: no whitespace, each object's keys in ascending order of their UTF-16 code units and none
 * twice, each string and number as ECMAScript's JSON.stringify writes it, valid UTF-8. Then the bytes are the
 * one text `canonicalize` makes of what any JSON parser reads from them, and what they hash to is the hash of
 * that content: a check that hashes them needs neither to parse nor to canonicalise again.
 *
 * It answers undefined for anything else, and for some canonical texts it does not follow (a key that is not
 * ASCII or holds an escape, a `\u` escape of anything but a control character, the top-level members a check
 * reads missing or of the wrong kind): the caller then parses and canonicalises, which is always right, only
 * slower. So every text it takes is canonical; not every canonical text is taken.
 */
export function scanCanonicalEnvelope(bytes: Uint8Array, start = 0, end = bytes.length): CanonicalEnvelope | undefined {
  const scan = new Scan(bytes, end);
  if (bytes[start] !== OPEN_BRACE || scan.object(start, true) !== end) return undefined;
  if (scan.nonAscii && !isUtf8(bytes.subarray(start, end))) return undefined;
  const { id, stream, revision, prev, hash } = scan.top;
  if (!id || !stream || !revision || !prev || !hash || scan.hashMember === undefined) return undefined;
  const hashText = hash.end - hash.start === 66 ? scan.plainText(hash) : undefined;
  const revisionValue = bytes[revision.start] >= DIGIT_0 && bytes[revision.start] <= DIGIT_9 ? Number(scan.asciiText(revision.start, revision.end)) : NaN;
  if (hashText === undefined || !Number.isSafeInteger(revisionValue) || revisionValue < 0) return undefined;
  const idText = scan.plainText(id);
  const streamText = scan.plainText(stream);
  const prevText = scan.plainText(prev);
  if (!idText || !streamText || prevText === undefined) return undefined;
  return { id: idText, stream: streamText, revision: revisionValue, prev: prevText, hash: hashText, hashMember: scan.hashMember };
}

/**
 * Whether `bytes[start, end)` are one JSON value in the canonical form of RFC 8785, as scanCanonicalEnvelope
 * judges it: true only for canonical text; false for anything else, and for the canonical texts it does not follow.
 */
export function isCanonicalJson(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  const scan = new Scan(bytes, end);
  if (scan.value(start) !== end) return false;
  return !scan.nonAscii || isUtf8(bytes.subarray(start, end));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Most nesting followed; deeper texts are left to the parser. */
const MOST_DEPTH = 64;

/** Where a value lies: `start` at its first byte (a string's opening quote), `end` after its last. */
interface Span {
  readonly start: number;
  readonly end: number;
  /** For a string: it holds no escape. */
  readonly plain: boolean;
}

/** The top-level members read, by key. */
type Top = Partial<Record<'id' | 'stream' | 'revision' | 'prev' | 'hash', Span>>;

const keyBytes = (name: keyof Top): readonly [keyof Top, Buffer] => [name, Buffer.from(name)];
const ID = keyBytes('id');
const STREAM = keyBytes('stream');
const REVISION = keyBytes('revision');
const PREV = keyBytes('prev');
const HASH = keyBytes('hash');

/**
 * One pass over the bytes. Each method takes the index of a value's first byte and answers the index after its
 * last, or -1 where the text is not canonical JSON (or not followed).
 */
class Scan {
  /** Whether any byte is not ASCII: then the whole text is checked to be UTF-8 once, at the end. */
  nonAscii = false;
  readonly top: { -readonly [key in keyof Top]: Top[key] } = {};
  hashMember: { start: number; end: number } | undefined;
  /** Whether the last string scanned held no escape. */
  private plain = true;
  private depth = 0;

  private readonly text: Buffer;

  constructor(
    private readonly b: Uint8Array,
    private readonly end: number,
  ) {
    this.text = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  value(i: number): number {
    const c = i < this.end ? this.b[i] : -1;
    if (c === QUOTE) return this.string(i);
    if (c === OPEN_BRACE) return this.object(i, false);
    if (c === OPEN_BRACKET) return this.array(i);
    if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) return this.number(i);
    if (c === 0x74) return this.literal(i, TRUE);
    if (c === 0x66) return this.literal(i, FALSE);
    if (c === 0x6e) return this.literal(i, NULL);
    return -1;
  }

  object(open: number, top: boolean): number {
    if (++this.depth > MOST_DEPTH) return -1;
    const b = this.b;
    let i = open + 1;
    if (i < this.end && b[i] === CLOSE_BRACE) {
      this.depth -= 1;
      return i + 1;
    }
    let previousKey = -1;
    let previousKeyEnd = -1;
    for (;;) {
      if (i >= this.end || b[i] !== QUOTE) return -1;
      const keyEnd = this.string(i);
      // Only keys of plain ASCII are followed: their bytes are in the order of their UTF-16 code units.
      if (keyEnd < 0 || !this.plain || this.hasNonAscii(i + 1, keyEnd - 1)) return -1;
      if (previousKey >= 0 && this.compare(previousKey + 1, previousKeyEnd - 1, i + 1, keyEnd - 1) >= 0) return -1;
      if (keyEnd >= this.end || b[keyEnd] !== COLON) return -1;
      const valueEnd = this.value(keyEnd + 1);
      if (valueEnd < 0) return -1;
      if (valueEnd >= this.end) return -1;
      if (top) this.noteTopMember(i, keyEnd, valueEnd);
      previousKey = i;
      previousKeyEnd = keyEnd;
      if (b[valueEnd] === COMMA) {
        i = valueEnd + 1;
        continue;
      }
      if (b[valueEnd] !== CLOSE_BRACE) return -1;
      this.depth -= 1;
      return valueEnd + 1;
    }
  }

  array(open: number): number {
    if (++this.depth > MOST_DEPTH) return -1;
    const b = this.b;
    let i = open + 1;
    if (i < this.end && b[i] === CLOSE_BRACKET) {
      this.depth -= 1;
      return i + 1;
    }
    for (;;) {
      const valueEnd = this.value(i);
      if (valueEnd < 0 || valueEnd >= this.end) return -1;
      if (b[valueEnd] === COMMA) {
        i = valueEnd + 1;
        continue;
      }
      if (b[valueEnd] !== CLOSE_BRACKET) return -1;
      this.depth -= 1;
      return valueEnd + 1;
    }
  }

  /**
   * A string as JSON.stringify writes it: `"` and `\` escaped as such, the control characters as `\b \t \n \f \r`
   * or `\u00xx` (lowercase hex) for the others, everything else as itself. A `\u` escape of anything else is
   * not followed (JSON.stringify writes a lone surrogate so, which valid UTF-8 cannot carry).
   */
  string(open: number): number {
    const b = this.b;
    const end = this.end;
    let plain = true;
    let i = open + 1;
    while (i < end) {
      // Most bytes of a string are printable ASCII: passed over by one look-up each.
      while (i < end && STRING_BYTE[b[i]] === PRINTABLE) i += 1;
      if (i >= end) return -1;
      const c = b[i];
      if (c === QUOTE) {
        this.plain = plain;
        return i + 1;
      }
      if (c === BACKSLASH) {
        plain = false;
        if (i + 6 > end && b[i + 1] === 0x75) return -1;
        const e = i + 1 < end ? b[i + 1] : -1;
        if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
          continue;
        }
        if (e !== 0x75 || b[i + 2] !== DIGIT_0 || b[i + 3] !== DIGIT_0) return -1;
        const high = b[i + 4];
        const low = hexDigit(b[i + 5]);
        if ((high !== DIGIT_0 && high !== DIGIT_0 + 1) || low < 0) return -1;
        const code = (high - DIGIT_0) * 16 + low;
        if (SHORT_ESCAPED.has(code)) return -1;
        i += 6;
        continue;
      }
      if (c < 0x20) return -1;
      if (c >= 0x80) this.nonAscii = true;
      i += 1;
    }
    return -1;
  }

  /** A number as ECMAScript writes it: what Number() reads from it, written again, is the same text. */
  number(first: number): number {
    const b = this.b;
    let i = first;
    if (b[i] === MINUS) i += 1;
    while (i < this.end && ((b[i] >= DIGIT_0 && b[i] <= DIGIT_9) || b[i] === 0x2e || b[i] === 0x65 || b[i] === 0x2b || b[i] === MINUS)) i += 1;
    if (i === first) return -1;
    if (this.plainInteger(first, i)) return i;
    const text = this.asciiText(first, i);
    if (!JSON_NUMBER.test(text) || String(Number(text)) !== text) return -1;
    return i;
  }

  /** Digits, with a minus or not, no leading zero, not -0, and few enough that they are written back as they are. */
  private plainInteger(first: number, end: number): boolean {
    const b = this.b;
    const digits = b[first] === MINUS ? first + 1 : first;
    if (end === digits || end - digits > 15) return false;
    if (b[digits] === DIGIT_0) return end === digits + 1 && digits === first;
    for (let i = digits; i < end; i++) if (b[i] < DIGIT_0 || b[i] > DIGIT_9) return false;
    return true;
  }

  literal(first: number, word: readonly number[]): number {
    if (first + word.length > this.end) return -1;
    for (let k = 0; k < word.length; k++) if (this.b[first + k] !== word[k]) return -1;
    return first + word.length;
  }

  /** The text of a string span without its quotes, when it holds no escape (else undefined: the caller parses). */
  plainText(span: Span): string | undefined {
    if (!span.plain || this.b[span.start] !== QUOTE) return undefined;
    return this.text.toString('utf8', span.start + 1, span.end - 1);
  }

  asciiText(start: number, end: number): string {
    return this.text.toString('latin1', start, end);
  }

  private noteTopMember(keyStart: number, keyEnd: number, valueEnd: number): void {
    const name = this.topMember(keyStart + 1, keyEnd - 1);
    if (name === undefined) return;
    const valueStart = keyEnd + 1;
    // `plain` is of the last string scanned: the value, when it is one (and only strings are read as text).
    const span = { start: valueStart, end: valueEnd, plain: this.plain };
    if (name === 'id') this.top.id = span;
    else if (name === 'stream') this.top.stream = span;
    else if (name === 'revision') this.top.revision = span;
    else if (name === 'prev') this.top.prev = span;
    else this.top.hash = span;
    if (name !== 'hash') return;
    // The member and the comma after it, or before it when it is the last.
    if (this.b[valueEnd] === COMMA) this.hashMember = { start: keyStart, end: valueEnd + 1 };
    else if (this.b[keyStart - 1] === COMMA) this.hashMember = { start: keyStart - 1, end: valueEnd };
  }

  /** Which of the members read the key in `[start, end)` names, if any: compared byte by byte, no text made. */
  private topMember(start: number, end: number): keyof Top | undefined {
    const length = end - start;
    const candidate = length === 2 ? ID : length === 6 ? STREAM : length === 8 ? REVISION : length !== 4 ? undefined : this.b[start] === 0x68 ? HASH : PREV;
    if (candidate === undefined) return undefined;
    const [name, key] = candidate;
    for (let k = 0; k < length; k++) if (this.b[start + k] !== key[k]) return undefined;
    return name;
  }

  private hasNonAscii(start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (this.b[i] >= 0x80) return true;
    return false;
  }

  /** Compares the bytes `[a, aEnd)` and `[c, cEnd)`: negative, zero or positive. */
  private compare(a: number, aEnd: number, c: number, cEnd: number): number {
    const b = this.b;
    const n = Math.min(aEnd - a, cEnd - c);
    for (let k = 0; k < n; k++) {
      const d = b[a + k] - b[c + k];
      if (d !== 0) return d;
    }
    return aEnd - a - (cEnd - c);
  }
}

const PRINTABLE = 0;
/** Each byte's kind in a string: PRINTABLE for ASCII from space to tilde but `"` and `\`, else 1. */
const STRING_BYTE = Uint8Array.from({ length: 256 }, (_, c) => (c >= 0x20 && c < 0x7f && c !== QUOTE && c !== BACKSLASH ? PRINTABLE : 1));
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];
/** The control characters JSON.stringify writes as `\b \t \n \f \r`, never as `\u00xx`. */
const SHORT_ESCAPED = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function hexDigit(c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}
