import { envelopeHash, EventDraft, SealedEnvelope, sealEvents, serializeEnvelope } from '@samverkan/sealing';
import { envelopeShapeProblem, hashMismatch, storedBytesHashTo, StreamHeads } from './envelope-check';
import { metadata } from './testing/fixture-ledger';

const draft = (n: number): EventDraft => ({
  id: `0195f0c2-0000-7000-8000-${String(n).padStart(12, '0')}`,
  type: 'SupportRecorded',
  schemaVersion: 1,
  data: { n },
  metadata,
});
const chain = (stream: string, count: number) =>
  sealEvents(
    stream,
    null,
    Array.from({ length: count }, (_, i) => draft(i)),
  );

function breaks(events: readonly SealedEnvelope[]) {
  const heads = new StreamHeads();
  return events.flatMap((event) => {
    const broken = heads.advance(event);
    return broken ? [{ at: `${event.stream}@${event.revision}`, ...broken }] : [];
  });
}

describe('checking stream chains an event at a time', () => {
  it('accepts interleaved streams that each run from revision 0 and link up', () => {
    const [a, b] = [chain('case-a', 3), chain('case-b', 2)];
    expect(breaks([a[0], b[0], a[1], b[1], a[2]])).toEqual([]);
  });

  it('reports a deleted event once, at the revision after it', () => {
    const a = chain('case-a', 4);
    expect(breaks([a[0], a[2], a[3]])).toEqual([
      { at: 'case-a@2', problem: 'revision 1 of stream case-a is missing: this event follows revision 0', expected: 'revision 1', found: 'revision 2' },
    ]);
  });

  it('reports both events of a swapped pair, and nothing after them', () => {
    const a = chain('case-a', 5);
    expect(breaks([a[0], a[2], a[1], a[3], a[4]]).map((b) => b.at)).toEqual(['case-a@2', 'case-a@1']);
  });

  it('reports a stream whose first revisions are gone', () => {
    const a = chain('case-a', 4);
    expect(breaks([a[2], a[3]])).toEqual([
      expect.objectContaining({ at: 'case-a@2', problem: expect.stringContaining('revisions 0 to 1 are missing'), expected: 'revision 0' }),
    ]);
  });

  it('reports an event rewritten and resealed at its successor, whose link it breaks', () => {
    const a = chain('case-a', 3);
    const [forged] = sealEvents('case-a', { revision: 0, hash: a[0].hash }, [{ ...draft(1), data: { n: 'forged' } }]);
    expect(breaks([a[0], forged, a[2]])).toEqual([expect.objectContaining({ at: 'case-a@2', expected: forged.hash, found: a[1].hash })]);
  });
});

describe('checking one envelope', () => {
  it('names the hash of the content and the stored hash of an edited event', () => {
    const [event] = chain('case-a', 1);
    expect(hashMismatch(event)).toBeUndefined();
    const edited = { ...event, data: { n: 1 } };
    expect(hashMismatch(edited)).toEqual({ expected: expect.stringMatching(/^[0-9a-f]{64}$/), found: event.hash });
  });

  it('says what is missing from something that is not an envelope', () => {
    const [event] = chain('case-a', 1);
    expect(envelopeShapeProblem(event)).toBeUndefined();
    expect(envelopeShapeProblem([])).toBe('the event is not a JSON object');
    expect(envelopeShapeProblem({ ...event, revision: -1 })).toMatch(/no revision/);
    expect(envelopeShapeProblem({ ...event, hash: event.hash.toUpperCase() })).toMatch(/64 lowercase hex/);
  });
});

describe("checking an event's hash from its stored bytes", () => {
  const [event] = chain('case-a', 1);
  const stored = Buffer.from(serializeEnvelope(event));

  it('takes the stored bytes that hash to the event, without canonicalising it again', () => {
    expect(storedBytesHashTo(stored, event)).toBe(true);
    expect(hashMismatch(event, stored)).toBeUndefined();
  });

  it('counts in bytes, not characters, where the data is not ASCII', () => {
    const [swedish] = sealEvents('case-c', null, [{ ...draft(0), data: { municipality: 'Malmö', note: 'Åsa — 𝄞' } }]);
    expect(storedBytesHashTo(Buffer.from(serializeEnvelope(swedish)), swedish)).toBe(true);
  });

  it('leaves bytes changed after sealing to the full check, which reports what it recomputed', () => {
    const changed = Buffer.from(stored.toString().replace('"n":0', '"n":1'));
    const parsed = JSON.parse(changed.toString()) as SealedEnvelope;
    expect(storedBytesHashTo(changed, parsed)).toBe(false);
    expect(hashMismatch(parsed, changed)).toEqual({ expected: envelopeHash(parsed), found: event.hash });
  });

  it('leaves bytes in another order to the full check, which takes the same content', () => {
    const { hash, ...content } = event;
    const reordered = Buffer.from(JSON.stringify({ hash, ...content }));
    expect(storedBytesHashTo(reordered, event)).toBe(false);
    expect(hashMismatch(event, reordered)).toBeUndefined();
  });

  it('finds the hash member only where canonical JSON puts it, whatever the data holds that looks like one', () => {
    const decoy = sealEvents('case-b', null, [{ ...draft(0), data: { note: `,"hash":"${'0'.repeat(64)}","id":"${draft(0).id}","metadata":` } }])[0];
    expect(storedBytesHashTo(Buffer.from(serializeEnvelope(decoy)), decoy)).toBe(true);
    const lying = { ...decoy, hash: '0'.repeat(64) };
    expect(storedBytesHashTo(Buffer.from(serializeEnvelope(decoy).replace(decoy.hash, lying.hash)), lying)).toBe(false);
  });
});
