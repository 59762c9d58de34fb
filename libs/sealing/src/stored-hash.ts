import { hash as oneShotHash } from 'node:crypto';
import { SealedEnvelope } from './envelope';
import { envelopeHash } from './seal';

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

const DATA_FIRST = '{"data":';
const DATA_FIRST_BYTES = Buffer.from(DATA_FIRST);
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
  const marker = `,${member}"id":${JSON.stringify(event.id)},"metadata":`;
  if (typeof stored === 'string') {
    const at = stored.indexOf(marker);
    if (at < 0 || !stored.startsWith(DATA_FIRST)) return false;
    return oneShotHash('sha256', stored.slice(0, at + 1) + stored.slice(at + 1 + member.length), 'hex') === event.hash;
  }
  const at = stored.indexOf(marker);
  if (at < 0 || stored.compare(DATA_FIRST_BYTES, 0, DATA_FIRST_BYTES.length, 0, DATA_FIRST_BYTES.length) !== 0) return false;
  const length = stored.length - member.length;
  if (scratch.length < length) scratch = Buffer.alloc(Math.max(length, scratch.length * 2));
  stored.copy(scratch, 0, 0, at + 1);
  stored.copy(scratch, at + 1, at + 1 + member.length);
  return oneShotHash('sha256', scratch.subarray(0, length), 'hex') === event.hash;
}
