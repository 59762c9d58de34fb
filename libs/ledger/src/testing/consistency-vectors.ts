import probes from './fixtures/rfc6962-consistency-probes.json';
import additional from './fixtures/rfc6962-consistency-additional.json';

export interface ConsistencyVector {
  readonly file: string;
  readonly desc: string;
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly proof: readonly string[];
  /** Whether this project's verifiers refuse the proof: as the vector wants, but for one rule below. */
  readonly wantErr: boolean;
}

/**
 * The public RFC 6962 consistency vectors (transparency-dev/merkle testdata), as every verifier of this project
 * (the library, `samverkan-audit proof-check`, the browser's) must answer them. One departure, on purpose: the
 * vectors accept a "proof" between two empty trees, and refuse one from the empty tree to any other. RFC 9162
 * §2.1.4 defines a consistency proof only for 0 < size1 < size2, and a proof from size 0 proves nothing either
 * way, so every proof from size 0 is refused alike (`from-empty-tree`); checkpoints of size 0 are compared
 * by their root, which must be the empty tree's, without a proof.
 */
export const CONSISTENCY_VECTORS: readonly ConsistencyVector[] = [...probes.probes, ...additional.probes].map((p) => ({
  file: p.file,
  desc: p.desc,
  size1: p.size1,
  size2: p.size2,
  root1: p.root1,
  root2: p.root2,
  proof: p.proof,
  wantErr: p.size1 === 0 ? true : p.wantErr,
}));
