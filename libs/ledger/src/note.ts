// C2SP signed-note v1.0.0 (https://c2sp.org/signed-note@v1.0.0) with Ed25519 signatures. Parsing follows
// the reference implementation, golang.org/x/mod/sumdb/note, including its ceiling of 100 signatures.
import { KeyObject, sign, verify } from 'node:crypto';
import {
  computeKeyId,
  decodeBase64,
  decodeVerifierKey,
  encodeVerifierKey,
  keyNameProblem,
  NoteError,
  noteCharacterProblem,
  rawEd25519PublicKey,
  requireEd25519PrivateKey,
  requireKeyName,
  SignatureType,
} from './keys';

export { NoteError } from './keys';

/** Most signature lines a note may carry; the spec asks for at least 16, Go's reference stops at 100. */
export const MAX_NOTE_SIGNATURES = 100;

const EM_DASH_SPACE = '\u2014 ';
const ED25519_SIGNATURE_SIZE = 64;

/** Signs note texts under a key name; `keyId` is the 4-byte id that goes in front of each signature. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: Buffer;
  sign(message: Buffer): Buffer;
}

/** Checks signatures of one known key, identified by its name and 4-byte key id. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Buffer;
  verify(message: Buffer, signature: Buffer): boolean;
}

/** A note whose signatures were checked. */
export interface OpenedNote {
  /** The signed text, final newline included. Trust it only because `verifiedBy` is not empty. */
  readonly text: string;
  /** Names of the known keys whose signatures verified. */
  readonly verifiedBy: readonly string[];
  /** Every signature line, known or not, in order (key id and signature bytes split apart). */
  readonly signatures: readonly { name: string; keyId: Buffer; signature: Buffer }[];
}

/**
 * A note signer for an Ed25519 private key. Its key id is the first 4 bytes of
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key).
 */
export function ed25519NoteSigner(name: string, privateKey: KeyObject): NoteSigner {
  requireKeyName(name);
  requireEd25519PrivateKey(privateKey);
  const keyId = computeKeyId(name, SignatureType.ed25519, rawEd25519PublicKey(privateKey, 'the signing key'));
  return {
    name,
    keyId,
    sign: (message) => sign(null, message, privateKey),
  };
}

/**
 * The verifier key text `<name>+<8 hex key id>+<base64(0x01 ‖ public key)>` that others configure to check
 * notes signed by this key. Accepts the public key, or the private key (its public half is used).
 */
export function verifierKey(name: string, publicKey: KeyObject): string {
  return encodeVerifierKey(name, SignatureType.ed25519, rawEd25519PublicKey(publicKey, 'the public key'));
}

