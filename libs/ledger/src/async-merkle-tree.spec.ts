import { EMPTY_ROOT, toHex } from './hashes';
import { AsyncMerkleTree, AsyncNodeStore, asyncNodeStore, InMemoryNodeStore, NodeAddress, StoredNode } from './merkle-tree';
import { verifyConsistency, verifyInclusion } from './verify';
import merkle from './testing/fixtures/rfc6962-merkle.json';
import inclusionProbes from './testing/fixtures/rfc6962-inclusion-probes.json';
import consistencyProbes from './testing/fixtures/rfc6962-consistency-probes.json';
import { hex, mth, path, proof, sampleLeaves } from './testing/rfc6962-reference';

/** An async store over memory that counts its round trips and the nodes it was asked for. */
class CountingAsyncStore implements AsyncNodeStore {
  readonly inner = new InMemoryNodeStore();
  private readonly store = asyncNodeStore(this.inner);
  reads: number[] = [];
  puts: number[] = [];
  leafCount(): Promise<number> {
    return this.store.leafCount();
  }
  nodes(addresses: readonly NodeAddress[]): Promise<Array<Buffer | undefined>> {
    this.reads.push(addresses.length);
    return this.store.nodes(addresses);
  }
  put(nodes: readonly StoredNode[]): Promise<void> {
    this.puts.push(nodes.length);
    return this.store.put(nodes);
  }
}

async function treeOf(leaves: readonly Buffer[], store: AsyncNodeStore = asyncNodeStore(new InMemoryNodeStore())): Promise<AsyncMerkleTree> {
  const tree = new AsyncMerkleTree(store);
  await tree.append(leaves);
  return tree;
}

