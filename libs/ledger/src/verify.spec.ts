import { EMPTY_ROOT, leafHash, toHex } from './hashes';
import { InMemoryNodeStore, MerkleTree } from './merkle-tree';
import { MerkleFrontier, ProofError, rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify';
import merkle from './testing/fixtures/rfc6962-merkle.json';
import inclusionProbes from './testing/fixtures/rfc6962-inclusion-probes.json';
import { CONSISTENCY_VECTORS } from './testing/consistency-vectors';
import { hex, sampleLeaves } from './testing/rfc6962-reference';

function reason(check: () => void): string {
  try {
    check();
  } catch (error) {
    if (error instanceof ProofError) return error.reason;
    throw error;
  }
  return 'ok';
}

function flipBit(hash: Buffer, bit: number): Buffer {
  const copy = Buffer.from(hash);
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

describe('verifying inclusion proofs', () => {
  describe.each(inclusionProbes.probes.map((p) => [p.file, p] as const))('the vector %s', (_file, probe) => {
    const check = () => verifyInclusion(hex(probe.leafHash), probe.leafIdx, probe.treeSize, probe.proof.map(hex), hex(probe.root));

    if (probe.wantErr) {
      it(`is rejected (${probe.desc})`, () => {
        expect(check).toThrow(ProofError);
      });
    } else {
      it('verifies', () => {
        expect(check).not.toThrow();
      });
    }
  });

  it('given the vector with leaf index 2^64-1, then the index is refused before any arithmetic', () => {
    const probe = inclusionProbes.probes.find((p) => p.file.endsWith('leafIdx-sub-@1.json'));
    expect(probe?.leafIdx).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(reason(() => verifyInclusion(hex(probe!.leafHash), probe!.leafIdx, probe!.treeSize, probe!.proof.map(hex), hex(probe!.root)))).toBe('bad-argument');
  });

  describe('given a valid proof for leaf 5 of the reference tree', () => {
    const leaves = merkle.leaf_hashes_hex.map(hex);
    const tree = new MerkleTree(new InMemoryNodeStore());
    tree.append(leaves);
    const root = tree.root(7);
    const proof = tree.inclusionProof(5, 7);
    const short = proof[0].subarray(1);
    const long = Buffer.concat([leaves[5], Buffer.alloc(1)]);

    it('computes the root it leads to', () => {
      expect(rootFromInclusionProof(leaves[5], 5, 7, proof)).toEqual(root);
    });

    it('rejects every single flipped bit anywhere in the proof, leaf or root', () => {
      for (let bit = 0; bit < 256; bit += 1) {
        proof.forEach((_hash, i) => {
          const tampered = proof.map((h, j) => (j === i ? flipBit(h, bit) : h));
          expect(reason(() => verifyInclusion(leaves[5], 5, 7, tampered, root))).toBe('root-mismatch');
        });
        expect(reason(() => verifyInclusion(flipBit(leaves[5], bit), 5, 7, proof, root))).toBe('root-mismatch');
        expect(reason(() => verifyInclusion(leaves[5], 5, 7, proof, flipBit(root, bit)))).toBe('root-mismatch');
      }
    });

    it.each([
      ['another index', () => verifyInclusion(leaves[5], 4, 7, proof, root), 'root-mismatch'],
      ['another size', () => verifyInclusion(leaves[5], 5, 6, proof, root), 'wrong-proof-length'],
      ['an index equal to the size', () => verifyInclusion(leaves[5], 7, 7, proof, root), 'index-out-of-range'],
      ['size 0', () => verifyInclusion(leaves[5], 0, 0, [], root), 'index-out-of-range'],
      ['a negative index', () => verifyInclusion(leaves[5], -1, 7, proof, root), 'bad-argument'],
      ['a hash appended', () => verifyInclusion(leaves[5], 5, 7, [...proof, root], root), 'wrong-proof-length'],
      ['a hash dropped', () => verifyInclusion(leaves[5], 5, 7, proof.slice(1), root), 'wrong-proof-length'],
      ['a 31-byte proof hash', () => verifyInclusion(leaves[5], 5, 7, [short, ...proof.slice(1)], root), 'bad-hash-length'],
      ['a 33-byte leaf hash', () => verifyInclusion(long, 5, 7, proof, root), 'bad-hash-length'],
      ['an empty root', () => verifyInclusion(leaves[5], 5, 7, proof, Buffer.alloc(0)), 'bad-hash-length'],
    ])('rejects %s', (_what, check, expected) => {
      expect(reason(check)).toBe(expected);
    });

    it('says what it expected and what it found', () => {
      expect(() => verifyInclusion(leaves[5], 5, 7, proof.slice(1), root)).toThrow(/leaf 5 in a tree of size 7 has 3 hashes; this one has 2/);
      expect(() => verifyInclusion(leaves[4], 5, 7, proof, root)).toThrow(new RegExp(`leads to root [0-9a-f]{64}, not to the expected ${toHex(root)}`));
    });
  });
});

describe('verifying consistency proofs', () => {
  // The public vectors, as this project answers them: every proof from size 0 refused (consistency-vectors.ts).
  describe.each(CONSISTENCY_VECTORS.map((p) => [p.file, p] as const))('the vector %s', (_file, probe) => {
    const check = () => verifyConsistency(probe.size1, probe.size2, hex(probe.root1), hex(probe.root2), probe.proof.map(hex));
    if (probe.wantErr) {
      it(`is rejected (${probe.desc})`, () => {
        expect(check).toThrow(ProofError);
      });
    } else {
      it('verifies', () => {
        expect(check).not.toThrow();
      });
    }
  });

  describe('at the edges the vectors pin', () => {
    const a = Buffer.alloc(32, 0xaa);
    const b = Buffer.alloc(32, 0xbb);

    it.each([
      ['equal sizes, equal roots, no proof', () => verifyConsistency(5, 5, a, Buffer.from(a), []), 'ok'],
      ['equal sizes, different roots: a fork', () => verifyConsistency(5, 5, a, b, []), 'root-mismatch'],
      ['equal sizes with a proof', () => verifyConsistency(5, 5, a, a, [a]), 'proof-not-empty'],
      // From size 0 a proof proves nothing, to any size: refused alike (RFC 9162 §2.1.4 defines 0 < size1 < size2).
      ['both trees empty', () => verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []), 'from-empty-tree'],
      ['from the empty tree to a larger one', () => verifyConsistency(0, 3, EMPTY_ROOT, a, []), 'from-empty-tree'],
      ['a shrinking log', () => verifyConsistency(4, 3, a, b, []), 'size-order'],
      ['different sizes with no proof', () => verifyConsistency(3, 4, a, b, []), 'empty-proof'],
      ['a 31-byte root1', () => verifyConsistency(3, 4, a.subarray(1), b, [a, b]), 'bad-hash-length'],
      ['a non-integer size', () => verifyConsistency(1.5, 4, a, b, [a]), 'bad-argument'],
    ])('%s', (_what, check, expected) => {
      expect(reason(check)).toBe(expected);
    });
  });

  describe('given a valid proof from size 6 to size 13', () => {
    const leaves = sampleLeaves(13);
    const tree = new MerkleTree(new InMemoryNodeStore());
    tree.append(leaves);
    const [root6, root13] = [tree.root(6), tree.root(13)];
    const proof = tree.consistencyProof(6, 13);

    it('rejects every single flipped bit in the proof or either root', () => {
      for (let bit = 0; bit < 256; bit += 1) {
        proof.forEach((_hash, i) => {
          const tampered = proof.map((h, j) => (j === i ? flipBit(h, bit) : h));
          expect(reason(() => verifyConsistency(6, 13, root6, root13, tampered))).toMatch(/^root[12]-mismatch$/);
        });
        expect(reason(() => verifyConsistency(6, 13, flipBit(root6, bit), root13, proof))).toBe('root1-mismatch');
        expect(reason(() => verifyConsistency(6, 13, root6, flipBit(root13, bit), proof))).toBe('root2-mismatch');
      }
    });

    it('rejects it for another old size, and a proof one hash too long or too short', () => {
      expect(reason(() => verifyConsistency(5, 13, root6, root13, proof))).not.toBe('ok');
      expect(reason(() => verifyConsistency(7, 13, root6, root13, proof))).not.toBe('ok');
      expect(reason(() => verifyConsistency(6, 13, root6, root13, [...proof, root6]))).toBe('wrong-proof-length');
      expect(reason(() => verifyConsistency(6, 13, root6, root13, proof.slice(0, -1)))).toBe('wrong-proof-length');
    });

    it('rejects a history rewritten after size 6, whatever its proof', () => {
      const rewritten = new MerkleTree(new InMemoryNodeStore());
      rewritten.append([...leaves.slice(0, 5), leafHash(Buffer.from('rewritten')), ...leaves.slice(6)]);
      const forgedProof = rewritten.consistencyProof(6, 13);
      expect(reason(() => verifyConsistency(6, 13, root6, rewritten.root(13), forgedProof))).toBe('root1-mismatch');
    });
  });
});

describe('the Merkle frontier', () => {
  it('gives the same root as the tree for every size up to 300, holding one hash per set bit of the size', () => {
    const leaves = sampleLeaves(300);
    const tree = new MerkleTree(new InMemoryNodeStore());
    tree.append(leaves);
    const frontier = new MerkleFrontier();
    expect(frontier.root()).toEqual(EMPTY_ROOT);
    leaves.forEach((leaf, i) => {
      frontier.append(leaf);
      expect(frontier.size).toBe(i + 1);
      expect(frontier.root()).toEqual(tree.root(i + 1));
      const peaks = (frontier as unknown as { peaks: Buffer[] }).peaks.length;
      expect(peaks).toBe((i + 1).toString(2).replace(/0/g, '').length);
    });
  });

  it('reproduces every root of the reference tree', () => {
    const frontier = new MerkleFrontier();
    merkle.leaf_hashes_hex.forEach((leaf, i) => {
      frontier.append(hex(leaf));
      const roots: Record<string, string> = merkle.root_by_tree_size_hex;
      expect(toHex(frontier.root())).toBe(roots[String(i + 1)]);
    });
  });

  it('refuses a leaf hash that is not 32 bytes', () => {
    expect(() => new MerkleFrontier().append(Buffer.alloc(20))).toThrow(RangeError);
  });
});
