import { SealedEnvelope } from './envelope';
import { CanonicalEnvelope, scanCanonicalEnvelope } from './canonical-envelope';
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
 * Whether an event as stored (text, or its UTF-8 bytes), less its hash member, hashes to its hash, and is
 * canonical JSON (scanCanonicalEnvelope): then it is byte for byte the text the event's hash was made of, so
 * the envelope parsed from it is the one sealed, and canonicalising it again (the costliest step of a check)
 * would only say so again. Bytes that are not canonical are never taken, though they hash to the hash: a text
 * with a key twice (`{"a":1,"a":2}`) is read one way by one parser and another way by the next, and was not
 * what a sealer hashes. False when the stored form is not so, or does not hash to it; the caller then
 * recomputes from the parsed envelope, which says what differs.
 */
export function storedBytesHashTo(stored: Buffer | string, event: Pick<SealedEnvelope, 'hash' | 'id'>): boolean {
  const bytes = typeof stored === 'string' ? Buffer.from(stored) : stored;
  const scanned = scanCanonicalEnvelope(bytes);
  if (!scanned || scanned.hash !== event.hash || scanned.id !== event.id) return false;
  return hashesToItsHash(bytes, scanned);
}

/** Whether canonical bytes, less their hash member, hash to the hash they hold. */
export function hashesToItsHash(bytes: Uint8Array, scanned: CanonicalEnvelope, start = 0, end = bytes.length): boolean {
  const { start: cutStart, end: cutEnd } = scanned.hashMember;
  const length = end - start - (cutEnd - cutStart);
  if (scratch.length < length) scratch = Buffer.alloc(Math.max(length, scratch.length * 2));
  scratch.set(bytes.subarray(start, cutStart), 0);
  scratch.set(bytes.subarray(cutEnd, end), cutStart - start);
  return sha256Hex(scratch.subarray(0, length)) === scanned.hash;
}