describe('the Merkle tree of the log over an asynchronous store', () => {
  describe('given the 8-leaf RFC 6962 reference tree', () => {
    const store = new InMemoryNodeStore();
    let tree: AsyncMerkleTree;
    beforeAll(async () => {
      tree = await treeOf(merkle.leaf_hashes_hex.map(hex), asyncNodeStore(store));
    });

    it.each(Object.entries(merkle.root_by_tree_size_hex))('has the published root at size %s', async (size, root) => {
      expect(toHex(await tree.root(Number(size)))).toBe(root);
    });

    it('stores exactly the published leaf and level hashes, and defaults root() to the whole tree', async () => {
      const level = (l: number, count: number) => Array.from({ length: count }, (_, i) => toHex(store.node(l, i) as Buffer));
      expect(level(0, 8)).toEqual(merkle.leaf_hashes_hex);
      expect(level(1, 4)).toEqual(merkle.level1_hex);
      expect(level(2, 2)).toEqual(merkle.level2_hex);
      expect(level(3, 1)).toEqual(merkle.level3_hex);
      expect(toHex(await tree.root())).toBe(merkle.root_by_tree_size_hex['8']);
    });

    const happyInclusion = inclusionProbes.probes.filter((p) => !p.wantErr && p.treeSize > 1);
    it.each(happyInclusion.map((p) => [p.file, p] as const))('generates the published inclusion proof of %s', async (_file, probe) => {
      expect((await tree.inclusionProof(probe.leafIdx, probe.treeSize)).map(toHex)).toEqual(probe.proof);
    });

    const happyConsistency = consistencyProbes.probes.filter((p) => !p.wantErr && p.size1 > 0);
    it.each(happyConsistency.map((p) => [p.file, p] as const))('generates the published consistency proof of %s', async (_file, probe) => {
      expect((await tree.consistencyProof(probe.size1, probe.size2)).map(toHex)).toEqual(probe.proof);
    });
  });

  it('given no leaves, then its size is 0 and its root is SHA-256 of nothing', async () => {
    const tree = new AsyncMerkleTree(asyncNodeStore(new InMemoryNodeStore()));
    expect(await tree.size()).toBe(0);
    expect(await tree.root()).toEqual(EMPTY_ROOT);
  });

  describe('appending in uneven batches', () => {
    const leaves = sampleLeaves(300);
    const batches = [1, 2, 3, 1, 7, 16, 5, 31, 1, 64, 2, 33, 0, 17, 45, 72];

    it('gives the RFC root after every batch and every historical root at the end', async () => {
      const tree = new AsyncMerkleTree(asyncNodeStore(new InMemoryNodeStore()));
      let appended = 0;
      for (const count of batches) {
        await tree.append(leaves.slice(appended, appended + count));
        appended += count;
        expect(await tree.size()).toBe(appended);
        expect(await tree.root()).toEqual(mth(leaves.slice(0, appended)));
      }
      for (let size = 0; size <= leaves.length; size += 1) {
        expect(toHex(await tree.root(size))).toBe(toHex(mth(leaves.slice(0, size))));
      }
    });

    it('per batch reads only the right edge, in one call, and stores each leaf and completed subtree once, in one put', async () => {
      const store = new CountingAsyncStore();
      const tree = new AsyncMerkleTree(store);
      let appended = 0;
      for (const count of batches) {
        await tree.append(leaves.slice(appended, appended + count));
        appended += count;
      }
      const nonEmpty = batches.filter((count) => count > 0).length;
      expect(store.puts).toHaveLength(nonEmpty);
      expect(store.reads).toHaveLength(nonEmpty - 1); // the first batch extends the empty tree
      for (const read of store.reads) expect(read).toBeLessThanOrEqual(Math.ceil(Math.log2(300)));
      const popcount = appended.toString(2).replace(/0/g, '').length;
      expect(store.puts.reduce((a, b) => a + b)).toBe(2 * appended - popcount);
    });
  });

  it('matches the RFC definition for every range of leaves, aligned or not', async () => {
    const leaves = sampleLeaves(21);
    const tree = await treeOf(leaves);
    for (let start = 0; start < leaves.length; start += 1) {
      for (let end = start + 1; end <= leaves.length; end += 1) {
        expect(await tree.subtreeHash(start, end)).toEqual(mth(leaves.slice(start, end)));
      }
    }
  });

  it('reads O(log n) stored nodes, in one round trip, for a root or a proof over a large tree', async () => {
    const store = new CountingAsyncStore();
    const big = await treeOf(sampleLeaves(5000), store);
    const bound = 2 * Math.ceil(Math.log2(5000)) + 2;
    const reads = async (ask: () => Promise<unknown>) => {
      store.reads = [];
      await ask();
      return store.reads;
    };
    for (const ask of [
      () => big.root(4999),
      () => big.inclusionProof(1234, 4999),
      () => big.inclusionProof(4998, 4999),
      () => big.consistencyProof(1235, 4999),
      () => big.consistencyProof(3333, 4097),
    ]) {
      const made = await reads(ask);
      expect(made).toHaveLength(1);
      expect(made[0]).toBeLessThanOrEqual(bound);
    }
  });

  it('generates inclusion proofs equal to PATH(m, D[n]) that verify, for every leaf of every size up to 40', async () => {
    const leaves = sampleLeaves(40);
    const tree = await treeOf(leaves);
    for (let size = 1; size <= leaves.length; size += 1) {
      const root = await tree.root(size);
      for (let index = 0; index < size; index += 1) {
        const generated = await tree.inclusionProof(index, size);
        expect(generated).toEqual(path(index, leaves.slice(0, size)));
        expect(() => verifyInclusion(leaves[index], index, size, generated, root)).not.toThrow();
      }
    }
  });

  it('generates consistency proofs equal to PROOF(m, D[n]) that verify, for every pair of sizes up to 30', async () => {
    const leaves = sampleLeaves(30);
    const tree = await treeOf(leaves);
    for (let size2 = 1; size2 <= leaves.length; size2 += 1) {
      for (let size1 = 1; size1 <= size2; size1 += 1) {
        const generated = await tree.consistencyProof(size1, size2);
        expect(generated).toEqual(proof(size1, leaves.slice(0, size2)));
        expect(() => verifyConsistency(size1, size2, mth(leaves.slice(0, size1)), mth(leaves.slice(0, size2)), generated)).not.toThrow();
      }
    }
  });

  it('refuses sizes and indexes outside the tree, and leaf hashes that are not 32 bytes, storing nothing', async () => {
    const tree = await treeOf(sampleLeaves(5));
    await expect(tree.root(6)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(5, 5)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(0, 6)).rejects.toThrow(RangeError);
    await expect(tree.consistencyProof(0, 5)).rejects.toThrow(RangeError);
    await expect(tree.subtreeHash(2, 2)).rejects.toThrow(RangeError);
    await expect(tree.append([Buffer.alloc(32), Buffer.alloc(31)])).rejects.toThrow(/leaf hash 1 of the batch is not 32 bytes/);
    expect(await tree.size()).toBe(5);
  });

  it('given a store missing a complete subtree, when a root needs it, then it says the store is inconsistent', async () => {
    const damaged: AsyncNodeStore = {
      leafCount: async () => 4,
      nodes: async (addresses) => addresses.map(({ level, index }) => (level === 1 && index === 0 ? undefined : Buffer.alloc(32, level + index))),
      put: async () => undefined,
    };
    await expect(new AsyncMerkleTree(damaged).root(3)).rejects.toThrow(/not the complete subtree at level 1, index 0/);
    // appending to 3 leaves reads (1, 0) and (0, 2), the right edge
    await expect(new AsyncMerkleTree({ ...damaged, leafCount: async () => 3 }).append([Buffer.alloc(32)])).rejects.toThrow(
      /not the complete subtree at level 1, index 0/,
    );
  });
});
