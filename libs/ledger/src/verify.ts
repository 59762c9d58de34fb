import { ValidationError } from '@samverkan/common';
import { EMPTY_ROOT, HASH_SIZE, nodeHash, toHex } from './hashes';
import { consistencyProofLength, half, inclusionProofLength, isCount, isOdd, isPowerOfTwo } from './tree-math';

/** Why a proof was refused; stable, so tools and tests can match on it. */
export type ProofFailure =
  | 'bad-argument'
  | 'bad-hash-length'
  | 'index-out-of-range'
  | 'size-order'
  | 'from-empty-tree'
  | 'empty-proof'
  | 'proof-not-empty'
  | 'wrong-proof-length'
  | 'root-mismatch'
  | 'root1-mismatch'
  | 'root2-mismatch';

/**
 * A proof that does not prove what it claims. `reason` is the stable name of the failed check; the message
 * says what was expected and what was found.
 */
export class ProofError extends ValidationError {
  constructor(
    readonly reason: ProofFailure,
    message: string,
  ) {
    super(message, { rule: reason });
  }
}

/**
 * The root that an inclusion proof leads to from `leafHash` at `index` in a tree of `size` leaves
 * (RFC 9162 §2.1.3.2 without the final comparison). Throws ProofError for an index outside the tree, a
 * hash that is not 32 bytes, or a proof of the wrong length for (index, size).
 */
