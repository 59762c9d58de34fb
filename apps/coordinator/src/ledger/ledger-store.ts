import { LogPosition } from '@samverkan/eventstore';
import { AsyncNodeStore, StoredNode } from '@samverkan/ledger';

/** A leaf of the ledger: which event it is and where that event sits. */
export interface LeafRecord {
  readonly index: number;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: LogPosition;
}

/** The last event of a stream the ledger sealed: its revision and its hash. */
export interface StreamHead {
  readonly revision: number;
  readonly hash: string;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
  readonly createdAt: string;
}

/**
 * One ingested batch. Reads see what was committed before it; its writes (the tree's nodes through `put`,
 * the leaves, the stream heads, the position) are kept until the batch ends and then committed in one
 * transaction, or not at all if the work throws. `leafCount` counts the leaves `put` so far, so a
 * MerkleTree over the batch appends where the last `put` left off.
 */
export interface LedgerBatch extends AsyncNodeStore {
  /** The leaves already sealed, of those of these events that have one. */
  sealedLeaves(eventIds: readonly string[]): Promise<Map<string, LeafRecord>>;
  /** The heads the ledger last checked, of those of these streams it has seen. */
  streamHeads(streams: readonly string[]): Promise<Map<string, StreamHead>>;
  /** Records which event each leaf is; each leaf's event becomes its stream's head (the last of a stream wins). */
  recordLeaves(leaves: ReadonlyArray<LeafRecord & { readonly hash: string }>): void;
  set(key: string, value: string): void;
}

/**
 * The ledger's persisted state: the hashes of every complete subtree of its Merkle tree (so proofs for any
 * past size need only O(log n) reads and the tree is never rebuilt), which event each leaf is, the head of
 * each stream's chain as the ledger last checked it, the signed checkpoints, and small values (the position
 * in the global log, the verifier key).
 *
 * Only the active ledger writes (`becomeWriter`); it keeps the leaf count it wrote. Every other process
 * reads the count from the database on every call, so it sees what the active one committed.
 *
 * Adapters: SqliteLedgerStore (`<dataDir>/ledger.db`) and PostgresLedgerStore (`DATABASE_URL`).
 */
export interface LedgerStore extends AsyncNodeStore {
  /** Runs `work` over a batch and commits everything it wrote in one transaction; nothing if it throws. */
  transaction<T>(work: (batch: LedgerBatch) => Promise<T>): Promise<T>;
  /** From now on this process writes: the leaf count is read once, then kept. */
  becomeWriter(): Promise<void>;
  /** Another process may write now: the leaf count is read on every call. */
  stopWriting(): void;

  leafOf(eventId: string): Promise<LeafRecord | undefined>;
  leavesOf(stream: string): Promise<LeafRecord[]>;
  /** The leaf at `index`: which event, and where it sat in the global log. */
  leafAt(index: number): Promise<LeafRecord | undefined>;

  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;

  saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  checkpoint(size: number): Promise<StoredCheckpoint | undefined>;
  /** The smallest checkpoint at least this large. */
  checkpointCovering(size: number): Promise<StoredCheckpoint | undefined>;
  /** Checkpoints smaller than `before`, largest first. */
  checkpoints(limit: number, before?: number): Promise<Array<Omit<StoredCheckpoint, 'note'>>>;

  close(): Promise<void>;
}

/** What a batch has written, for the adapter to commit. */
export class BatchWrites {
  readonly nodes: Array<{ level: number; index: number; hash: Buffer }> = [];
  readonly leaves: Array<LeafRecord & { readonly hash: string }> = [];
  readonly meta = new Map<string, string>();
  /** Leaves among `nodes`. */
  added = 0;

  /**
   * The part of a batch that only collects what it writes, over a tree of `first` leaves; the adapter adds
   * the reads (`nodes`, `sealedLeaves`, `streamHeads`).
   */
  collecting(first: number): Pick<LedgerBatch, 'leafCount' | 'put' | 'recordLeaves' | 'set'> {
    return {
      leafCount: async () => first + this.added,
      put: async (nodes: readonly StoredNode[]) => {
        for (const { level, index, hash } of nodes) {
          this.nodes.push({ level, index, hash });
          if (level === 0) this.added += 1;
        }
      },
      recordLeaves: (leaves) => {
        this.leaves.push(...leaves);
      },
      set: (key, value) => {
        this.meta.set(key, value);
      },
    };
  }

  /** Each stream's last leaf in the batch: its new head. */
  heads(): Map<string, StreamHead> {
    const heads = new Map<string, StreamHead>();
    for (const leaf of this.leaves) heads.set(leaf.stream, { revision: leaf.revision, hash: leaf.hash });
    return heads;
  }
}
