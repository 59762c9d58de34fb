import { EventDraft, SealedEnvelope, sealEvents } from '@samverkan/sealing';
import { envelopeShapeProblem, StreamHeads } from './envelope-check';
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

describe('the shape of one envelope', () => {
  it('says what is missing from something that is not an envelope', () => {
    const [event] = chain('case-a', 1);
    expect(envelopeShapeProblem(event)).toBeUndefined();
    expect(envelopeShapeProblem([])).toBe('the event is not a JSON object');
    expect(envelopeShapeProblem({ ...event, revision: -1 })).toMatch(/no revision/);
    expect(envelopeShapeProblem({ ...event, hash: event.hash.toUpperCase() })).toMatch(/64 lowercase hex/);
  });
});
