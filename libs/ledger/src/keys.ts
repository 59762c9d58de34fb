// Pieces of C2SP signed-note v1.0.0 shared by notes and cosignatures: key names, key ids, verifier keys,
// strict base64. Internal to the library; the public API is in note.ts and witness.ts.
import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import { ValidationError } from '@samverkan/common';

/** A signed note, verifier key or signature line that is malformed or does not verify. */
export class NoteError extends ValidationError {}

/** Signature type bytes assigned by signed-note §Signature types. */
export const SignatureType = {
  ed25519: 0x01,
  cosignatureV1: 0x04,
} as const;
export type SignatureTypeByte = (typeof SignatureType)[keyof typeof SignatureType];

const TYPE_NAMES: Record<number, string> = {
  [SignatureType.ed25519]: 'an Ed25519 note signing key (type 0x01)',
  [SignatureType.cosignatureV1]: 'an Ed25519 cosignature/v1 key (type 0x04)',
};

const ED25519_PUBLIC_KEY_SIZE = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const FORBIDDEN_CONTROL = /[\u0000-\u0009\u000B-\u001F]/;

/**
 * Why a key name is unusable, or undefined if it is fine. Key names are non-empty and hold no Unicode space
 * and no '+' (signed-note §Format); the '+' is what separates the parts of a verifier key.
 */
export function keyNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'a key name must be a non-empty string';
  if (/\p{White_Space}/u.test(name)) return `key name ${JSON.stringify(name)} contains a space`;
  if (name.includes('+')) return `key name ${JSON.stringify(name)} contains '+'`;
  if (FORBIDDEN_CONTROL.test(name)) return `key name ${JSON.stringify(name)} contains a control character`;
  if (LONE_SURROGATE.test(name)) return `key name ${JSON.stringify(name)} is not valid UTF-8`;
  return undefined;
}

/** Throws NoteError unless `name` is a valid key name. */
export function requireKeyName(name: unknown): asserts name is string {
  const problem = keyNameProblem(name);
  if (problem) throw new NoteError(problem, { rule: 'key-name' });
}

/**
 * Why a text cannot be part of a signed note, or undefined. Notes are valid UTF-8 and contain no ASCII
 * control character but newline (signed-note §Format).
 */
export function noteCharacterProblem(text: string): string | undefined {
  const control = FORBIDDEN_CONTROL.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0);
    const hint = code === 0x0d ? ' (a carriage return: were the line endings converted to CRLF?)' : '';
    const codepoint = code.toString(16).padStart(4, '0').toUpperCase();
    return `contains control character U+${codepoint} at offset ${control.index}${hint}`;
  }
  if (LONE_SURROGATE.test(text)) return 'is not valid UTF-8 (it holds an unpaired surrogate)';
  return undefined;
}

/** key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4] (signed-note §Signatures). */
export function computeKeyId(name: string, type: SignatureTypeByte, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, type]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** The 32 raw bytes of an Ed25519 public key, from its public KeyObject or its private one. */
export function rawEd25519PublicKey(key: KeyObject, what: string): Buffer {
  if (!(key instanceof KeyObject) || key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`${what} must be an Ed25519 KeyObject`);
  }
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

/** Requires an Ed25519 private KeyObject, for signers. */
export function requireEd25519PrivateKey(key: KeyObject): void {
  if (!(key instanceof KeyObject) || key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('the signing key must be an Ed25519 private KeyObject');
  }
}

/** The C2SP verifier key text: `<name>+<8 hex key id>+<base64(type ‖ public key)>`. */
export function encodeVerifierKey(name: string, type: SignatureTypeByte, publicKey: Buffer): string {
  requireKeyName(name);
  const keyId = computeKeyId(name, type, publicKey);
  const key = Buffer.concat([Buffer.from([type]), publicKey]);
  return `${name}+${keyId.toString('hex')}+${key.toString('base64')}`;
}

/** A verifier key taken apart and checked. */
export interface DecodedVerifierKey {
  readonly name: string;
  readonly keyId: Buffer;
  readonly publicKey: KeyObject;
}

/**
 * Parses and checks a verifier key of the given type: a valid name, an 8-hex-digit key id that matches the
 * key, the expected type byte and a 32-byte Ed25519 key. Throws NoteError saying which part is wrong.
 */
export function decodeVerifierKey(vkey: string, type: SignatureTypeByte): DecodedVerifierKey {
  if (typeof vkey !== 'string') {
    throw new NoteError('a verifier key must be a string', { rule: 'verifier-key' });
  }
  const shown = JSON.stringify(vkey.length > 120 ? `${vkey.slice(0, 117)}...` : vkey);
  const fail: (why: string) => never = (why) => {
    throw new NoteError(`verifier key ${shown} ${why}`, { rule: 'verifier-key' });
  };
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) fail('is not of the form <name>+<8 hex key id>+<base64 key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const keyText = vkey.slice(second + 1);
  const nameProblem = keyNameProblem(name);
  if (nameProblem) fail(`has a bad name: ${nameProblem}`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) fail(`has key id ${JSON.stringify(idHex)}; a key id is 8 hex digits`);
  const key = decodeBase64(keyText);
  if (!key || key.length === 0) return fail('has a key part that is not standard padded base64');
  const keyBytes = key;
  if (keyBytes[0] !== type) {
    const found = TYPE_NAMES[keyBytes[0]] ?? `a key of type 0x${keyBytes[0].toString(16).padStart(2, '0')}`;
    fail(`is ${found}; expected ${TYPE_NAMES[type]}`);
  }
  const raw = keyBytes.subarray(1);
  if (raw.length !== ED25519_PUBLIC_KEY_SIZE) {
    fail(`holds a ${raw.length}-byte public key; an Ed25519 public key is ${ED25519_PUBLIC_KEY_SIZE} bytes`);
  }
  const keyId = computeKeyId(name, type, raw);
  if (keyId.toString('hex') !== idHex.toLowerCase()) {
    fail(`names key id ${idHex.toLowerCase()}, but its key has key id ${keyId.toString('hex')}`);
  }
  return { name, keyId, publicKey: ed25519PublicKeyObject(raw) };
}

/** An Ed25519 public KeyObject from its 32 raw bytes. */
export function ed25519PublicKeyObject(raw: Buffer): KeyObject {
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') };
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/**
 * Standard padded base64 (RFC 4648 §4), in its one canonical spelling only, or undefined. Node's own
 * decoder skips characters it does not know, which would let two different texts carry one signature.
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
