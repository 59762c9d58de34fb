import { EMPTY_ROOT, toHex } from './hashes';
import { InMemoryNodeStore, MerkleTree, NodeStore, StoredNode } from './merkle-tree';
import { verifyConsistency, verifyInclusion } from './verify';
import merkle from './testing/fixtures/rfc6962-merkle.json';
import inclusionProbes from './testing/fixtures/rfc6962-inclusion-probes.json';
import consistencyProbes from './testing/fixtures/rfc6962-consistency-probes.json';
import { hex, mth, path, proof, sampleLeaves } from './testing/rfc6962-reference';

const referenceLeaves = merkle.leaf_hashes_hex.map(hex);

function treeOf(leaves: readonly Buffer[], store: NodeStore = new InMemoryNodeStore()): MerkleTree {
  const tree = new MerkleTree(store);
  tree.append(leaves);
  return tree;
}

/** A store that counts what the tree asks of it. */
class CountingStore implements NodeStore {
  readonly inner = new InMemoryNodeStore();
  lookups = 0;
  puts: number[] = [];
  leafCount(): number {
    return this.inner.leafCount();
  }
  node(level: number, index: number): Buffer | undefined {
    this.lookups += 1;
    return this.inner.node(level, index);
  }
  put(nodes: readonly StoredNode[]): void {
    this.puts.push(nodes.length);
    this.inner.put(nodes);
  }
}

