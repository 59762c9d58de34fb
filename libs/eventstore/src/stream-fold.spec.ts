import { randomUUID } from 'node:crypto';
import { EventMetadata, sealEvents } from '@samverkan/sealing';
import type { RecordedEvent } from './event-store.port';
import { foldSteps, StreamStates } from './stream-fold';

/** A stream's state: the amounts added, in order. */
type Sum = readonly number[];
type Added = { type: 'Added'; data: { amount: number } };
const adding = { evolve: (state: Sum, event: Added) => [...state, event.data.amount] };

const metadata: EventMetadata = {
  agencyId: 'a',
  actorId: 'x',
  commandId: 'c',
  correlationId: 'c',
  causationId: null,
  occurredAt: '2026-12-06T00:00:00.000Z',
  recordedAt: '2026-12-06T00:00:00.000Z',
};
let position = 0;
function log(stream: string, amounts: number[], after: { revision: number; hash: string } | null = null): RecordedEvent[] {
  const drafts = amounts.map((amount) => ({ id: randomUUID(), type: 'Added', schemaVersion: 1, data: { amount }, metadata }));
  return sealEvents(stream, after, drafts).map((envelope) => ({ envelope, position: String(++position) }) as RecordedEvent);
}

describe('the fold of the log', () => {
  it('folds each event over its stream, interleaved, from the start states given', () => {
    const a = log('a', [1, 2]);
    const b = log('b', [10]);
    const steps = foldSteps(
      [a[0], b[0], a[1]],
      adding,
      new Map<string, Sum>([
        ['a', []],
        ['b', [5]],
      ]),
    );
    expect(steps.map((s) => [s.event.envelope.stream, s.before, s.after])).toEqual([
      ['a', [], [1]],
      ['b', [5], [5, 10]],
      ['a', [1], [1, 2]],
    ]);
  });

  it('refuses a stream it was given no state before', () => {
    expect(() => foldSteps(log('c', [1]), adding, new Map())).toThrow('no state is known of c before revision 0');
  });
});

describe('recent states of streams', () => {
  it('answers a stream at a revision it keeps: the last few revisions of the streams written last', () => {
    const states = new StreamStates<Sum>({ streams: 2, revisions: 2 });
    states.remember('a', 0, [1]);
    states.remember('a', 1, [1, 2]);
    states.remember('a', 2, [1, 2, 3]);
    expect(states.at('a', 0)).toBeUndefined(); // two revisions kept
    expect(states.at('a', 2)).toEqual([1, 2, 3]);
    states.remember('b', 0, [7]);
    states.remember('a', 3, [1, 2, 3, 4]);
    states.remember('c', 0, [9]); // three streams: the one written least recently goes
    expect(states.at('b', 0)).toBeUndefined();
    expect(states.at('c', 0)).toEqual([9]);
  });

  it('keeps a revision once: a follower folding behind the writer changes nothing it keeps', () => {
    const states = new StreamStates<Sum>({ revisions: 2 });
    states.remember('a', 4, [5]);
    states.remember('a', 5, [5, 6]);
    states.remember('a', 3, [4]); // behind: already past
    states.remember('a', 5, [0]); // again: the first one stays
    expect(states.at('a', 3)).toBeUndefined();
    expect(states.at('a', 4)).toEqual([5]);
    expect(states.at('a', 5)).toEqual([5, 6]);
  });

  it('gives the state before each stream of a batch from what it keeps, and reads the others', async () => {
    const states = new StreamStates<Sum>();
    const [a0, a1] = log('a', [1, 2]);
    const [b0, b1] = log('b', [3, 4]);
    states.rememberSteps(foldSteps([a0], adding, new Map([['a', []]])));
    const read: Array<[string, number]> = [];
    const start = await states.startOf([a1, b1], async (stream, revision) => {
      read.push([stream, revision]);
      return foldSteps([b0], adding, new Map([['b', []]]))[0].after;
    });
    expect(start).toEqual(
      new Map([
        ['a', [1]],
        ['b', [3]],
      ]),
    );
    expect(read).toEqual([['b', 1]]);
  });
});
