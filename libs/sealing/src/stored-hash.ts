import { SealedEnvelope } from './envelope';
import { envelopeHash, sha256Hex } from './seal';

/**
 * The hash recomputed from the envelope's content, or undefined if it still matches the stored one. `stored`,
 * where given, is the envelope as the store keeps it (its canonical JSON, hash included, as text or UTF-8
 * bytes): when it hashes to the event's hash, it matches without canonicalising the parsed envelope again
 * (storedBytesHashTo).
 */
export function hashMismatch(event: SealedEnvelope, stored?: Buffer | string): { expected: string; found: string } | undefined {
  if (stored !== undefined && storedBytesHashTo(stored, event)) return undefined;
  const recomputed = envelopeHash(event);
  return recomputed === event.hash ? undefined : { expected: recomputed, found: event.hash };
}

let scratch = Buffer.alloc(1 << 16);

/**
 * Whether an event as stored (text, or its UTF-8 bytes), less its hash member, hashes to its hash: then it is
 * byte for byte the canonical JSON that was hashed when it was sealed (SHA-256 is preimage resistant), so the
 * envelope parsed from it is the one sealed, and canonicalising it again (the costliest step of a check) would
 * only say so again. The hash member is found where canonical JSON puts it, between `data` and `id` at the top
 * level, followed by the event's own id: nothing inside `data` can hold the event's own hash. False when the
 * stored form is not so, or does not hash to it; the caller then recomputes from the parsed envelope, which
 * says what differs.
 */
export function storedBytesHashTo(stored: Buffer | string, event: Pick<SealedEnvelope, 'hash' | 'id'>): boolean {
  const member = `"hash":"${event.hash}",`; // ASCII: as many bytes as characters
  const at = stored.indexOf(`,${member}"id":${JSON.stringify(event.id)},"metadata":`);
  if (at < 0 || stored.indexOf('{"data":') !== 0) return false;
  return sha256Hex(withoutRange(stored, at + 1, at + 1 + member.length)) === event.hash;
}

/** `stored` less the characters (or bytes) from `start` to `end`; bytes into a buffer reused from call to call. */
function withoutRange(stored: Buffer | string, start: number, end: number): string | Buffer {
  if (typeof stored === 'string') return stored.slice(0, start) + stored.slice(end);
  const length = stored.length - (end - start);
  if (scratch.length < length) scratch = Buffer.alloc(Math.max(length, scratch.length * 2));
  stored.copy(scratch, 0, 0, start);
  stored.copy(scratch, start, end);
  return scratch.subarray(0, length);
}