describe('the Merkle tree of the log', () => {
  describe('given the 8-leaf RFC 6962 reference tree', () => {
    const store = new InMemoryNodeStore();
    const tree = treeOf(referenceLeaves, store);

    it.each(Object.entries(merkle.root_by_tree_size_hex))('has the published root at size %s', (size, root) => {
      expect(toHex(tree.root(Number(size)))).toBe(root);
    });

    it('stores exactly the published leaf and level hashes', () => {
      const level = (l: number, count: number) => Array.from({ length: count }, (_, i) => toHex(store.node(l, i) as Buffer));
      expect(level(0, 8)).toEqual(merkle.leaf_hashes_hex);
      expect(level(1, 4)).toEqual(merkle.level1_hex);
      expect(level(2, 2)).toEqual(merkle.level2_hex);
      expect(level(3, 1)).toEqual(merkle.level3_hex);
      expect(store.node(4, 0)).toBeUndefined();
    });

    it('defaults root() to the whole tree', () => {
      expect(toHex(tree.root())).toBe(merkle.root_by_tree_size_hex['8']);
    });

    const happyInclusion = inclusionProbes.probes.filter((p) => !p.wantErr && p.treeSize > 1);
    it.each(happyInclusion.map((p) => [p.file, p] as const))('generates the published inclusion proof of %s', (_file, probe) => {
      expect(tree.inclusionProof(probe.leafIdx, probe.treeSize).map(toHex)).toEqual(probe.proof);
    });

    const happyConsistency = consistencyProbes.probes.filter((p) => !p.wantErr && p.size1 > 0);
    it.each(happyConsistency.map((p) => [p.file, p] as const))('generates the published consistency proof of %s', (_file, probe) => {
      expect(tree.consistencyProof(probe.size1, probe.size2).map(toHex)).toEqual(probe.proof);
    });
  });

  it('given no leaves, then its size is 0 and its root is SHA-256 of nothing', () => {
    const tree = new MerkleTree(new InMemoryNodeStore());
    expect(tree.size).toBe(0);
    expect(tree.root()).toEqual(EMPTY_ROOT);
  });

  describe('appending in uneven batches', () => {
    const leaves = sampleLeaves(300);
    const batches = [1, 2, 3, 1, 7, 16, 5, 31, 1, 64, 2, 33, 0, 17, 45, 72];

    it('gives the same root after every batch as the RFC definition over the same leaves', () => {
      expect(batches.reduce((a, b) => a + b)).toBe(leaves.length);
      const tree = new MerkleTree(new InMemoryNodeStore());
      let appended = 0;
      for (const count of batches) {
        tree.append(leaves.slice(appended, appended + count));
        appended += count;
        expect(tree.size).toBe(appended);
        expect(tree.root()).toEqual(mth(leaves.slice(0, appended)));
      }
    });

    it('answers every historical root from the final tree, as the RFC definition does', () => {
      const tree = new MerkleTree(new InMemoryNodeStore());
      let appended = 0;
      for (const count of batches) {
        tree.append(leaves.slice(appended, appended + count));
        appended += count;
      }
      for (let size = 0; size <= leaves.length; size += 1) {
        expect(toHex(tree.root(size))).toBe(toHex(mth(leaves.slice(0, size))));
      }
    });

    it('calls store.put once per non-empty batch and stores each leaf and completed subtree once', () => {
      const store = new CountingStore();
      const tree = new MerkleTree(store);
      let appended = 0;
      for (const count of batches) {
        tree.append(leaves.slice(appended, appended + count));
        appended += count;
      }
      expect(store.puts).toHaveLength(batches.filter((count) => count > 0).length);
      // A tree of n leaves has n − popcount(n) complete interior subtrees, plus its n leaves.
      const popcount = appended.toString(2).replace(/0/g, '').length;
      expect(store.puts.reduce((a, b) => a + b)).toBe(2 * appended - popcount);
    });

    it('never rebuilds: appending one leaf at a time reads at most one stored node per leaf on average', () => {
      const store = new CountingStore();
      const tree = new MerkleTree(store);
      for (const leaf of sampleLeaves(1024)) tree.append([leaf]);
      expect(store.lookups).toBeLessThanOrEqual(1024);
    });
  });

  describe('subtree hashes', () => {
    const leaves = sampleLeaves(37);
    const tree = treeOf(leaves);

    it('match the RFC definition for every range of leaves, aligned or not', () => {
      for (let start = 0; start < leaves.length; start += 1) {
        for (let end = start + 1; end <= leaves.length; end += 1) {
          expect(tree.subtreeHash(start, end)).toEqual(mth(leaves.slice(start, end)));
        }
      }
    });

    it('read O(log n) stored nodes for a root or a proof over a large tree, ragged edge included', () => {
      const store = new CountingStore();
      const big = treeOf(sampleLeaves(5000), store);
      const bound = 2 * Math.ceil(Math.log2(5000)) + 2;
      const lookups = (ask: () => unknown) => {
        store.lookups = 0;
        ask();
        return store.lookups;
      };
      expect(lookups(() => big.root(4999))).toBeLessThanOrEqual(bound);
      expect(lookups(() => big.inclusionProof(1234, 4999))).toBeLessThanOrEqual(bound);
      expect(lookups(() => big.inclusionProof(4998, 4999))).toBeLessThanOrEqual(bound);
      expect(lookups(() => big.consistencyProof(1235, 4999))).toBeLessThanOrEqual(bound);
      expect(lookups(() => big.consistencyProof(3333, 4097))).toBeLessThanOrEqual(bound);
    });
  });

  describe('inclusion proofs', () => {
    const leaves = sampleLeaves(70);
    const tree = treeOf(leaves);

    it('equal PATH(m, D[n]) and verify, for every leaf of every size up to 70', () => {
      for (let size = 1; size <= leaves.length; size += 1) {
        const prefix = leaves.slice(0, size);
        const root = tree.root(size);
        for (let index = 0; index < size; index += 1) {
          const generated = tree.inclusionProof(index, size);
          expect(generated).toEqual(path(index, prefix));
          expect(() => verifyInclusion(leaves[index], index, size, generated, root)).not.toThrow();
        }
      }
    });

    it.each([
      ['size 0', 0, 0],
      ['a size beyond the tree', 0, 71],
      ['an index equal to the size', 5, 5],
      ['a negative index', -1, 5],
      ['a fractional index', 1.5, 5],
    ])('refuses %s with a RangeError', (_what, index, size) => {
      expect(() => tree.inclusionProof(index, size)).toThrow(RangeError);
    });
  });

  describe('consistency proofs', () => {
    const leaves = sampleLeaves(40);
    const tree = treeOf(leaves);

    it('equal PROOF(m, D[n]) and verify, for every pair of sizes up to 40', () => {
      for (let size2 = 1; size2 <= leaves.length; size2 += 1) {
        for (let size1 = 1; size1 <= size2; size1 += 1) {
          const generated = tree.consistencyProof(size1, size2);
          expect(generated).toEqual(proof(size1, leaves.slice(0, size2)));
          expect(() => verifyConsistency(size1, size2, tree.root(size1), tree.root(size2), generated)).not.toThrow();
        }
      }
    });

    it.each([
      ['size1 0', 0, 5],
      ['size1 above size2', 6, 5],
      ['size2 beyond the tree', 5, 41],
      ['a fractional size', 2.5, 5],
    ])('refuses %s with a RangeError', (_what, size1, size2) => {
      expect(() => tree.consistencyProof(size1, size2)).toThrow(RangeError);
    });
  });

  describe('arguments and stores', () => {
    it('refuses leaf hashes that are not 32 bytes, and stores nothing of that batch', () => {
      const tree = new MerkleTree(new InMemoryNodeStore());
      expect(() => tree.append([Buffer.alloc(32), Buffer.alloc(31)])).toThrow(/leaf hash 1 of the batch is not 32 bytes/);
      expect(tree.size).toBe(0);
    });

    it('refuses a root of a size the tree has not reached', () => {
      const tree = treeOf(sampleLeaves(3));
      expect(() => tree.root(4)).toThrow(RangeError);
      expect(() => tree.subtreeHash(2, 2)).toThrow(RangeError);
      expect(() => tree.subtreeHash(0, 4)).toThrow(RangeError);
    });

    it('keeps stored hashes safe from callers who modify what they were given', () => {
      const leaves = sampleLeaves(4);
      const tree = treeOf(leaves);
      const before = tree.root();
      leaves[0].fill(0);
      tree.root().fill(0);
      tree.inclusionProof(0, 4)[0].fill(0);
      expect(tree.root()).toEqual(before);
    });

    it('given a store missing a complete subtree, when a root needs it, then it says the store is inconsistent', () => {
      const damaged: NodeStore = {
        leafCount: () => 4,
        node: (level, index) => (level === 1 && index === 0 ? undefined : Buffer.alloc(32, level + index)),
        put: () => undefined,
      };
      expect(() => new MerkleTree(damaged).root(3)).toThrow(/not the complete subtree at level 1, index 0/);
    });

    it('the in-memory store refuses a gap in the leaves or a node stored twice, all or nothing', () => {
      const store = new InMemoryNodeStore();
      const hash = Buffer.alloc(32);
      expect(() => store.put([{ level: 0, index: 1, hash }])).toThrow(/gap/);
      store.put([{ level: 0, index: 0, hash }]);
      expect(() =>
        store.put([
          { level: 0, index: 1, hash },
          { level: 0, index: 0, hash },
        ]),
      ).toThrow(/already stored/);
      expect(store.leafCount()).toBe(1);
    });
  });
});
