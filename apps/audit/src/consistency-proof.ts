import { Checkpoint, EMPTY_ROOT, ProofError, toHex, verifyConsistency } from '@samverkan/ledger';
import { errorMessage } from './cli';
import { looseHex, readInputFile } from './inputs';
import { fetchJson, serverUrl } from './server';

export { serverToken } from './server';

/** A consistency proof as `GET /ledger/proofs/consistency` serves it. */
export interface ConsistencyProofFile {
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly proof: readonly string[];
}

/** Where a proof comes from: a file, or the server (only when the user asked for it). */
export interface ProofSource {
  readonly file?: string;
  readonly server?: string;
  readonly token?: string;
}

/** The proof could not be had, or is not a proof of the checkpoints in question. */
export class ProofUnavailable extends Error {}

/**
 * Checks that `newer` extends `older` (same log, never smaller, same root at equal size, otherwise an RFC 9162
 * consistency proof from the source). Returns a sentence saying how it was proven; throws ProofError,
 * ProofUnavailable or ServerUnavailable saying why not (UsageError for a --server that is not a URL).
 */
export async function proveConsistent(older: Checkpoint, newer: Checkpoint, source: ProofSource): Promise<string> {
  if (older.origin !== newer.origin) {
    throw new ProofUnavailable(`the checkpoints are of different logs: ${older.origin} and ${newer.origin}`);
  }
  if (newer.size < older.size) {
    throw new ProofError('size-order', `size ${newer.size} is smaller than size ${older.size}: a log never shrinks`);
  }
  if (older.size === 0) {
    // Every tree extends the empty tree; there is nothing to prove, only that a root of size 0 is the empty one.
    for (const [checkpoint, reason] of [
      [older, 'root1-mismatch'],
      [newer, 'root2-mismatch'],
    ] as const) {
      if (checkpoint.size === 0 && !checkpoint.root.equals(EMPTY_ROOT)) {
        throw new ProofError(reason, `a checkpoint of size 0 must have the empty root ${toHex(EMPTY_ROOT)}, not ${toHex(checkpoint.root)}`);
      }
    }
    return 'every log extends the empty log';
  }
  if (newer.size === older.size) {
    verifyConsistency(older.size, newer.size, older.root, newer.root, []);
    return `both are of size ${older.size} with the same root`;
  }
  const proof = await obtainProof(older.size, newer.size, source);
  const claims: string[] = [];
  if (typeof proof.root1 === 'string' && proof.root1.toLowerCase() !== toHex(older.root)) claims.push(`root ${proof.root1} for size ${older.size}`);
  if (typeof proof.root2 === 'string' && proof.root2.toLowerCase() !== toHex(newer.root)) claims.push(`root ${proof.root2} for size ${newer.size}`);
  if (claims.length > 0) {
    throw new ProofUnavailable(`the proof's source claims ${claims.join(' and ')}, not the roots being checked: it serves another tree`);
  }
  const hashes = Array.isArray(proof.proof) ? proof.proof.map(looseHex) : [undefined];
  if (hashes.some((hash) => hash === undefined)) throw new ProofUnavailable('the proof is not a list of hex hashes');
  verifyConsistency(older.size, newer.size, older.root, newer.root, hashes as Buffer[]);
  return `consistency proof from ${proof.from} verified (${hashes.length} hashes)`;
}

async function obtainProof(size1: number, size2: number, source: ProofSource): Promise<ConsistencyProofFile & { from: string }> {
  let proof: ConsistencyProofFile;
  let from: string;
  if (source.file) {
    from = source.file;
    const text = readInputFile(source.file, 'the proof');
    try {
      proof = JSON.parse(text);
    } catch (error) {
      throw new ProofUnavailable(`the proof ${source.file} is not JSON: ${errorMessage(error)}`);
    }
  } else if (source.server) {
    const url = serverUrl(source.server, 'ledger/proofs/consistency', { from: size1, to: size2 });
    from = `GET ${url}`;
    proof = await fetchJson<ConsistencyProofFile>(url, source.token);
  } else {
    throw new ProofUnavailable(`proving that size ${size2} extends size ${size1} needs a consistency proof: give --proof <file> or --server <url>`);
  }
  if (typeof proof !== 'object' || proof === null) throw new ProofUnavailable(`the proof from ${from} is not a JSON object`);
  if (proof.size1 !== size1 || proof.size2 !== size2) {
    throw new ProofUnavailable(`the proof from ${from} is from size ${proof.size1} to ${proof.size2}, not from ${size1} to ${size2}`);
  }
  return { ...proof, from };
}
