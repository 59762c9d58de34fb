import { ConcurrencyError, ConflictError } from '@samverkan/common';
import { GENESIS_HASH, SealedEnvelope } from '@samverkan/sealing';
import { ExpectedRevision } from './event-store.port';
import { describeExpected } from './expected-revision';
import { StreamHead } from './sealed-append';

/**
 * Why a batch may not follow `head`, as the error the port promises, or undefined when it may: the writer's
 * expectation first, then that the batch starts right after the head, then every chain link. Every adapter
 * asks this with the stream's head as its transaction sees it.
 */
export function appendRefusal(
  stream: string,
  events: ReadonlyArray<Pick<SealedEnvelope, 'id' | 'revision' | 'prev' | 'hash'>>,
  expected: ExpectedRevision,
  head: StreamHead,
): ConcurrencyError | ConflictError | undefined {
  const actual = head ? head.revision : -1;
  const found = head ? String(actual) : 'no-stream';
  const first = events[0];
  if (expected === 'no-stream' && head) return new ConcurrencyError(stream, 'no-stream', found);
  if (typeof expected === 'number' && expected !== actual) {
    return new ConcurrencyError(stream, describeExpected(expected), found);
  }
  if (first.revision !== actual + 1) return new ConcurrencyError(stream, String(first.revision - 1), found);
  let prev = head ? head.hash : GENESIS_HASH;
  for (const event of events) {
    if (event.prev !== prev) {
      const predecessor = event === first ? `the last event of ${stream}` : `revision ${event.revision - 1}`;
      return new ConflictError(`event ${event.id} does not link to ${predecessor}`, {
        rule: 'chain-link',
        details: { stream, revision: event.revision, expectedPrev: prev, foundPrev: event.prev },
      });
    }
    prev = event.hash;
  }
  return undefined;
}
