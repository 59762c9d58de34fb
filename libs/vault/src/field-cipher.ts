import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { InvariantError } from '@samverkan/common';

/** A data key: 32 bytes for AES-256-GCM, and the id it is kept under (a person's id). */
export interface DataKey {
  readonly kid: string;
  readonly key: Buffer;
}

/**
 * A field as events hold it once encrypted: AES-256-GCM under the data key `kid`, with a fresh 96-bit nonce,
 * the 128-bit tag appended to the ciphertext (base64url). What a field's clear text was can be learnt only
 * with the key; once the key is destroyed, nobody can, and the event's hash (which covers this, not the clear
 * text) still verifies.
 */
export interface EncryptedField {
  readonly $enc: 'A256GCM';
  readonly kid: string;
  readonly iv: string;
  readonly ct: string;
}

const TAG_BYTES = 16;

/**
 * Encrypts `plaintext` under the key. `context` (say, `CaseOpened.summary`) is bound in as associated data, so
 * that a ciphertext moved to another field, or to another key's id, does not decrypt there.
 */
export function encryptField(key: DataKey, plaintext: string, context: string): EncryptedField {
  const iv = randomBytes(12);
  const ct = gcmSeal(key.key, iv, Buffer.from(plaintext, 'utf8'), associatedData(key.kid, context));
  return { $enc: 'A256GCM', kid: key.kid, iv: iv.toString('base64url'), ct: ct.toString('base64url') };
}

/** The clear text of a field encrypted under `key` for `context`; an InvariantError when it does not authenticate. */
export function decryptField(key: DataKey, field: EncryptedField, context: string): string {
  if (field.kid !== key.kid) throw new InvariantError(`the field is encrypted under key ${field.kid}, not ${key.kid}`, { rule: 'wrong-key' });
  const sealed = Buffer.from(field.ct, 'base64url');
  if (sealed.length < TAG_BYTES) throw new InvariantError('the encrypted field is too short to hold its tag', { rule: 'field-does-not-decrypt' });
  try {
    return gcmOpen(key.key, Buffer.from(field.iv, 'base64url'), sealed, associatedData(key.kid, context)).toString('utf8');
  } catch {
    throw new InvariantError(`the field under key ${field.kid} does not decrypt for ${context}: it was changed, or moved from elsewhere`, {
      rule: 'field-does-not-decrypt',
    });
  }
}

/**
 * A request's fingerprint (the hash of what was sent) keyed under the data key of the person it is about, as
 * the events keep it: a plain hash of a body that holds a personal identity number or a name can be tested
 * against guesses by anyone with the store, even after the person is erased; this one only while the key lives.
 */
export function keyedFingerprint(key: DataKey, fingerprint: string): string {
  return createHmac('sha256', key.key).update(`request-fingerprint\n${fingerprint}`, 'utf8').digest('hex');
}

/** Whether a value is an encrypted field. */
export function isEncryptedField(value: unknown): value is EncryptedField {
  if (typeof value !== 'object' || value === null) return false;
  const field = value as Record<string, unknown>;
  return field.$enc === 'A256GCM' && typeof field.kid === 'string' && typeof field.iv === 'string' && typeof field.ct === 'string';
}

function associatedData(kid: string, context: string): Buffer {
  return Buffer.from(`${kid}\n${context}`, 'utf8');
}

/** AES-256-GCM: ciphertext ‖ 16-byte tag. (The primitive, checked against published test vectors.) */
export function gcmSeal(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext of ciphertext ‖ tag; throws when it does not authenticate. */
export function gcmOpen(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
}
