import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hashes';
import { isCount, isOdd, isPowerOfTwo, log2, splitPoint } from './tree-math';

/** One stored complete subtree: its level (0 = a leaf), its index on that level, and its hash. */
export interface StoredNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/**
 * Where the hashes of complete subtrees live. level 0 = leaves; node (level, index) covers leaves
 * [index·2^level, (index+1)·2^level).
 *
 * Only complete subtrees are ever stored, so a stored node never changes once written; the hashes along a
 * ragged right edge are recomputed from them on demand.
 */
export interface NodeStore {
  /** How many leaves the store holds. */
  leafCount(): number;
  /** The hash of a complete subtree, or undefined if that subtree is not (yet) complete. */
  node(level: number, index: number): Buffer | undefined;
  /** Stores nodes atomically (the leaves appended and every complete subtree they complete). */
  put(nodes: readonly StoredNode[]): void;
}

/** A NodeStore in memory, for tests and for tools that rebuild a tree from an export. */
export class InMemoryNodeStore implements NodeStore {
  private readonly levels: Buffer[][] = [];

  leafCount(): number {
    return this.levels[0]?.length ?? 0;
  }

  node(level: number, index: number): Buffer | undefined {
    return this.levels[level]?.[index];
  }

  /**
   * Accepts only what an append can produce: each node 32 bytes, stored at most once, and leaves that
   * continue the log without a gap. Checks the whole batch before storing any of it.
   */
  put(nodes: readonly StoredNode[]): void {
    let nextLeaf = this.leafCount();
    const seen = new Set<string>();
    for (const { level, index, hash } of nodes) {
      if (!isCount(level) || !isCount(index)) {
        throw new RangeError(`node (${level}, ${index}) has no place in a tree: level and index are counts`);
      }
      if (hash.length !== HASH_SIZE) {
        throw new RangeError(`node (${level}, ${index}) is ${hash.length} bytes; a node hash is ${HASH_SIZE}`);
      }
      const key = `${level}:${index}`;
      if (seen.has(key) || this.node(level, index) !== undefined) {
        throw new RangeError(`node (${level}, ${index}) is already stored; stored nodes never change`);
      }
      seen.add(key);
      if (level === 0) {
        if (index !== nextLeaf) {
          throw new RangeError(`leaf ${index} would leave a gap: the next leaf is ${nextLeaf}`);
        }
        nextLeaf += 1;
      }
    }
    for (const { level, index, hash } of nodes) {
      (this.levels[level] ??= [])[index] = hash;
    }
  }
}

/**
 * The RFC 6962 Merkle tree of the log, kept as the hashes of its complete subtrees in a NodeStore.
 *
 * Appending stores each new leaf and the subtrees it completes (one `put` per batch, never a rebuild).
 * Roots and proofs can be asked for any size up to the current one, so proofs against old checkpoints stay
 * available; they read O(log n) stored nodes and recompute only the ragged right edge.
 */
export class MerkleTree {
  constructor(private readonly store: NodeStore) {}

  /** Number of leaves in the tree. */
  get size(): number {
    return this.store.leafCount();
  }

  /**
   * Appends leaf hashes (already passed through `leafHash`) in one `store.put`. Each leaf stores itself and
   * the subtrees it completes: O(1) amortised per leaf.
   */
  append(leafHashes: readonly Buffer[]): void {
    if (leafHashes.length === 0) return;
    leafHashes.forEach((hash, i) => {
      if (!Buffer.isBuffer(hash) || hash.length !== HASH_SIZE) {
        throw new RangeError(`leaf hash ${i} of the batch is not ${HASH_SIZE} bytes; pass leafHash() output`);
      }
    });
    const first = this.store.leafCount();
    const batch = new Map<string, Buffer>();
    const nodes: StoredNode[] = [];
    const add = (level: number, index: number, hash: Buffer): void => {
      batch.set(`${level}:${index}`, hash);
      nodes.push({ level, index, hash });
    };

    leafHashes.forEach((leaf, i) => {
      let level = 0;
      let index = first + i;
      let hash: Buffer = Buffer.from(leaf); // a copy: the caller may reuse its buffer, a stored node must not change
      add(level, index, hash);
      // A right child completes its parent; the left sibling is in this batch or already stored.
      while (isOdd(index)) {
        const left = batch.get(`${level}:${index - 1}`) ?? this.stored(level, index - 1);
        hash = nodeHash(left, hash);
        level += 1;
        index = (index - 1) / 2;
        add(level, index, hash);
      }
    });
    this.store.put(nodes);
  }