/**
 * A NoteVerifier from a verifier key text. Throws NoteError unless the name is valid, the key is an Ed25519
 * note key (type 0x01) and the key id matches the key.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const { name, keyId, publicKey } = decodeVerifierKey(vkey, SignatureType.ed25519);
  return {
    name,
    keyId,
    verify: (message, signature) => signature.length === ED25519_SIGNATURE_SIZE && verify(null, message, publicKey, signature),
  };
}

/**
 * Signs `text` (which must end in a newline) with each signer and returns the signed note: the text, a blank
 * line, and one `— <name> <base64(key id ‖ signature)>` line per signer.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new NoteError('a note text must end in a newline', { rule: 'note-text' });
  }
  const problem = noteCharacterProblem(text);
  if (problem) throw new NoteError(`the note text ${problem}`, { rule: 'note-text' });
  if (signers.length === 0 || signers.length > MAX_NOTE_SIGNATURES) {
    throw new NoteError(`a note needs 1 to ${MAX_NOTE_SIGNATURES} signers; got ${signers.length}`, {
      rule: 'note-signers',
    });
  }
  const seen = new Set<string>();
  const message = Buffer.from(text, 'utf8');
  const lines = signers.map((signer) => {
    requireKeyName(signer.name);
    if (signer.keyId.length !== 4) {
      throw new NoteError(`signer ${signer.name} has a key id that is not 4 bytes`, { rule: 'note-signers' });
    }
    const id = keyLabel(signer.name, signer.keyId);
    if (seen.has(id)) throw new NoteError(`key ${id} is among the signers twice`, { rule: 'note-signers' });
    seen.add(id);
    const signature = signer.sign(message);
    if (signature.length === 0) {
      throw new NoteError(`signer ${id} returned an empty signature`, { rule: 'note-signers' });
    }
    return `${EM_DASH_SPACE}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Parses a signed note and checks its signatures against the known verifiers. Signatures by unknown keys
 * (a name or a key id that matches no verifier) are kept in `signatures` but ignored, as the spec says.
 *
 * Throws NoteError if the note is malformed (not UTF-8, control characters, no blank line before the
 * signatures, a bad signature line, more than 100 signatures, a known key signing more than once), if any
 * known key's signature fails to verify, or if no known key signed it at all. Unknown keys may repeat.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  if (typeof note !== 'string') throw malformed('a signed note must be a string');
  const problem = noteCharacterProblem(note);
  if (problem) throw malformed(`the note ${problem}`);
  // The text ends at the last blank line: the text may contain blank lines, the signatures never do.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('the note has no blank line separating its text from its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '') throw malformed('the note has no signature lines after the blank line');
  if (!block.endsWith('\n')) throw malformed('the last signature line does not end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw malformed(`the note has ${lines.length} signature lines; at most ${MAX_NOTE_SIGNATURES} are accepted`);
  }
  const signatures = lines.map((line, i) => parseSignatureLine(line, i + 1));

  const known = indexVerifiers(verifiers);
  // A known key signs a note once. Two lines of one known key are malformed (as in Go's note.Open), whether or
  // not they carry the same signature: which of them would the note be trusted for?
  const lineOfKnown = new Map<string, number>();
  signatures.forEach(({ name, keyId }, i) => {
    const label = keyLabel(name, keyId);
    if (!known.has(label)) return;
    const first = lineOfKnown.get(label);
    if (first !== undefined) {
      throw malformed(`known key ${label} signed it twice (signature lines ${first} and ${i + 1}); a key signs a note at most once`);
    }
    lineOfKnown.set(label, i + 1);
  });
  const message = Buffer.from(text, 'utf8');
  const verifiedBy: string[] = [];
  for (const { name, keyId, signature } of signatures) {
    const verifier = known.get(keyLabel(name, keyId));
    if (!verifier) continue;
    // A known key whose signature fails means the note was altered: refuse it whatever else verifies.
    if (!verifier.verify(message, signature)) {
      throw new NoteError(
        `the signature by ${keyLabel(name, keyId)} does not verify: the note text was changed after signing, ` +
          'or it was signed by a different key under the same name and key id',
        { rule: 'note-signature-invalid', details: { name, keyId: keyId.toString('hex') } },
      );
    }
    if (!verifiedBy.includes(name)) verifiedBy.push(name);
  }
  if (verifiedBy.length === 0) {
    throw new NoteError(`the note is not signed by any known key: ${explainUnknown(signatures, verifiers)}`, {
      rule: 'note-unverified',
    });
  }
  return { text, verifiedBy, signatures };
}

type NoteSignature = OpenedNote['signatures'][number];

function parseSignatureLine(line: string, lineNumber: number): NoteSignature {
  if (!line.startsWith(EM_DASH_SPACE)) {
    throw malformed(`signature line ${lineNumber} does not start with an em dash (U+2014) and a space`);
  }
  const rest = line.slice(EM_DASH_SPACE.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed(`signature line ${lineNumber} has no space between key name and signature`);
  const name = rest.slice(0, space);
  const nameProblem = keyNameProblem(name);
  if (nameProblem) throw malformed(`signature line ${lineNumber}: ${nameProblem}`);
  const bytes = decodeBase64(rest.slice(space + 1));
  if (!bytes) throw malformed(`signature line ${lineNumber} (${name}) is not standard padded base64`);
  if (bytes.length < 5) {
    throw malformed(`signature line ${lineNumber} (${name}) holds ${bytes.length} bytes; a key id and a signature need at least 5`);
  }
  return { name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
}

function indexVerifiers(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const known = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const label = keyLabel(verifier.name, verifier.keyId);
    // Two keys with one name and key id would make "which key signed this" ambiguous.
    if (known.has(label)) {
      throw new NoteError(`two known verifiers are both ${label}`, { rule: 'verifier-ambiguous' });
    }
    known.set(label, verifier);
  }
  return known;
}

function explainUnknown(signatures: readonly { name: string; keyId: Buffer }[], verifiers: readonly NoteVerifier[]): string {
  const knownLabels = verifiers.map((v) => keyLabel(v.name, v.keyId));
  const described = signatures.map((s) => {
    const found = keyLabel(s.name, s.keyId);
    const sameName = verifiers.find((v) => v.name === s.name);
    if (sameName) {
      const known = keyLabel(sameName.name, sameName.keyId);
      return `${found} has the name of known key ${known} but another key id (a different key, or an altered key id)`;
    }
    const sameId = verifiers.find((v) => v.keyId.equals(s.keyId));
    if (sameId) return `${found} has the key id of known key ${keyLabel(sameId.name, sameId.keyId)} but another name`;
    return `${found} is unknown`;
  });
  return `${described.join('; ')} (known: ${knownLabels.length > 0 ? knownLabels.join(', ') : 'none'})`;
}

function keyLabel(name: string, keyId: Buffer): string {
  return `${name}+${keyId.toString('hex')}`;
}

function malformed(why: string): NoteError {
  return new NoteError(`malformed signed note: ${why}`, { rule: 'note-format' });
}
