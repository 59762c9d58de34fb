// Ed25519 witness cosignatures, C2SP tlog-cosignature `cosignature/v1`, implemented from the spec text:
// C2SP/C2SP tlog-cosignature.md @01194db11950a0ae2b2b2401afa0a4063a822458 (https://c2sp.org/tlog-cosignature),
// sections "Format" and "Ed25519 signed message":
// - key ID = SHA-256(<name> ‖ "\n" ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4]; verifier keys use type 0x04;
// - the note signature is base64(key ID ‖ timestamped_signature), where timestamped_signature is
//   u64 big-endian POSIX seconds ‖ 64-byte Ed25519 signature, timestamp ≤ 2^63 − 1;
// - the signed message is "cosignature/v1\n" ‖ "time <seconds, decimal, no leading zeros>\n" ‖ the whole
//   checkpoint body (final newline included, signature lines excluded).
// The spec's worked example line (key id 8d66cf3f, time 1679315147) is in the tests.
import { KeyObject, sign, verify } from 'node:crypto';
import { parseCheckpoint } from './checkpoint';
import {
  computeKeyId,
  decodeBase64,
  decodeVerifierKey,
  encodeVerifierKey,
  keyNameProblem,
  NoteError,
  rawEd25519PublicKey,
  requireEd25519PrivateKey,
  requireKeyName,
  SignatureType,
} from './keys';

const EM_DASH_SPACE = '\u2014 ';
const KEY_ID_SIZE = 4;
const TIMESTAMP_SIZE = 8;
const ED25519_SIGNATURE_SIZE = 64;

/** A witness key that cosigns checkpoints it has checked. */
export interface CosignatureSigner {
  readonly name: string;
  /** SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]. */
  readonly keyId: Buffer;
  /**
   * The cosignature of a checkpoint body at `time` (POSIX seconds), as a full note signature line:
   * `— <name> <base64(key id ‖ u64 time ‖ signature)>\n`, ready to append to the signed checkpoint.
   */
  cosign(checkpointText: string, time: number): string;
}

/** A cosignature line taken apart (its signature not yet checked). */
export interface CosignatureLine {
  readonly name: string;
  readonly keyId: Buffer;
  /** POSIX seconds the witness claims it cosigned at. */
  readonly time: number;
  readonly signature: Buffer;
}

/** A cosigner for an Ed25519 private key. */
export function cosignatureSigner(name: string, privateKey: KeyObject): CosignatureSigner {
  requireKeyName(name);
  requireEd25519PrivateKey(privateKey);
  const publicKey = rawEd25519PublicKey(privateKey, 'the witness key');
  const keyId = computeKeyId(name, SignatureType.cosignatureV1, publicKey);
  return {
    name,
    keyId,
    cosign(checkpointText: string, time: number): string {
      parseCheckpoint(checkpointText); // only a well-formed checkpoint body may be cosigned
      requireTime(time);
      const signature = sign(null, cosignedMessage(checkpointText, time), privateKey);
      const timestamp = Buffer.alloc(TIMESTAMP_SIZE);
      timestamp.writeBigUInt64BE(BigInt(time));
      return `${EM_DASH_SPACE}${name} ${Buffer.concat([keyId, timestamp, signature]).toString('base64')}\n`;
    },
  };
}

/**
 * The verifier key text of a witness: `<name>+<8 hex key id>+<base64(0x04 ‖ public key)>`. Accepts the
 * public key, or the private key (its public half is used).
 */
export function cosignatureVerifierKey(name: string, publicKey: KeyObject): string {
  const raw = rawEd25519PublicKey(publicKey, 'the public key');
  return encodeVerifierKey(name, SignatureType.cosignatureV1, raw);
}

/**
 * Splits a cosignature line (with or without its final newline) into name, key id, time and signature,
 * checking only its framing. Throws NoteError if it is not a note signature line carrying
 * key id ‖ u64 timestamp ‖ 64-byte signature.
 */
export function parseCosignatureLine(line: string): CosignatureLine {
  const body = typeof line === 'string' && line.endsWith('\n') ? line.slice(0, -1) : line;
  if (typeof body !== 'string' || !body.startsWith(EM_DASH_SPACE) || body.includes('\n')) {
    throw bad('a cosignature is one line: an em dash (U+2014), a space, the witness name, a space and base64');
  }
  const rest = body.slice(EM_DASH_SPACE.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw bad('the cosignature line has no space between witness name and signature');
  const name = rest.slice(0, space);
  const nameProblem = keyNameProblem(name);
  if (nameProblem) throw bad(`the cosignature line has a bad witness name: ${nameProblem}`);
  const bytes = decodeBase64(rest.slice(space + 1));
  const expected = KEY_ID_SIZE + TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE;
  if (!bytes) throw bad(`the cosignature by ${name} is not standard padded base64`);
  if (bytes.length !== expected) {
    throw bad(`the cosignature by ${name} holds ${bytes.length} bytes; ` + `key id, timestamp and Ed25519 signature are ${expected}`);
  }
  const timestamp = bytes.readBigUInt64BE(KEY_ID_SIZE);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw bad(`the cosignature by ${name} claims time ${timestamp}, beyond any plausible clock (and 2^53-1)`);
  }
  return {
    name,
    keyId: bytes.subarray(0, KEY_ID_SIZE),
    time: Number(timestamp),
    signature: bytes.subarray(KEY_ID_SIZE + TIMESTAMP_SIZE),
  };
}

/**
 * Checks that `line` is a valid cosignature/v1 by the witness `vkey` over the checkpoint body
 * `checkpointText` (the note text, not the signed note). Returns the time it claims. Throws NoteError
 * naming what does not match: witness name, key id, or the signature itself.
 */
export function verifyCosignature(line: string, checkpointText: string, vkey: string): { time: number } {
  const witness = decodeVerifierKey(vkey, SignatureType.cosignatureV1);
  const cosignature = parseCosignatureLine(line);
  parseCheckpoint(checkpointText);
  if (cosignature.name !== witness.name) {
    throw bad(`the cosignature is by ${cosignature.name}, not by the expected witness ${witness.name}`);
  }
  if (!cosignature.keyId.equals(witness.keyId)) {
    throw bad(
      `the cosignature by ${witness.name} has key id ${cosignature.keyId.toString('hex')}, but the witness key has ` +
        `${witness.keyId.toString('hex')} (another key, or an altered key id)`,
    );
  }
  const message = cosignedMessage(checkpointText, cosignature.time);
  if (!verify(null, message, witness.publicKey, cosignature.signature)) {
    throw bad(
      `the cosignature by ${witness.name} at time ${cosignature.time} does not verify over this checkpoint: ` +
        'the checkpoint or the time was changed, or another key signed it',
    );
  }
  return { time: cosignature.time };
}

function cosignedMessage(checkpointText: string, time: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${time}\n${checkpointText}`, 'utf8');
}

function requireTime(time: number): void {
  if (!Number.isSafeInteger(time) || time < 0) {
    throw new RangeError(`a cosignature time is whole POSIX seconds, 0 or more; got ${String(time)}`);
  }
}

function bad(why: string): NoteError {
  return new NoteError(why, { rule: 'cosignature' });
}
