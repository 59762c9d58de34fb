import fc from 'fast-check';
import {
  canonicalJson,
  EventDraft,
  hashMismatch,
  isCanonicalJson,
  scanCanonicalEnvelope,
  sealEvents,
  serializeEnvelope,
  sha256Hex,
  storedBytesHashTo,
} from '@samverkan/sealing';
import rfc8785 from './testing/fixtures/rfc8785.json';
import { sampleMetadata } from './testing/sample-metadata';

const metadata = sampleMetadata;

function sealed(data: EventDraft['data'], id = '0195f0c2-0000-7000-8000-000000000001') {
  const [event] = sealEvents('case-c1', null, [{ id, type: 'SupportRecorded', schemaVersion: 1, data, metadata }]);
  return event;
}

const bytes = (text: string) => Buffer.from(text);

/** A text and a copy of it with one change of the kinds that make canonical JSON not so, or not JSON at all. */
const mutated = (text: string) =>
  fc.oneof(
    fc
      .record({ at: fc.nat(text.length), insert: fc.constantFrom(' ', '\n', ',', '"', '\\', '0', '}', '{', ']', '"a":1,', '\u00e4', 'e', '.') })
      .map(({ at, insert }) => text.slice(0, at) + insert + text.slice(at)),
    fc.nat(Math.max(text.length - 1, 0)).map((at) => text.slice(0, at) + text.slice(at + 1)),
    fc
      .record({ at: fc.nat(Math.max(text.length - 1, 0)), by: fc.constantFrom('A', '1', '"', ':', '\\', 'E', '+', '-', ' ') })
      .map(({ at, by }) => text.slice(0, at) + by + text.slice(at + 1)),
  );

