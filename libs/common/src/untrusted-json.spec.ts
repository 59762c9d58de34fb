import fc from 'fast-check';
import { ValidationError } from './errors';
import { hasForbiddenCharacters, MAX_JSON_DEPTH, parseUntrustedJson } from './untrusted-json';

function refusal(text: string): string | undefined {
  try {
    parseUntrustedJson(text);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).rule;
  }
}

describe('parseUntrustedJson', () => {
  it('refuses nesting deeper than the limit before parsing, at any size', () => {
    expect(refusal('{"a":'.repeat(10_000))).toBe('too-deep');
    expect(refusal('['.repeat(120_000))).toBe('too-deep');
    const deepest = `${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}`;
    expect(refusal(deepest)).toBeUndefined();
    expect(refusal(`{"x":${deepest}}`)).toBe('too-deep');
  });

  it('does not count brackets inside strings', () => {
    expect(parseUntrustedJson(`{"a":"${'['.repeat(100)}\\"{{"}`)).toEqual({ a: `${'['.repeat(100)}"{{` });
  });

  it('refuses a key twice in one object, however it is escaped, but not the same key in sibling objects', () => {
    expect(refusal('{"a":1,"a":2}')).toBe('duplicate-key');
    expect(refusal('{"a":1,"\\u0061":2}')).toBe('duplicate-key');
    expect(refusal('{"o":{"a":1,"b":{"a":1},"a":3}}')).toBe('duplicate-key');
    expect(parseUntrustedJson('{"l":[{"a":1},{"a":2}],"a":{"a":3}}')).toEqual({ l: [{ a: 1 }, { a: 2 }], a: { a: 3 } });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the prototype key %s at any depth', (key) => {
    expect(refusal(`{"${key}":{"polluted":true}}`)).toBe('invalid-json');
    expect(refusal(`{"body":[{"${key}":1}]}`)).toBe('invalid-json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['NUL', '\\u0000'],
    ['an ANSI escape', '\\u001b[31m'],
    ['a C1 control', '\\u009b'],
    ['DEL', '\\u007f'],
    ['a right-to-left override', '\\u202e'],
    ['a bidirectional isolate', '\\u2067'],
    ['a lone high surrogate', '\\ud800'],
    ['a lone low surrogate', 'x\\udc00'],
    ['a carriage return alone', 'a\\rb'],
  ])('refuses %s in a string', (_, escaped) => {
    expect(refusal(`{"summary":"before ${escaped} after"}`)).toBe('forbidden-character');
    expect(refusal(`{"list":["${escaped}"]}`)).toBe('forbidden-character');
  });

  it('keeps tab, line breaks and every other character of every language', () => {
    const text = 'Rad ett\r\nrad två\n\tindrag — Åsa, Øyvind, Мария, 李, مريم, 😀';
    expect(parseUntrustedJson(JSON.stringify({ summary: text }))).toEqual({ summary: text });
  });

  it.each(['"x"', '1', 'null', '[]', 'true'])('refuses %s as a body: only an object is a command', (text) => {
    expect(refusal(text)).toBe('invalid-json');
  });

  it('answers any text with a value or a ValidationError, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.json({ depthSize: 'large' }),
          fc.jsonValue().map((v) => JSON.stringify({ v })),
        ),
        (text) => {
          refusal(text);
        },
      ),
      { numRuns: 2000 },
    );
  }, 60_000);

  it('gives back exactly what JSON.parse would for every object within the limits', () => {
    const clean = fc.string({ unit: 'grapheme' }).filter((s) => !hasForbiddenCharacters(s));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', maxDepth: 6 },
        clean,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node')),
        fc.dictionary(
          clean.filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)),
          tie('node'),
        ),
      ),
    })).node;
    fc.assert(
      fc.property(
        fc
          .dictionary(fc.string(), value)
          .filter((o) => !Object.keys(o).some((k) => ['__proto__', 'constructor', 'prototype'].includes(k) || hasForbiddenCharacters(k))),
        (object) => {
          const text = JSON.stringify(object);
          expect(parseUntrustedJson(text)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);
});
