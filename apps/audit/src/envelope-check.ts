import { GENESIS_HASH, SealedEnvelope } from '@samverkan/sealing';

const EVENT_HASH = /^[0-9a-f]{64}$/;

/**
 * Why a parsed value cannot be a sealed envelope, or undefined. Only the fields the checks read are
 * required; whatever else changed shows up as a hash mismatch.
 */
export function envelopeShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the event is not a JSON object';
  const event = value as Record<string, unknown>;
  if (typeof event.id !== 'string' || event.id === '') return 'the event has no id';
  if (typeof event.stream !== 'string' || event.stream === '') return 'the event has no stream';
  if (!Number.isSafeInteger(event.revision) || (event.revision as number) < 0) return 'the event has no revision (a whole number from 0)';
  if (typeof event.prev !== 'string') return 'the event has no prev hash';
  if (typeof event.hash !== 'string' || !EVENT_HASH.test(event.hash)) return 'the event has no hash of 64 lowercase hex digits';
  return undefined;
}

/** Why a withheld event of an audit bundle (its place and hash, without content) cannot be checked, or undefined. */
export function withheldShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the withheld event is not a JSON object';
  const event = value as Record<string, unknown>;
  if (typeof event.stream !== 'string' || event.stream === '') return 'the withheld event has no stream';
  if (!Number.isSafeInteger(event.revision) || (event.revision as number) < 0) return 'the withheld event has no revision (a whole number from 0)';
  if (typeof event.prev !== 'string') return 'the withheld event has no prev hash';
  if (typeof event.hash !== 'string' || !EVENT_HASH.test(event.hash)) return 'the withheld event has no hash of 64 lowercase hex digits';
  return undefined;
}

/** A break in one stream's chain, found at the event that shows it. */
export interface ChainBreak {
  readonly problem: string;
  readonly expected: string | number;
  readonly found: string | number;
}

/**
 * The head of every stream's hash chain, checked an event at a time in the order they were logged; memory
 * grows with the number of streams, not of events.
 *
 * After a break the head moves on to the event that showed it (or stays, for an event that goes back), so a
 * deleted event is reported once, at the revision after it, rather than at every later event of its stream.
 */
export class StreamHeads {
  private readonly heads = new Map<string, { revision: number; hash: string }>();

  get streams(): number {
    return this.heads.size;
  }

  /** Checks that `event` is the next revision of its stream and links to the previous event's hash. */
  advance(event: Pick<SealedEnvelope, 'stream' | 'revision' | 'hash' | 'prev'>): ChainBreak | undefined {
    const { stream, revision } = event;
    const head = this.heads.get(stream);
    if (!head) {
      this.heads.set(stream, { revision, hash: event.hash });
      if (revision !== 0) {
        return {
          problem: `stream ${stream} starts here, at revision ${revision}: every stream starts at revision 0, so revision${revision > 1 ? `s 0 to ${revision - 1} are` : ' 0 is'} missing`,
          expected: 'revision 0',
          found: `revision ${revision}`,
        };
      }
      if (event.prev !== GENESIS_HASH) {
        return { problem: `the first event of stream ${stream} must link to the genesis hash (64 zeros)`, expected: GENESIS_HASH, found: event.prev };
      }
      return undefined;
    }
    const next = head.revision + 1;
    if (revision < next) {
      return {
        problem: `out of order: stream ${stream} already reached revision ${head.revision} before this event (events reordered or repeated)`,
        expected: `revision ${next}`,
        found: `revision ${revision}`,
      };
    }
    this.heads.set(stream, { revision, hash: event.hash });
    if (revision > next) {
      const missing = revision - 1 > next ? `revisions ${next} to ${revision - 1}` : `revision ${next}`;
      return {
        problem: `${missing} of stream ${stream} ${revision - 1 > next ? 'are' : 'is'} missing: this event follows revision ${head.revision}`,
        expected: `revision ${next}`,
        found: `revision ${revision}`,
      };
    }
    if (event.prev !== head.hash) {
      return {
        problem: `does not link to revision ${head.revision} of its stream: its prev is not that event's hash (an event before it was rewritten or replaced)`,
        expected: head.hash,
        found: event.prev,
      };
    }
    return undefined;
  }
}