describe('reading a sealed envelope from its canonical bytes', () => {
  it('reads the members a check needs, and where the hash member lies, of what sealing stores', () => {
    const event = sealed({
      municipality: 'Malmö',
      note: 'Åsa — 𝄞 "quoted" \\ \n\t',
      count: 3,
      ratio: 0.25,
      big: 1e21,
      none: null,
      yes: true,
      list: [1, 'a', {}],
    });
    const stored = bytes(serializeEnvelope(event));
    const scanned = scanCanonicalEnvelope(stored);
    expect(scanned).toEqual({
      id: event.id,
      stream: event.stream,
      revision: event.revision,
      prev: event.prev,
      hash: event.hash,
      hashMember: expect.anything(),
    });
    const { start, end } = scanned!.hashMember;
    const unsealed = Buffer.concat([stored.subarray(0, start), stored.subarray(end)]).toString();
    const { hash: _hash, ...content } = event;
    expect(unsealed).toBe(canonicalJson(content));
    expect(sha256Hex(unsealed)).toBe(event.hash);
  });

  it('reads any envelope sealing makes whose keys are ASCII without escapes', () => {
    const key = fc.stringMatching(/^[A-Za-z0-9_$-]{0,12}$/);
    const value = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'grapheme' }),
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (data) => {
        const event = sealed(data as EventDraft['data']);
        const stored = bytes(serializeEnvelope(event));
        expect(scanCanonicalEnvelope(stored)).toMatchObject({ id: event.id, hash: event.hash, revision: 0 });
        expect(storedBytesHashTo(stored, event)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('takes no text that is not canonical, whatever was changed in a canonical one', () => {
    // Soundness: every text taken is the canonical JSON of what a parser reads from it. A text it declines is
    // left to the parser and canonicalisation, so declining is always safe; taking a text that is not
    // canonical would let two parsers read two things from bytes that hash to a sealed hash.
    const key = fc.constantFrom('a', 'b', 'hash', 'id', 'Z', '10', '9', '');
    const data = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });
    fc.assert(
      fc.property(
        data.chain((d) => {
          const text = serializeEnvelope(sealed(d as EventDraft['data']));
          return fc.tuple(fc.constant(text), mutated(text));
        }),
        ([, changed]) => {
          if (!isCanonicalJson(bytes(changed))) return;
          expect(canonicalJson(JSON.parse(changed))).toBe(changed);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['a key twice', '{"a":1,"a":2}'],
    ['keys out of order', '{"b":1,"a":2}'],
    ['keys in UTF-8 order that is not code-unit order', '{"\uff61":1,"\u{1f600}":2}'],
    ['whitespace', '{"a": 1}'],
    ['a number with a trailing zero', '{"a":1.0}'],
    ['an exponent JSON.stringify would not write', '{"a":1e2}'],
    ['an upper-case exponent', '{"a":1E+21}'],
    ['minus zero', '{"a":-0}'],
    ['a leading zero', '{"a":01}'],
    ['an escaped solidus', '{"a":"\\/"}'],
    ['an escape of a printable character', '{"a":"\\u0041"}'],
    ['an upper-case hex escape', '{"a":"\\u001F"}'],
    ['a control character escaped the long way', '{"a":"\\u000a"}'],
    ['a raw control character', '{"a":"\u0001"}'],
    ['an escaped lone surrogate (canonical, but not followed)', '{"a":"\\ud800"}'],
    ['trailing bytes', '{"a":1}x'],
    ['a truncated text', '{"a":"b'],
    ['a literal cut short', '{"a":tru'],
  ])('declines %s', (_, text) => {
    expect(isCanonicalJson(bytes(text))).toBe(false);
  });

  it('declines bytes that are not UTF-8, and nesting deeper than it follows', () => {
    expect(isCanonicalJson(Buffer.from([0x22, 0xff, 0x22]))).toBe(false);
    expect(isCanonicalJson(Buffer.from([0x22, 0xc0, 0xaf, 0x22]))).toBe(false); // an overlong '/'
    expect(isCanonicalJson(bytes(`${'['.repeat(65)}${']'.repeat(65)}`))).toBe(false);
    expect(isCanonicalJson(bytes(`${'['.repeat(64)}${']'.repeat(64)}`))).toBe(true);
  });

  it("takes RFC 8785's canonical outputs it follows, and none of their inputs", () => {
    let taken = 0;
    for (const vector of rfc8785.cases) {
      const output = Buffer.from(vector.expected_utf8_hex, 'hex');
      if (isCanonicalJson(output)) taken += 1;
      expect(isCanonicalJson(bytes(vector.input_json_text))).toBe(false);
    }
    expect(taken).toBeGreaterThan(0);
  });

  it('reads only the part of a buffer it is given', () => {
    const text = serializeEnvelope(sealed({ n: 1 }));
    const line = bytes(`{"index":7,"event":${text}}\n{"index":8}`);
    const start = '{"index":7,"event":'.length;
    expect(scanCanonicalEnvelope(line, start, start + Buffer.byteLength(text))).toMatchObject({ revision: 0 });
    expect(scanCanonicalEnvelope(line, start, start + Buffer.byteLength(text) - 1)).toBeUndefined();
  });
});

describe("checking an event's hash from bytes that are not canonical", () => {
  it('does not take a text with a key twice that hashes to its hash: a parser reads the second, another the first', () => {
    // What a sealer that lies could store: bytes it hashed itself, which canonical JSON never is.
    const unsealed = `{"data":{"a":1,"a":2},"id":"e1","metadata":{},"prev":"${'0'.repeat(64)}","revision":0,"schemaVersion":1,"stream":"s","type":"T"}`;
    const hash = sha256Hex(unsealed);
    const stored = unsealed.replace(',"id":', `,"hash":"${hash}","id":`);
    const event = JSON.parse(stored);
    expect(storedBytesHashTo(bytes(stored), event)).toBe(false);
    expect(storedBytesHashTo(stored, event)).toBe(false);
    expect(hashMismatch(event, bytes(stored))).toEqual({ expected: expect.not.stringMatching(hash), found: hash });
  });
});