export function rootFromInclusionProof(leafHash: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer {
  requireCount('tree size', size);
  requireCount('leaf index', index);
  if (index >= size) {
    throw new ProofError('index-out-of-range', `leaf index ${index} is not in a tree of size ${size}`);
  }
  requireHash('leaf hash', leafHash);
  proof.forEach((hash, i) => requireHash(`proof[${i}]`, hash));
  const expected = inclusionProofLength(index, size);
  if (proof.length !== expected) {
    throw new ProofError(
      'wrong-proof-length',
      `an inclusion proof for leaf ${index} in a tree of size ${size} has ${expected} hashes; ` + `this one has ${proof.length}`,
    );
  }

  // RFC 9162 §2.1.3.2, step by step. fn walks the leaf's position up the tree, sn the last leaf's.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw tooLong('inclusion');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // On the right edge a node with no right sibling is promoted unchanged: skip those levels.
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw tooShort('inclusion');
  return r;
}

/**
 * Checks that `proof` proves the leaf with hash `leafHash` sits at `index` in the tree of `size` leaves
 * whose root is `root` (RFC 9162 §2.1.3.2). Returns normally or throws ProofError.
 */
export function verifyInclusion(leafHash: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): void {
  requireHash('root', root);
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  if (!computed.equals(root)) {
    throw new ProofError('root-mismatch', `the proof for leaf ${index} leads to root ${toHex(computed)}, not to the expected ${toHex(root)}`);
  }
}

/**
 * Checks that the tree of `size1` leaves with root `root1` is a prefix of the tree of `size2` leaves with
 * root `root2` (RFC 9162 §2.1.4.2). Returns normally or throws ProofError.
 *
 * Guards, as the transparency-dev/merkle vectors require:
 * - size1 > size2 is refused.
 * - Equal sizes (0 included) need an empty proof and identical roots; nothing is hashed, so the roots are
 *   compared as given (the vectors accept equal non-SHA-256-sized roots here).
 * - size1 = 0 < size2 is refused: every tree extends the empty one, so such a "proof" proves nothing and a
 *   caller asking for one has lost track of its old checkpoint.
 * - Otherwise every hash must be 32 bytes and the proof exactly as long as PROOF(size1, D[size2]).
 */
export function verifyConsistency(size1: number, size2: number, root1: Buffer, root2: Buffer, proof: readonly Buffer[]): void {
  requireCount('size1', size1);
  requireCount('size2', size2);
  if (size1 > size2) {
    throw new ProofError('size-order', `size1 ${size1} is larger than size2 ${size2}: a log never shrinks`);
  }
  if (size1 === 0) {
    // RFC 9162 §2.1.4 defines the proof for 0 < size1 < size2; from size 0 it proves nothing, to any size.
    throw new ProofError(
      'from-empty-tree',
      `a consistency proof from the empty tree (size1 0) to size ${size2} proves nothing; ` +
        'compare against a non-empty checkpoint (a checkpoint of size 0 has the empty root, and every log extends it)',
    );
  }
  if (size1 === size2) {
    if (proof.length !== 0) {
      throw new ProofError('proof-not-empty', `trees of equal size ${size1} need an empty proof; got ${proof.length} hashes`);
    }
    if (!Buffer.from(root1).equals(Buffer.from(root2))) {
      throw new ProofError('root-mismatch', `two trees of size ${size1} have different roots ${toHex(root1)} and ${toHex(root2)}: the log forked`);
    }
    return;
  }
  if (proof.length === 0) {
    throw new ProofError('empty-proof', `a proof from size ${size1} to ${size2} cannot be empty`);
  }
  requireHash('root1', root1);
  requireHash('root2', root2);
  proof.forEach((hash, i) => requireHash(`proof[${i}]`, hash));
  const expected = consistencyProofLength(size1, size2);
  if (proof.length !== expected) {
    throw new ProofError('wrong-proof-length', `a consistency proof from size ${size1} to ${size2} has ${expected} hashes; this one has ${proof.length}`);
  }

  // RFC 9162 §2.1.4.2, step by step. fr rebuilds the old root and sr the new one from the same path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof; // the old tree is itself a node then
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw tooLong('consistency');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw tooShort('consistency');
  if (!fr.equals(root1)) {
    throw new ProofError('root1-mismatch', `the proof rebuilds the size-${size1} root as ${toHex(fr)}, not the expected ${toHex(root1)}`);
  }
  if (!sr.equals(root2)) {
    throw new ProofError('root2-mismatch', `the proof rebuilds the size-${size2} root as ${toHex(sr)}, not the expected ${toHex(root2)}`);
  }
}

/**
 * The right edge of a growing tree (a "compact range"): one hash per perfect subtree, so O(log n) memory.
 * It computes the root of a log read front to back in one pass, e.g. an auditor recomputing the root of a
 * full export without holding it.
 */
export class MerkleFrontier {
  // Hashes of the perfect subtrees that make up the tree, largest (leftmost) first, with their heights.
  private readonly peaks: Buffer[] = [];
  private readonly heights: number[] = [];
  private count = 0;

  /** Number of leaves appended. */
  get size(): number {
    return this.count;
  }

  /** Adds the next leaf hash (already passed through `leafHash`). */
  append(leafHash: Buffer): void {
    if (!Buffer.isBuffer(leafHash) || leafHash.length !== HASH_SIZE) {
      const found = Buffer.isBuffer(leafHash) ? `${leafHash.length} bytes` : typeof leafHash;
      throw new RangeError(`a leaf hash is ${HASH_SIZE} bytes; got ${found}`);
    }
    let hash: Buffer = Buffer.from(leafHash);
    let height = 0;
    // Two perfect subtrees of equal height side by side merge into one a level up.
    while (this.heights.length > 0 && this.heights[this.heights.length - 1] === height) {
      hash = nodeHash(this.peaks.pop() as Buffer, hash);
      this.heights.pop();
      height += 1;
    }
    this.peaks.push(hash);
    this.heights.push(height);
    this.count += 1;
  }

  /** The root of all leaves appended so far (EMPTY_ROOT before the first). */
  root(): Buffer {
    if (this.peaks.length === 0) return Buffer.from(EMPTY_ROOT);
    let hash = this.peaks[this.peaks.length - 1];
    for (let i = this.peaks.length - 2; i >= 0; i -= 1) hash = nodeHash(this.peaks[i], hash);
    return Buffer.from(hash);
  }
}

function requireCount(what: string, value: number): void {
  if (!isCount(value)) {
    throw new ProofError('bad-argument', `${what} must be a whole number from 0 to 2^53-1; got ${String(value)}`);
  }
}

function requireHash(what: string, hash: Buffer): void {
  if (!Buffer.isBuffer(hash) || hash.length !== HASH_SIZE) {
    const found = Buffer.isBuffer(hash) ? `${hash.length} bytes` : typeof hash;
    throw new ProofError('bad-hash-length', `${what} must be a ${HASH_SIZE}-byte SHA-256 hash; got ${found}`);
  }
}

// Unreachable after the length check, kept because they are the RFC's own guards.
function tooLong(kind: string): ProofError {
  return new ProofError('wrong-proof-length', `the ${kind} proof has more hashes than the tree has levels`);
}

function tooShort(kind: string): ProofError {
  return new ProofError('wrong-proof-length', `the ${kind} proof ends before reaching the root`);
}
