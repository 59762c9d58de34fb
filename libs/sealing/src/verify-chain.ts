import { GENESIS_HASH, SealedEnvelope } from './envelope';
import { envelopeHash } from './seal';

export type ChainBreak =
  | { kind: 'hash-mismatch'; revision: number; eventId: string; expected: string; found: string }
  | { kind: 'broken-link'; revision: number; eventId: string; expected: string; found: string }
  | { kind: 'revision-gap'; revision: number; eventId: string; expected: number; found: number }
  | { kind: 'wrong-stream'; revision: number; eventId: string; expected: string; found: string };

export type ChainVerdict = { ok: true; stream: string; events: number; head: string } | { ok: false; stream: string; events: number; firstBroken: ChainBreak };

/**
 * Recomputes a stream's chain from its stored envelopes, in revision order, and reports the first place it
 * breaks: an envelope whose hash does not match its content, a `prev` that is not its predecessor's hash,
 * a missing or repeated revision, or an event of another stream.
 */
export function verifyChain(stream: string, envelopes: Iterable<SealedEnvelope>): ChainVerdict {
  const verifier = new ChainVerifier(stream);
  for (const envelope of envelopes) {
    const broken = verifier.push(envelope);
    if (broken) return { ok: false, stream, events: verifier.count, firstBroken: broken };
  }
  return { ok: true, stream, events: verifier.count, head: verifier.head };
}

/** Checks one stream's chain an envelope at a time, for streams too long to hold at once. */
export class ChainVerifier {
  head = GENESIS_HASH;
  count = 0;

  constructor(readonly stream: string) {}

  /** Returns the break this envelope introduces, or undefined if it extends the chain correctly. */
  push(envelope: SealedEnvelope): ChainBreak | undefined {
    const at = { revision: envelope.revision, eventId: envelope.id };
    this.count += 1;
    if (envelope.stream !== this.stream) {
      return { kind: 'wrong-stream', ...at, expected: this.stream, found: envelope.stream };
    }
    if (envelope.revision !== this.count - 1) {
      return { kind: 'revision-gap', ...at, expected: this.count - 1, found: envelope.revision };
    }
    const recomputed = envelopeHash(envelope);
    if (recomputed !== envelope.hash) {
      return { kind: 'hash-mismatch', ...at, expected: recomputed, found: envelope.hash };
    }
    if (envelope.prev !== this.head) {
      return { kind: 'broken-link', ...at, expected: this.head, found: envelope.prev };
    }
    this.head = envelope.hash;
    return undefined;
  }
}
