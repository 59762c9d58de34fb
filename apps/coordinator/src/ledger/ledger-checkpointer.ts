import { Logger } from '@nestjs/common';
import { Clock } from '@samverkan/common';
import { AsyncMerkleTree, NoteSigner, signCheckpoint, toHex, verifyConsistency } from '@samverkan/ledger';
import { LedgerState } from './ledger-halt';
import { LedgerStore, StoredCheckpoint } from './ledger-store';
import { SignedHeadFile } from './signed-head';

/**
 * Signs C2SP checkpoints of the tree the writer grows: at least once an interval while it grows, and when
 * asked. Before it signs, the tree must still have, at the last signed size, the root it signed then, and a
 * consistency proof from there to now must verify: the ledger never signs a tree that is not an extension of
 * what it signed before. Each checkpoint is also written to the signed-head file, outside the tree's store.
 */
export class LedgerCheckpointer {
  private readonly tree: AsyncMerkleTree;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: LedgerStore,
    private readonly state: LedgerState,
    private readonly signing: { readonly origin: string; readonly signer: NoteSigner; readonly verifierKey: string; readonly signedHead: SignedHeadFile },
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.tree = new AsyncMerkleTree(store);
  }

  /** Signs, in its turn, every `intervalMs` (not at all for 0 or less). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.signInTurn().catch((error: unknown) => this.logger.error(`signing a checkpoint failed, trying again: ${(error as Error).message}`));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Signs a checkpoint of the tree as it is now, if it grew since the last; returns the latest checkpoint. */
  async signNow(): Promise<StoredCheckpoint | undefined> {
    this.state.ensureNotHalted('the ledger halted and signs nothing more: ');
    return (await this.signInTurn()) ?? this.store.latestCheckpoint();
  }

  private signInTurn(): Promise<StoredCheckpoint | undefined> {
    return this.state.inTurn(() => this.signIfGrown());
  }

  private async signIfGrown(): Promise<StoredCheckpoint | undefined> {
    if (this.state.halted) return undefined;
    const size = await this.tree.size();
    const last = await this.lastSigned();
    if (size === 0 || (last && last.size >= size)) return undefined; // nothing new, or a lost tree still rebuilding
    const root = await this.tree.root(size);
    if (last) {
      const then = await this.tree.root(last.size);
      if (!then.equals(last.root)) {
        this.state.learnHalt({
          reason: `the log no longer has, at size ${last.size}, the root the ledger signed`,
          checkpointSize: last.size,
          expected: toHex(last.root),
          found: toHex(then),
        });
        this.logger.error(`the ledger halted: ${this.state.halted!.reason}`);
        return undefined;
      }
      verifyConsistency(last.size, size, last.root, root, await this.tree.consistencyProof(last.size, size));
    }
    const { origin, signer, verifierKey, signedHead } = this.signing;
    const note = signCheckpoint({ origin, size, root, extensions: [] }, signer);
    const checkpoint = { size, root, note, createdAt: this.clock.now().toISOString() };
    await this.store.saveCheckpoint(checkpoint);
    signedHead.write({ origin, size, root: toHex(root), verifierKey, note });
    return checkpoint;
  }

  /** The last checkpoint signed: the larger of the tree store's and the signed-head file's. */
  private async lastSigned(): Promise<{ size: number; root: Buffer } | undefined> {
    const inTree = await this.store.latestCheckpoint();
    const head = this.signing.signedHead.read();
    if (head && (!inTree || head.size > inTree.size)) return { size: head.size, root: Buffer.from(head.root, 'hex') };
    return inTree;
  }
}
