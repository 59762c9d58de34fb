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

/** Where a complete subtree sits: level 0 = a leaf. */
export interface NodeAddress {
  readonly level: number;
  readonly index: number;
}

/**
 * A NodeStore whose reads and writes go over a network or a pool (PostgreSQL): the tree asks for every node
 * an operation needs in one `nodes` call, so a proof is one round trip, not one per level.
 */
export interface AsyncNodeStore {
  /** How many leaves the store holds. */
  leafCount(): Promise<number>;
  /** The hashes of these complete subtrees, in the order asked; undefined where one is not stored. */
  nodes(addresses: readonly NodeAddress[]): Promise<Array<Buffer | undefined>>;
  /** Stores nodes atomically, as NodeStore.put. */
  put(nodes: readonly StoredNode[]): Promise<void>;
}

/** An AsyncNodeStore over a synchronous one (tests, and tools that keep the tree in memory). */
export function asyncNodeStore(store: NodeStore): AsyncNodeStore {
  return {
    leafCount: async () => store.leafCount(),
    nodes: async (addresses) => addresses.map(({ level, index }) => store.node(level, index)),
    put: async (nodes) => store.put(nodes),
  };
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

/** Reads a stored complete subtree; throws when the store does not hold it. */
type Lookup = (level: number, index: number) => Buffer;

function checkLeafHashes(leafHashes: readonly Buffer[]): void {
  leafHashes.forEach((hash, i) => {
    if (!Buffer.isBuffer(hash) || hash.length !== HASH_SIZE) {
      throw new RangeError(`leaf hash ${i} of the batch is not ${HASH_SIZE} bytes; pass leafHash() output`);
    }
  });
}

/** The nodes appending `leafHashes` after leaf `first - 1` stores: each leaf and the subtrees it completes. */
function appendedNodes(first: number, leafHashes: readonly Buffer[], stored: Lookup): StoredNode[] {
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
      const left = batch.get(`${level}:${index - 1}`) ?? stored(level, index - 1);
      hash = nodeHash(left, hash);
      level += 1;
      index = (index - 1) / 2;
      add(level, index, hash);
    }
  });
  return nodes;
}

function rangeHash(start: number, end: number, stored: Lookup): Buffer {
  const n = end - start;
  if (isPowerOfTwo(n) && start % n === 0) return stored(log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(start, start + k, stored), rangeHash(start + k, end, stored));
}

function inclusionPath(index: number, size: number, stored: Lookup): Buffer[] {
  const siblings: Buffer[] = []; // collected root-down; the proof lists them leaf-up
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      siblings.push(rangeHash(start + k, end, stored));
      end = start + k;
    } else {
      siblings.push(rangeHash(start, start + k, stored));
      start += k;
    }
  }
  return siblings.reverse();
}

function consistencyPath(size1: number, size2: number, stored: Lookup): Buffer[] {
  const hashes: Buffer[] = []; // collected root-down, as in inclusionPath
  let start = 0;
  let end = size2;
  let wholeOldTree = true; // SUBPROOF's b: is the old tree itself a node on the way down?
  while (size1 !== end) {
    const k = splitPoint(end - start);
    if (size1 - start <= k) {
      hashes.push(rangeHash(start + k, end, stored));
      end = start + k;
    } else {
      hashes.push(rangeHash(start, start + k, stored));
      start += k;
      wholeOldTree = false;
    }
  }
  // The verifier already holds the old root; it only needs the subtree hash where the old tree ends
  // inside a larger subtree.
  if (!wholeOldTree) hashes.push(rangeHash(start, end, stored));
  return hashes.reverse();
}

function checkSize(what: string, size: number, min: number, current: number): void {
  if (!isCount(size) || size < min || size > current) {
    throw new RangeError(`a ${what} needs a tree size from ${min} to ${current} (the current size); got ${size}`);
  }
}

function checkSubtree(start: number, end: number, current: number): void {
  if (!isCount(start) || !isCount(end) || start >= end || end > current) {
    throw new RangeError(`subtree [${start}, ${end}) is not a non-empty range of leaves within a tree of size ${current}`);
  }
}

function checkLeafIndex(index: number, size: number): void {
  if (!isCount(index) || index >= size) {
    throw new RangeError(`leaf index ${index} is not in a tree of size ${size}: it must be 0 to ${size - 1}`);
  }
}

function checkConsistencySizes(size1: number, size2: number): void {
  if (!isCount(size1) || size1 < 1 || size1 > size2) {
    throw new RangeError(
      `a consistency proof needs 0 < size1 ≤ size2; got size1 ${size1}, size2 ${size2} ` +
        '(every tree extends the empty tree, so there is nothing to prove from size 0)',
    );
  }
}

