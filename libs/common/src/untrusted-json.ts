import { ValidationError } from './errors';

/** How far a body from outside may nest: the deepest command is four levels; a margin for what comes. */
export const MAX_JSON_DEPTH = 16;

/** Keys that name an object's prototype in JavaScript: never a field of ours, refused wherever they appear. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Characters no value from outside may carry: C0 controls but tab, line feed and a carriage return before a
 * line feed; DEL and the C1 controls (ANSI escapes reach a terminal through either); the bidirectional
 * embeddings, overrides and isolates, which make a text read differently from what it says; and lone
 * surrogates, which are no character at all (under the `u` flag a paired surrogate is one code point and
 * does not match).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]|\r(?!\n)/u;

/**
 * Parses JSON that came from outside (an HTTP body, a Kafka command message) with the limits that must hold
 * before any work is done on it: nesting at most MAX_JSON_DEPTH deep, no key twice in one object (parsers
 * disagree on which one wins, so the command would mean different things to different readers), no prototype
 * keys, and no string holding a control, bidirectional or broken character. The top level must be an object.
 * Every refusal is a ValidationError that names the place.
 */
export function parseUntrustedJson(text: string): Record<string, unknown> {
  scan(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`the body is not JSON: ${(error as Error).message}`, { rule: 'invalid-json' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('the body must be a JSON object', { rule: 'invalid-json' });
  }
  checkStrings(value, '');
  return value as Record<string, unknown>;
}

/** Whether a text holds a character parseUntrustedJson refuses in a string: for headers and other text from outside. */
export function hasForbiddenCharacters(text: string): boolean {
  return FORBIDDEN.test(text);
}

interface Level {
  readonly keys: Set<string> | undefined; // undefined for an array
  expectKey: boolean;
}

/**
 * One pass over the text, before it is parsed: depth and duplicate keys. Grammar is left to JSON.parse;
 * this only has to be right for text JSON.parse accepts, and must never be slower than linear for any text.
 */
function scan(text: string): void {
  const levels: Level[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = endOfString(text, i);
      const top = levels[levels.length - 1];
      if (top?.keys && top.expectKey) {
        const key = decodeKey(text.slice(i + 1, end));
        if (PROTOTYPE_KEYS.has(key)) throw new ValidationError(`the key ${key} is not allowed`, { rule: 'invalid-json' });
        if (top.keys.has(key)) throw new ValidationError(`the key ${JSON.stringify(key)} appears twice in one object`, { rule: 'duplicate-key' });
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (levels.length >= MAX_JSON_DEPTH) {
        throw new ValidationError(`the body nests deeper than ${MAX_JSON_DEPTH} levels`, { rule: 'too-deep' });
      }
      levels.push({ keys: c === 0x7b ? new Set() : undefined, expectKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      levels.pop();
    } else if (c === 0x2c /* , */) {
      const top = levels[levels.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
}

/** The index of the quote that closes the string opening at `start` (or the text's end if none does). */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

function decodeKey(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw; // JSON.parse of the whole text will refuse it
  }
}

function checkStrings(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (FORBIDDEN.test(value)) {
      throw new ValidationError(`${path || 'the body'} holds a control, bidirectional or broken character; only tab and line breaks are allowed in text`, {
        rule: 'forbidden-character',
        details: { field: path },
      });
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkStrings(item, `${path}[${index}]`));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (FORBIDDEN.test(key)) throw new ValidationError(`a key in ${path || 'the body'} holds a control character`, { rule: 'forbidden-character' });
    checkStrings(item, field);
  }
}
