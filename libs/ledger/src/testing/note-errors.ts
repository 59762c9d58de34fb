import { KeyObject } from 'node:crypto';
import { NoteError } from '../note';

/** The 32 raw bytes of an Ed25519 public key, read independently of the library under test. */
export function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');
}

/** Runs a check that must fail with a NoteError, and returns the error. */
export function noteError(check: () => unknown): NoteError {
  try {
    check();
  } catch (error) {
    if (error instanceof NoteError) return error;
    throw error;
  }
  throw new Error('expected a NoteError, but nothing was thrown');
}
