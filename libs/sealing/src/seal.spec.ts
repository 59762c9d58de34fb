import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  envelopeHash,
  EventDraft,
  GENESIS_HASH,
  hashMismatch,
  SealedEnvelope,
  sealEvents,
  serializeEnvelope,
  sha256Hex,
  storedBytesHashTo,
  verifyChain,
} from '@samverkan/sealing';
import rfc8785 from './testing/fixtures/rfc8785.json';
import { sampleMetadata } from './testing/sample-metadata';

const metadata = sampleMetadata;

let sequence = 0;
function draft(data: EventDraft['data'] = { note: 'x' }, type = 'CaseOpened'): EventDraft {
  sequence += 1;
  return {
    id: `0195f0c2-0000-7000-8000-${String(sequence).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    data,
    metadata,
  };
}

const stream = 'case-c1';

describe('sealing events', () => {
  it('links the first event of a stream to 64 zeros at revision 0', () => {
    const [first] = sealEvents(stream, null, [draft()]);

    expect(first.prev).toBe('0'.repeat(64));
    expect(first.prev).toBe(GENESIS_HASH);
    expect(first.revision).toBe(0);
    expect(first.stream).toBe(stream);
  });

  it('links each event of a batch to the one before it, in consecutive revisions', () => {
    const events = sealEvents(stream, null, [draft(), draft(), draft()]);

    expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
    expect(events[1].prev).toBe(events[0].hash);
    expect(events[2].prev).toBe(events[1].hash);
  });

  it('continues a stream after its last event', () => {
    const earlier = sealEvents(stream, null, [draft(), draft()]);
    const head = { revision: earlier[1].revision, hash: earlier[1].hash };

    const [next] = sealEvents(stream, head, [draft()]);

    expect(next.revision).toBe(2);
    expect(next.prev).toBe(earlier[1].hash);
    expect(verifyChain(stream, [...earlier, next])).toEqual({ ok: true, stream, events: 3, head: next.hash });
  });

  it('hashes the SHA-256 of the canonical JSON of everything but the hash', () => {
    const [sealed] = sealEvents(stream, null, [
      { id: '0195f0c2-aaaa-7000-8000-000000000001', type: 'CaseOpened', schemaVersion: 2, data: { z: 1, a: 'Ö' }, metadata },
    ]);
    // Written out by hand: keys sorted by UTF-16 code unit, no whitespace, `hash` left out.
    const canonical =
      '{"data":{"a":"Ö","z":1},"id":"0195f0c2-aaaa-7000-8000-000000000001","metadata":{"actorId":"officer-7f3a",' +
      '"agencyId":"police-malmo","causationId":null,"commandId":"cmd-1","correlationId":"corr-1",' +
      '"occurredAt":"2026-03-01T09:30:00.000Z","recordedAt":"2026-03-01T09:30:01.250Z"},' +
      '"prev":"0000000000000000000000000000000000000000000000000000000000000000","revision":0,"schemaVersion":2,' +
      '"stream":"case-c1","type":"CaseOpened"}';

    const { hash, ...unsealed } = sealed;
    expect(canonicalJson(unsealed)).toBe(canonical);
    expect(hash).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
    expect(hash).toBe('e79e4af6ec7b9848a92f2885e7b0159a3b02e332b57e5026190d48835b0b77d7');
    expect(envelopeHash(sealed)).toBe(hash);
  });

  describe('changing any sealed field changes the hash', () => {
    const [original] = sealEvents(stream, { revision: 4, hash: 'a'.repeat(64) }, [draft({ amount: 1, items: ['a'] })]);
    const changes: Array<[string, Partial<SealedEnvelope>]> = [
      ['data', { data: { amount: 2, items: ['a'] } }],
      ['data, deep inside', { data: { amount: 1, items: ['b'] } }],
      ['data, by a new key', { data: { amount: 1, items: ['a'], extra: null } }],
      ['metadata agency', { metadata: { ...original.metadata, agencyId: 'police-lund' } }],
      ['metadata actor', { metadata: { ...original.metadata, actorId: 'officer-0000' } }],
      ['metadata causation', { metadata: { ...original.metadata, causationId: 'evt-9' } }],
      ['metadata occurred-at', { metadata: { ...original.metadata, occurredAt: '2026-03-01T09:30:00.001Z' } }],
      ['type', { type: 'CaseClosed' }],
      ['revision', { revision: 6 }],
      ['prev', { prev: 'b'.repeat(64) }],
      ['id', { id: '0195f0c2-0000-7000-8000-ffffffffffff' }],
      ['stream', { stream: 'case-c2' }],
      ['schema version', { schemaVersion: 2 }],
    ];

    it.each(changes)('%s', (_field, change) => {
      const changed = { ...original, ...change };

      expect(envelopeHash(changed)).not.toBe(original.hash);
      expect(verifyChain(original.stream, [changed]).ok).toBe(false);
    });

    it('but not the order in which keys were written', () => {
      const reordered = { ...original, data: { items: ['a'], amount: 1 } };

      expect(envelopeHash(reordered)).toBe(original.hash);
    });
  });

  it('seals what a reader of the stored bytes will see, not the objects it was handed', () => {
    const data = { when: new Date('2026-03-01T00:00:00Z'), gone: undefined, kept: 'yes' } as unknown as EventDraft['data'];
    const [sealed] = sealEvents(stream, null, [draft(data)]);
    (data as Record<string, unknown>).kept = 'changed after sealing';

    const readBack = JSON.parse(serializeEnvelope(sealed)) as SealedEnvelope;

    expect(readBack).toEqual(sealed);
    expect(sealed.data).toEqual({ when: '2026-03-01T00:00:00.000Z', kept: 'yes' });
    expect(envelopeHash(readBack)).toBe(sealed.hash);
    expect(serializeEnvelope(readBack)).toBe(serializeEnvelope(sealed));
  });

  it('stores the canonical JSON of the envelope, hash included', () => {
    const [sealed] = sealEvents(stream, null, [draft()]);

    const stored = serializeEnvelope(sealed);

    expect(stored).toBe(canonicalJson(sealed));
    expect(stored).toContain(`"hash":"${sealed.hash}"`);
  });

  it('stores, for any data, exactly the canonical JSON of the envelope, and hashes exactly what it would without the hash', () => {
    // Sealing canonicalises each member once, for the hash and the stored text both; any data and metadata,
    // keys that JSON escapes or that sort by UTF-16 code units included, must give what canonicalising the
    // whole envelope gives.
    const anyKey = fc.oneof(fc.string(), fc.constantFrom('hash', 'data', 'ä', '\u{1F600}', '"q"', '\\', 'Z', 'a'));
    const data = fc.dictionary(anyKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
    const extraMetadata = fc.record({ commandFingerprint: fc.option(fc.string(), { nil: undefined }) });
    fc.assert(
      fc.property(data, extraMetadata, (d, extra) => {
        const [sealed] = sealEvents(stream, null, [{ ...draft(d as EventDraft['data']), metadata: { ...metadata, ...extra } }]);
        expect(serializeEnvelope(sealed)).toBe(canonicalJson(sealed)); // the text kept from sealing
        expect(serializeEnvelope(sealed)).toBe(canonicalJson(sealed)); // asked again: canonicalised
        expect(envelopeHash(sealed)).toBe(sealed.hash);
        expect(serializeEnvelope({ ...sealed })).toBe(canonicalJson(sealed)); // a copy is canonicalised when stored
      }),
      { numRuns: 300 },
    );
  });
});

describe('verifying a chain', () => {
  const chain = () => sealEvents(stream, null, [draft(), draft(), draft(), draft()]);

  it('accepts an intact chain and names its head', () => {
    const events = chain();

    expect(verifyChain(stream, events)).toEqual({ ok: true, stream, events: 4, head: events[3].hash });
  });

  it('accepts an empty stream, whose head is the genesis hash', () => {
    expect(verifyChain(stream, [])).toEqual({ ok: true, stream, events: 0, head: GENESIS_HASH });
  });

  it('reports an event whose content no longer matches its hash', () => {
    const events = chain();
    const tampered = { ...events[2], data: { note: 'rewritten' } };

    const verdict = verifyChain(stream, [events[0], events[1], tampered, events[3]]);

    expect(verdict).toEqual({
      ok: false,
      stream,
      events: 3,
      firstBroken: {
        kind: 'hash-mismatch',
        revision: 2,
        eventId: events[2].id,
        expected: envelopeHash(tampered),
        found: events[2].hash,
      },
    });
  });

  it('reports a rewritten and resealed event at its successor, whose link it breaks', () => {
    const events = chain();
    const [forged] = sealEvents(stream, { revision: 0, hash: events[0].hash }, [draft({ note: 'forged' })]);

    const verdict = verifyChain(stream, [events[0], forged, events[2], events[3]]);

    expect(verdict).toMatchObject({
      ok: false,
      firstBroken: { kind: 'broken-link', revision: 2, eventId: events[2].id, expected: forged.hash, found: events[1].hash },
    });
  });

  it('reports an event sealed onto the wrong predecessor', () => {
    const events = chain();
    const [misplaced] = sealEvents(stream, { revision: 1, hash: 'c'.repeat(64) }, [draft()]);

    const verdict = verifyChain(stream, [events[0], events[1], misplaced]);

    expect(verdict).toMatchObject({
      ok: false,
      events: 3,
      firstBroken: { kind: 'broken-link', revision: 2, expected: events[1].hash, found: 'c'.repeat(64) },
    });
  });

  it('reports a missing event as a revision gap at the revision that follows it', () => {
    const events = chain();

    const verdict = verifyChain(stream, [events[0], events[2], events[3]]);

    expect(verdict).toMatchObject({
      ok: false,
      firstBroken: { kind: 'revision-gap', revision: 2, eventId: events[2].id, expected: 1, found: 2 },
    });
  });

  it('reports events out of order as a revision gap', () => {
    const events = chain();

    expect(verifyChain(stream, [events[1], events[0]])).toMatchObject({
      ok: false,
      firstBroken: { kind: 'revision-gap', revision: 1, expected: 0, found: 1 },
    });
  });

  it('reports an event of another stream', () => {
    const events = chain();
    const [foreign] = sealEvents('case-c2', { revision: 0, hash: events[0].hash }, [draft()]);

    expect(verifyChain(stream, [events[0], foreign])).toMatchObject({
      ok: false,
      firstBroken: { kind: 'wrong-stream', revision: 1, expected: stream, found: 'case-c2' },
    });
  });
});

describe('canonical JSON (RFC 8785)', () => {
  describe('matches the published canonicalization vectors', () => {
    it.each(rfc8785.cases.map((c) => [c.name, c] as const))('%s', (_name, vector) => {
      const canonical = canonicalJson(JSON.parse(vector.input_json_text));

      expect(Buffer.from(canonical, 'utf8').toString('hex')).toBe(vector.expected_utf8_hex);
      expect(sha256Hex(canonical)).toBe(vector.expected_sha256_hex);
    });
  });

  describe('serializes numbers as ECMAScript does, and refuses what JSON cannot hold', () => {
    const numbers = rfc8785.number_serialization.cases.map(([hex, expected]) => {
      const value = Buffer.from(hex as string, 'hex').readDoubleBE(0);
      return [hex as string, value, expected] as const;
    });

    it.each(numbers.filter(([, , expected]) => expected !== null))('%s (%d) as %s', (_hex, value, expected) => {
      expect(canonicalJson(value)).toBe(expected);
      expect(canonicalJson({ n: value })).toBe(`{"n":${expected}}`);
    });

    it.each(numbers.filter(([, , expected]) => expected === null))('%s (%d) is refused', (_hex, value) => {
      expect(() => canonicalJson(value)).toThrow();
      expect(() => canonicalJson({ n: [value] })).toThrow();
    });
  });

  it('refuses a value that has no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});

/** One event sealed as the first of its stream. */
const sealOne = (stream: string, data: EventDraft['data']) => sealEvents(stream, null, [draft(data)])[0];

describe('checking one envelope', () => {
  it('names the hash of the content and the stored hash of an edited event', () => {
    const event = sealOne('case-a', { n: 0 });
    expect(hashMismatch(event)).toBeUndefined();
    const edited = { ...event, data: { n: 1 } };
    expect(hashMismatch(edited)).toEqual({ expected: expect.stringMatching(/^[0-9a-f]{64}$/), found: event.hash });
  });
});

// The ledger checks the text its store read, an auditor's verifier the bytes of an export line: the same rule.
describe.each([
  ['as text', (text: string): string | Buffer => text],
  ['as UTF-8 bytes', (text: string): string | Buffer => Buffer.from(text)],
])("checking an event's hash from its stored form, %s", (_, stored) => {
  const event = sealOne('case-a', { n: 0 });

  it('takes the stored form that hashes to the event, without canonicalising it again', () => {
    expect(storedBytesHashTo(stored(serializeEnvelope(event)), event)).toBe(true);
    expect(hashMismatch(event, stored(serializeEnvelope(event)))).toBeUndefined();
  });

  it('hashes UTF-8 where the data is not ASCII', () => {
    const swedish = sealOne('case-c', { municipality: 'Malmö', note: 'Åsa — 𝄞' });
    expect(storedBytesHashTo(stored(serializeEnvelope(swedish)), swedish)).toBe(true);
  });

  it('leaves a stored form changed after sealing to the full check, which reports what it recomputed', () => {
    const changed = serializeEnvelope(event).replace('"n":0', '"n":1');
    const parsed = JSON.parse(changed) as SealedEnvelope;
    expect(storedBytesHashTo(stored(changed), parsed)).toBe(false);
    expect(hashMismatch(parsed, stored(changed))).toEqual({ expected: envelopeHash(parsed), found: event.hash });
  });

  it('leaves a stored form in another order to the full check, which takes the same content', () => {
    const { hash, ...content } = event;
    const reordered = JSON.stringify({ hash, ...content });
    expect(storedBytesHashTo(stored(reordered), event)).toBe(false);
    expect(hashMismatch(event, stored(reordered))).toBeUndefined();
  });

  it('finds the hash member only where canonical JSON puts it, whatever the data holds that looks like one', () => {
    const id = '0195f0c2-0000-7000-8000-00000000decc';
    const [decoy] = sealEvents('case-b', null, [{ ...draft(), id, data: { note: `,"hash":"${'0'.repeat(64)}","id":"${id}","metadata":` } }]);
    expect(storedBytesHashTo(stored(serializeEnvelope(decoy)), decoy)).toBe(true);
    const lying = { ...decoy, hash: '0'.repeat(64) };
    expect(storedBytesHashTo(stored(serializeEnvelope(decoy).replace(decoy.hash, lying.hash)), lying)).toBe(false);
  });
});