  /** The root of the first `size` leaves (default: all). EMPTY_ROOT for 0. */
  root(size: number = this.size): Buffer {
    this.checkSize('root', size, 0);
    return size === 0 ? Buffer.from(EMPTY_ROOT) : this.rangeHash(0, size);
  }

  /**
   * MTH(D[start:end]) (RFC 9162 §2.1.1). Ranges whose start is a multiple of the smallest power of two
   * ≥ end − start (every range a proof uses) cost O(log n) stored-node lookups; any other range is still
   * answered correctly, but its hash has to be built up from smaller pieces.
   */
  subtreeHash(start: number, end: number): Buffer {
    if (!isCount(start) || !isCount(end) || start >= end || end > this.size) {
      throw new RangeError(
        `subtree [${start}, ${end}) is not a non-empty range of leaves within a tree of size ${this.size}`,
      );
    }
    return this.rangeHash(start, end);
  }

  /**
   * The audit path PATH(index, D[size]) (RFC 9162 §2.1.3.1): sibling hashes from the leaf up to the root
   * of the tree of the given size.
   */
  inclusionProof(index: number, size: number): Buffer[] {
    this.checkSize('inclusion proof', size, 1);
    if (!isCount(index) || index >= size) {
      throw new RangeError(`leaf index ${index} is not in a tree of size ${size}: it must be 0 to ${size - 1}`);
    }
    const siblings: Buffer[] = []; // collected root-down; the proof lists them leaf-up
    let start = 0;
    let end = size;
    while (end - start > 1) {
      const k = splitPoint(end - start);
      if (index < start + k) {
        siblings.push(this.rangeHash(start + k, end));
        end = start + k;
      } else {
        siblings.push(this.rangeHash(start, start + k));
        start += k;
      }
    }
    return siblings.reverse();
  }

  /**
   * The consistency proof PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1) that the tree of size1 is a prefix of
   * the tree of size2. Empty when the sizes are equal. Requires 0 < size1 ≤ size2 ≤ size.
   */
  consistencyProof(size1: number, size2: number): Buffer[] {
    this.checkSize('consistency proof', size2, 1);
    if (!isCount(size1) || size1 < 1 || size1 > size2) {
      throw new RangeError(
        `a consistency proof needs 0 < size1 ≤ size2; got size1 ${size1}, size2 ${size2} ` +
          '(every tree extends the empty tree, so there is nothing to prove from size 0)',
      );
    }
    const hashes: Buffer[] = []; // collected root-down, as in inclusionProof
    let start = 0;
    let end = size2;
    let wholeOldTree = true; // SUBPROOF's b: is the old tree itself a node on the way down?
    while (size1 !== end) {
      const k = splitPoint(end - start);
      if (size1 - start <= k) {
        hashes.push(this.rangeHash(start + k, end));
        end = start + k;
      } else {
        hashes.push(this.rangeHash(start, start + k));
        start += k;
        wholeOldTree = false;
      }
    }
    // The verifier already holds the old root; it only needs the subtree hash where the old tree ends
    // inside a larger subtree.
    if (!wholeOldTree) hashes.push(this.rangeHash(start, end));
    return hashes.reverse();
  }

  private rangeHash(start: number, end: number): Buffer {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) return this.stored(log2(n), start / n);
    const k = splitPoint(n);
    return nodeHash(this.rangeHash(start, start + k), this.rangeHash(start + k, end));
  }

  private stored(level: number, index: number): Buffer {
    const hash = this.store.node(level, index);
    if (hash === undefined) {
      throw new Error(
        `the node store holds ${this.store.leafCount()} leaves but not the complete subtree at level ` +
          `${level}, index ${index}; the store is inconsistent and must be rebuilt from the log`,
      );
    }
    return Buffer.from(hash); // a copy, so no caller can alter what the store holds
  }

  private checkSize(what: string, size: number, min: number): void {
    if (!isCount(size) || size < min || size > this.size) {
      throw new RangeError(`a ${what} needs a tree size from ${min} to ${this.size} (the current size); got ${size}`);
    }
  }
}