function inconsistent(leaves: number, level: number, index: number): Error {
  return new Error(
    `the node store holds ${leaves} leaves but not the complete subtree at level ${level}, index ${index}; ` +
      'the store is inconsistent and must be rebuilt from the log',
  );
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
    checkLeafHashes(leafHashes);
    this.store.put(appendedNodes(this.store.leafCount(), leafHashes, this.stored));
  }

  /** The root of the first `size` leaves (default: all). EMPTY_ROOT for 0. */
  root(size: number = this.size): Buffer {
    checkSize('root', size, 0, this.size);
    return size === 0 ? Buffer.from(EMPTY_ROOT) : rangeHash(0, size, this.stored);
  }

  /**
   * MTH(D[start:end]) (RFC 9162 §2.1.1). Ranges whose start is a multiple of the smallest power of two
   * ≥ end − start (every range a proof uses) cost O(log n) stored-node lookups; any other range is still
   * answered correctly, but its hash has to be built up from smaller pieces.
   */
  subtreeHash(start: number, end: number): Buffer {
    checkSubtree(start, end, this.size);
    return rangeHash(start, end, this.stored);
  }

  /**
   * The audit path PATH(index, D[size]) (RFC 9162 §2.1.3.1): sibling hashes from the leaf up to the root
   * of the tree of the given size.
   */
  inclusionProof(index: number, size: number): Buffer[] {
    checkSize('inclusion proof', size, 1, this.size);
    checkLeafIndex(index, size);
    return inclusionPath(index, size, this.stored);
  }

  /**
   * The consistency proof PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1) that the tree of size1 is a prefix of
   * the tree of size2. Empty when the sizes are equal. Requires 0 < size1 ≤ size2 ≤ size.
   */
  consistencyProof(size1: number, size2: number): Buffer[] {
    checkSize('consistency proof', size2, 1, this.size);
    checkConsistencySizes(size1, size2);
    return consistencyPath(size1, size2, this.stored);
  }

  private readonly stored: Lookup = (level, index) => {
    const hash = this.store.node(level, index);
    if (hash === undefined) throw inconsistent(this.store.leafCount(), level, index);
    return Buffer.from(hash); // a copy, so no caller can alter what the store holds
  };
}

const PLACEHOLDER = Buffer.alloc(HASH_SIZE);

/**
 * The same tree over an AsyncNodeStore. Each operation first works out which stored nodes it reads (by
 * running its computation over placeholders, O(log n) hashes), fetches them in one `nodes` call, then
 * computes the answer: a root or proof is one read of O(log n) nodes, an append reads only the O(log n)
 * nodes on the right edge of the tree it extends and stores its nodes in one `put`.
 */
export class AsyncMerkleTree {
  constructor(private readonly store: AsyncNodeStore) {}

  /** Number of leaves in the tree. */
  size(): Promise<number> {
    return this.store.leafCount();
  }

  /** As MerkleTree.append: one `nodes` read of the right edge, one `put`. */
  async append(leafHashes: readonly Buffer[]): Promise<void> {
    if (leafHashes.length === 0) return;
    checkLeafHashes(leafHashes);
    const first = await this.store.leafCount();
    // A left sibling outside the batch is a complete subtree ending at or before `first` whose parent is not
    // complete yet: one of the nodes the root of the first `first` leaves is made of.
    const stored = first === 0 ? this.noneStored(first) : await this.fetch(first, (lookup) => rangeHash(0, first, lookup));
    await this.store.put(appendedNodes(first, leafHashes, stored));
  }

  /** The root of the first `size` leaves (default: all). EMPTY_ROOT for 0. */
  async root(size?: number): Promise<Buffer> {
    const current = await this.store.leafCount();
    const n = size ?? current;
    checkSize('root', n, 0, current);
    if (n === 0) return Buffer.from(EMPTY_ROOT);
    return this.read(current, (lookup) => rangeHash(0, n, lookup));
  }

  /** MTH(D[start:end]), as MerkleTree.subtreeHash. */
  async subtreeHash(start: number, end: number): Promise<Buffer> {
    const current = await this.store.leafCount();
    checkSubtree(start, end, current);
    return this.read(current, (lookup) => rangeHash(start, end, lookup));
  }

  /** PATH(index, D[size]), as MerkleTree.inclusionProof. */
  async inclusionProof(index: number, size: number): Promise<Buffer[]> {
    const current = await this.store.leafCount();
    checkSize('inclusion proof', size, 1, current);
    checkLeafIndex(index, size);
    return this.read(current, (lookup) => inclusionPath(index, size, lookup));
  }

  /** PROOF(size1, D[size2]), as MerkleTree.consistencyProof. */
  async consistencyProof(size1: number, size2: number): Promise<Buffer[]> {
    const current = await this.store.leafCount();
    checkSize('consistency proof', size2, 1, current);
    checkConsistencySizes(size1, size2);
    return this.read(current, (lookup) => consistencyPath(size1, size2, lookup));
  }

  private async read<T>(leaves: number, compute: (lookup: Lookup) => T): Promise<T> {
    return compute(await this.fetch(leaves, compute));
  }

  /** Fetches, in one call, the nodes `compute` reads, and answers a lookup over them. */
  private async fetch(leaves: number, compute: (lookup: Lookup) => unknown): Promise<Lookup> {
    const wanted = new Map<string, NodeAddress>();
    compute((level, index) => {
      wanted.set(`${level}:${index}`, { level, index });
      return PLACEHOLDER;
    });
    const addresses = [...wanted.values()];
    const hashes = await this.store.nodes(addresses);
    const found = new Map<string, Buffer>();
    addresses.forEach(({ level, index }, i) => {
      const hash = hashes[i];
      if (hash !== undefined) found.set(`${level}:${index}`, hash);
    });
    return (level, index) => {
      const hash = found.get(`${level}:${index}`);
      if (hash === undefined) throw inconsistent(leaves, level, index);
      return Buffer.from(hash);
    };
  }

  private noneStored(leaves: number): Lookup {
    return (level, index) => {
      throw inconsistent(leaves, level, index);
    };
  }
}
