import { ConflictError, NotFoundError, ValidationError } from '@samverkan/common';
import { AsyncMerkleTree, AUDIT_BUNDLE_FORMAT, AuditBundle, toHex } from '@samverkan/ledger';
import { caseStream, SealedEnvelope } from '@samverkan/sealing';
import { haltedError, LedgerState } from './ledger-halt';
import { LeafRecord, LedgerStore, StoredCheckpoint } from './ledger-store';

/** An event of a case as a reader may have it: whole, or with fields withheld from this reader. */
export interface BundledEvent {
  readonly envelope: SealedEnvelope;
  /** Undefined: the reader may see nothing of it; else the fields withheld. */
  readonly disclosed?: { readonly withheldFields: readonly string[] };
}

/**
 * The ledger as everyone but its writer sees it: its size, its checkpoints, which leaf an event is, proofs,
 * and audit bundles. It changes nothing; every process reads the ledger's store through it, whether it seals
 * or not.
 */
export class LedgerReader {
  private readonly tree: AsyncMerkleTree;
  private readonly waiters = new Set<() => void>();
  private readonly batchListeners: Array<() => void> = [];

  constructor(
    private readonly store: LedgerStore,
    private readonly state: LedgerState,
    /** The ledger's public key in C2SP verifier-key form. */
    readonly verifierKey: string,
    /** Signs a checkpoint of the tree now, for a bundle that no checkpoint covers yet. */
    private readonly signNow: () => Promise<StoredCheckpoint | undefined>,
  ) {
    this.tree = new AsyncMerkleTree(store);
  }

  /** Told by the writer after every batch (or by the thread that seals): wakes those waiting for a leaf. */
  batchDone(): void {
    for (const wake of [...this.waiters]) wake();
    this.waiters.clear();
    for (const listener of this.batchListeners) listener();
  }

  /** Calls `listener` after every batch the writer seals (for the thread that seals to tell the API's thread). */
  afterEachBatch(listener: () => void): void {
    this.batchListeners.push(listener);
  }

  size(): Promise<number> {
    return this.tree.size();
  }

  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.store.latestCheckpoint();
  }

  checkpoint(size: number): Promise<StoredCheckpoint | undefined> {
    return this.store.checkpoint(size);
  }

  /** Checkpoints smaller than `before` (all when absent), newest first, at most `limit`. */
  checkpoints(limit: number, before?: number): Promise<Array<Omit<StoredCheckpoint, 'note'>>> {
    return this.store.checkpoints(limit, before);
  }

  /** Resolves once the event is a leaf of the tree; rejects after `timeoutMs`. */
  async leafOf(eventId: string, timeoutMs = 5000): Promise<LeafRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leaf = await this.store.leafOf(eventId);
      if (leaf) return leaf;
      if (this.state.halted) throw haltedError(this.state.halted, 'the ledger halted: ');
      const left = deadline - Date.now();
      if (left <= 0) throw new NotFoundError(`event ${eventId} is not in the ledger`, { rule: 'event-not-in-ledger', details: { eventId } });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 250));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  async inclusionProof(index: number, treeSize: number): Promise<Buffer[]> {
    return (await this.inclusionProofs([index], treeSize))[0];
  }

  /** Proofs of several leaves in one tree (an audit bundle's): the size is checked once, the proofs read at once. */
  async inclusionProofs(indexes: readonly number[], treeSize: number): Promise<Buffer[][]> {
    await this.ensureSize(treeSize, 'treeSize');
    const outside = indexes.find((index) => index >= treeSize);
    if (outside !== undefined) throw new ValidationError(`leaf ${outside} is not in a tree of ${treeSize} leaves`, { rule: 'leaf-outside-tree' });
    return Promise.all(indexes.map((index) => this.tree.inclusionProof(index, treeSize)));
  }

  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    await this.ensureSize(to, 'to');
    if (!(from > 0 && from <= to)) throw new ValidationError(`a consistency proof needs 0 < from ≤ to; got from=${from}, to=${to}`, { rule: 'invalid-sizes' });
    return this.tree.consistencyProof(from, to);
  }

  /**
   * The root of the tree of `size` leaves: as a checkpoint of that size signed it (the size a proof is asked
   * for, as a rule; a ledger whose stored nodes no longer give that root then hands out proofs that fail against
   * it), else computed from the stored nodes.
   */
  async root(size: number): Promise<Buffer> {
    await this.ensureSize(size, 'size');
    return (await this.store.checkpoint(size))?.root ?? this.tree.root(size);
  }

  /**
   * A case's audit bundle for one reader: every event of the case with its inclusion proof against one
   * signed checkpoint that covers them all, and that checkpoint. An event the reader may see whole is given
   * as stored, else withheld (its hash alone). A bundle is evidence of what the store holds, so an event
   * edited in the store is handed out as it is, for the auditor's verifier to expose; one the ledger never
   * sealed as part of this case has no proof at all, and is named in the refusal.
   */
  async auditBundle(caseId: string, events: readonly BundledEvent[], madeFor: string): Promise<AuditBundle> {
    const stream = caseStream(caseId);
    const lastLeaf = await this.leafOf(events[events.length - 1].envelope.id);
    const checkpoint = (await this.store.checkpointCovering(lastLeaf.index + 1)) ?? (await this.signNow())!;
    const leaves = new Map((await this.store.leavesOf(stream)).map((leaf) => [leaf.eventId, leaf.index]));
    const sealed = events.map(({ envelope: event, disclosed }) => {
      const leafIndex = leaves.get(event.id);
      if (leafIndex === undefined) {
        throw new ConflictError(
          `event ${event.id} (${event.stream} revision ${event.revision}) as stored was never sealed by the ledger as part of this case`,
          {
            rule: 'store-differs-from-ledger',
            details: { eventId: event.id, stream: event.stream, revision: event.revision },
          },
        );
      }
      const whole = disclosed !== undefined && disclosed.withheldFields.length === 0;
      return whole ? { leafIndex, event } : { leafIndex, withheld: { stream: event.stream, revision: event.revision, hash: event.hash, prev: event.prev } };
    });
    const proofs = await this.inclusionProofs(
      sealed.map((s) => s.leafIndex),
      checkpoint.size,
    );
    return {
      format: AUDIT_BUNDLE_FORMAT,
      madeFor,
      caseId,
      stream,
      checkpoint: checkpoint.note,
      verifierKey: this.verifierKey,
      events: sealed.map((s, i) => ({ ...s, inclusionProof: proofs[i].map(toHex) })),
    };
  }

  private async ensureSize(size: number, name: string): Promise<void> {
    const current = await this.tree.size();
    if (!Number.isSafeInteger(size) || size < 1 || size > current) {
      throw new ValidationError(`${name} must be between 1 and the ledger's size ${current}; got ${size}`, { rule: 'invalid-tree-size' });
    }
  }
}
