import fc from 'fast-check';

/**
 * Text an attacker would send where JSON is expected: arbitrary JSON values and objects; deep nesting; huge
 * strings; prototype keys; duplicate keys; Unicode edge cases (controls, bidirectional overrides, lone
 * surrogates, noncharacters, astral characters); wrong types for the fields commands have; and text that is
 * not JSON at all.
 */
const FIELD_NAMES = [
  'subject',
  'category',
  'ageGroup',
  'personId',
  'summary',
  'reason',
  'toAgency',
  'urgency',
  'dueBy',
  'kind',
  'providedOn',
  'scope',
  'given',
  'by',
  'on',
  'until',
  'granted',
  'status',
  'reference',
  'outcome',
  'charges',
  'court',
  'verdict',
  'offences',
  'sentence',
  'appealed',
  'decidedOn',
  'description',
  'contentSha256',
  'agencyId',
  'identity',
  'relativeId',
  'relation',
  'basis',
  'type',
  'commandId',
  'caseId',
  'body',
  'expectedRevision',
  '__proto__',
  'constructor',
  'prototype',
];

const edgeStrings = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u001b[2J',
    '\u202e',
    '\u2066',
    '\ud800',
    '\udc00',
    '\uffff',
    '\ufeff',
    '😀',
    'A\u030a',
    '\r',
    '\n\t',
    '2026-02-30',
    '9999-12-31',
    '1900-01-01',
    '0x10',
    '1e308',
    '-0',
    'null',
    'true',
    '../../etc/passwd',
    '<script>',
    "' OR 1=1 --",
    '19811218-9876',
    'victim',
    'adult',
    'shelter',
    'polisen-noa',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1, max: 300_000 }).map((n) => 'x'.repeat(n)),
);

const scalar = fc.oneof(edgeStrings, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e21));

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    scalar,
    fc.array(tie('node'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 10 })), tie('node'), { maxKeys: 6 }),
  ),
})).node;

/** A JSON object whose fields are the ones commands have, holding anything. */
const commandLike = fc.dictionary(fc.constantFrom(...FIELD_NAMES), value, { maxKeys: 8 }).map((o) => JSON.stringify(o));

/** Nesting past the limit, left open or closed (a closed one is valid JSON that a recursive reader overflows on). */
const deepNesting = fc
  .tuple(fc.constantFrom(['{"a":', '}'], ['[', ']'], ['{"body":', '}']), fc.integer({ min: 17, max: 120_000 }), fc.boolean())
  .map(([[open, close], n, closed]) => (closed ? `{"type":"open-case","commandId":"c","x":${open.repeat(n)}1${close.repeat(n)}}` : open.repeat(n)));
const duplicateKeys = fc
  .tuple(fc.constantFrom(...FIELD_NAMES), value, value)
  .map(([key, a, b]) => `{"${key}":${JSON.stringify(a) ?? 'null'},"${key}":${JSON.stringify(b) ?? 'null'}}`);
const prototypeKeys = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), value)
  .map(([key, v]) => `{"${key}":${JSON.stringify(v) ?? '{}'},"kind":"shelter"}`);
const notJson = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('{', '}', '{"a":1,}', "{'a':1}", 'NaN', '{"a":01}', '\ufeff{}'));

export const hostileJson: fc.Arbitrary<string> = fc.oneof(
  commandLike,
  value.map((v) => JSON.stringify(v) ?? 'null'),
  deepNesting,
  duplicateKeys,
  prototypeKeys,
  notJson,
);
