import { existsSync, readFileSync, statSync } from 'node:fs';
import { Checkpoint, NoteVerifier, openCheckpoint, parseVerifierKey, toHex } from '@samverkan/ledger';
import { errorMessage, UsageError } from './cli';

/** Reads a file named on the command line; a missing or unreadable one is a usage error. */
export function readInputFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${errorMessage(error)}`);
  }
}

/**
 * A verifier key given on the command line: the key text itself (`<name>+<key id>+<base64>`), or a file
 * holding it (as downloaded from `GET /ledger/key`). A key that does not parse is a usage error: the auditor
 * must fix what they passed, nothing was verified yet.
 */
export function readVerifierKey(value: string, option: string): { text: string; verifier: NoteVerifier } {
  const text = isFile(value) ? firstLine(readInputFile(value, `the ${option} file`)) : value.trim();
  try {
    return { text, verifier: parseVerifierKey(text) };
  } catch (error) {
    const source = isFile(value) ? `the key in ${value}` : `${option} ${JSON.stringify(value)}`;
    throw new UsageError(`${source} is not a verifier key: ${errorMessage(error)}`);
  }
}

/** A checkpoint file opened with the log's key: the signature checked, the body parsed. */
export interface OpenedCheckpoint {
  readonly file: string;
  readonly note: string;
  /** The signed body (origin, size, root lines); what witnesses cosign. */
  readonly body: string;
  readonly checkpoint: Checkpoint;
}

/**
 * Opens a signed checkpoint note with the log's verifier. Throws (NoteError, CheckpointError) with the
 * reason if it is not signed by that key or not a checkpoint; the caller names the file.
 */
export function openCheckpointFile(file: string, note: string, verifier: NoteVerifier): OpenedCheckpoint {
  const { checkpoint, note: opened } = openCheckpoint(note, verifier);
  return { file, note, body: opened.text, checkpoint };
}

/**
 * Why a checkpoint signed by the ledger key is still not one of the ledger's, or undefined. A log's checkpoints
 * carry the log's origin, and the ledger names its signing key after that origin (C2SP tlog-checkpoint: the
 * origin SHOULD be the key's name); a checkpoint whose origin is another name is of another log, or the key
 * was given for the wrong log.
 */
export function originMismatch(checkpoint: Checkpoint, verifier: NoteVerifier): { problem: string; expected: string; found: string } | undefined {
  if (checkpoint.origin === verifier.name) return undefined;
  return {
    problem:
      `its origin is ${JSON.stringify(checkpoint.origin)}, but the ledger key is named ${JSON.stringify(verifier.name)}: ` +
      "a log's checkpoints carry its key's name as their origin (C2SP tlog-checkpoint), so this is a checkpoint of another log, or the key is not this log's",
    expected: verifier.name,
    found: checkpoint.origin,
  };
}

/** How failures name a checkpoint: where it came from, its origin, size and root. */
export function describeCheckpoint(source: string, checkpoint?: Checkpoint): string {
  if (!checkpoint) return `checkpoint ${source}`;
  return `checkpoint ${source} (${checkpoint.origin}, size ${checkpoint.size}, root ${toHex(checkpoint.root)})`;
}

/**
 * Decodes hex without insisting on 32 bytes, so that a proof with a short or long hash reaches the verifier
 * and is refused there with its stable reason (`bad-hash-length`). Returns undefined for text that is not hex.
 */
export function looseHex(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(value)) return undefined;
  return Buffer.from(value, 'hex');
}

function isFile(value: string): boolean {
  try {
    return existsSync(value) && statSync(value).isFile();
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? ''
  );
}
