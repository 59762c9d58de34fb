// C2SP tlog-checkpoint v1.0.0 (https://c2sp.org/tlog-checkpoint@v1.0.0): the signed tree head of the log.
import { ValidationError } from '@samverkan/common';
import { HASH_SIZE } from './hashes';
import { decodeBase64, noteCharacterProblem } from './keys';
import { NoteSigner, NoteVerifier, OpenedNote, openNote, signNote } from './note';
import { isCount } from './tree-math';

/** A tree head: which log, how many leaves, and the root over them. */
export interface Checkpoint {
  /** Identifies the log, e.g. `samverkan.local/ledger`. */
  origin: string;
  /** Number of leaves. */
  size: number;
  /** RFC 6962 root of the first `size` leaves (32 bytes). */
  root: Buffer;
  /** Optional extra lines, signed but opaque; each non-empty. */
  extensions: string[];
}

/** A checkpoint body that does not follow tlog-checkpoint. */
export class CheckpointError extends ValidationError {}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** The note text of a checkpoint: origin, size and base64 root, one per line, then any extension lines. */
export function formatCheckpoint(cp: Checkpoint): string {
  requireLine('origin', cp.origin);
  if (!isCount(cp.size)) {
    throw new CheckpointError(`checkpoint size must be a whole number from 0 to 2^53-1; got ${String(cp.size)}`, {
      rule: 'checkpoint-size',
    });
  }
  if (!Buffer.isBuffer(cp.root) || cp.root.length !== HASH_SIZE) {
    throw new CheckpointError(`checkpoint root must be ${HASH_SIZE} bytes`, { rule: 'checkpoint-root' });
  }
  const extensions = cp.extensions ?? [];
  extensions.forEach((line, i) => requireLine(`extension line ${i + 1}`, line));
  return [cp.origin, String(cp.size), cp.root.toString('base64'), ...extensions].map((line) => `${line}\n`).join('');
}

/**
 * Parses a checkpoint body strictly: a non-empty origin, a decimal size without leading zeros, a base64 root
 * of exactly 32 bytes, then non-empty extension lines, every line newline-terminated. Throws CheckpointError
 * naming the line at fault.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw invalid('a checkpoint body ends in a newline');
  }
  const problem = noteCharacterProblem(text);
  if (problem) throw invalid(`the checkpoint ${problem}`);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw invalid(`a checkpoint has an origin, a size and a root line; this one has ${lines.length} line(s)`);
  }
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === '') throw invalid('the origin line is empty');
  if (!DECIMAL.test(sizeText)) {
    throw invalid(`the size line ${JSON.stringify(sizeText)} is not a decimal number without leading zeros`);
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) {
    throw invalid(`tree size ${sizeText} is beyond 2^53-1, the largest this ledger can represent exactly`);
  }
  const root = decodeBase64(rootText);
  if (!root || root.length !== HASH_SIZE) {
    throw invalid(`the root line ${JSON.stringify(rootText)} is not the standard base64 of ${HASH_SIZE} bytes`);
  }
  extensions.forEach((line, i) => {
    if (line === '') throw invalid(`extension line ${i + 1} is empty`);
  });
  return { origin, size, root, extensions };
}

/** Formats the checkpoint and signs it as a note. */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(cp), [signer]);
}

/**
 * Opens a signed checkpoint with the log's verifier and parses its body. Throws NoteError if the log's key
 * did not sign it (or its signature fails), CheckpointError if the signed body is not a checkpoint.
 * Signatures by other keys, such as witness cosignatures, are ignored here and left in `note.signatures`.
 */
export function openCheckpoint(note: string, verifier: NoteVerifier): { checkpoint: Checkpoint; note: OpenedNote } {
  const opened = openNote(note, [verifier]);
  return { checkpoint: parseCheckpoint(opened.text), note: opened };
}

function requireLine(what: string, line: unknown): void {
  if (typeof line !== 'string' || line === '') throw invalid(`the ${what} must be a non-empty string`);
  if (line.includes('\n')) throw invalid(`the ${what} must be a single line`);
  const problem = noteCharacterProblem(line);
  if (problem) throw invalid(`the ${what} ${problem}`);
}

function invalid(why: string): CheckpointError {
  return new CheckpointError(`invalid checkpoint: ${why}`, { rule: 'checkpoint-format' });
}
