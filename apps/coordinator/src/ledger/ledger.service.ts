import { createPublicKey, KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock, CLOCK, ConflictError, NotFoundError, ValidationError } from '@samverkan/common';
import { EVENT_STORE, EventStore, LogFollower, RecordedEvent } from '@samverkan/eventstore';
import { AsyncMerkleTree, ed25519NoteSigner, eventLeafHash, NoteSigner, signCheckpoint, toHex, verifierKey, verifyConsistency } from '@samverkan/ledger';
import { envelopeHash, GENESIS_HASH } from '@samverkan/sealing';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FileLeadership, Leadership } from '../roles/leadership';
import { LEADERSHIP } from '../roles/leadership.provider';
import { SingleActive } from '../roles/single-active';
import { LeafRecord, LedgerStore, StoredCheckpoint, StreamHead } from './ledger-store';
import { loadLedgerKey } from './ledger-key';
import { LEDGER_STORE, openLedgerStore } from './open-ledger-store';
import { SignedHeadFile } from './signed-head';

const BATCH = 1000;

/**
 * Why the ledger stopped: a stored event that does not hash, link or sit where it must, or a tree that no
 * longer has the root the ledger signed.
 */
export type LedgerHalt =
  | { readonly reason: string; readonly eventId: string; readonly stream: string; readonly revision: number; readonly expected: string; readonly found: string }
  | { readonly reason: string; readonly checkpointSize: number; readonly expected: string; readonly found: string };

/**
 * The ledger: follows the store's global log, checks every event's hash and its link to the previous event
 * of its stream, appends it as the next leaf of an RFC 6962 Merkle tree (the leaf index is its place in the
 * global order, assigned once), and signs a C2SP checkpoint of the tree at least once a second while events
 * arrive. The tree lives in its LedgerStore (its own SQLite file, or PostgreSQL when `DATABASE_URL` is set)
 * and grows incrementally; it is never rebuilt.
 *
 * An event that does not verify halts the ledger: it will not sign a tree that includes a tampered event.
 */
@Injectable()
export class LedgerService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');
  private readonly tree: AsyncMerkleTree;
  private readonly signer: NoteSigner;
  private readonly publicKey: KeyObject;
  /** Follows the log while this process seals. */
  private follower?: LogFollower;
  private timer?: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();
  private readonly signedHead: SignedHeadFile;
  private role?: SingleActive;
  /** Ingesting a batch and signing a checkpoint take turns: a checkpoint is of a committed tree. */
  private turn: Promise<unknown> = Promise.resolve();
  halted: LedgerHalt | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_STORE) readonly store: LedgerStore,
    @Inject(LEADERSHIP) private readonly leadership: Leadership = new FileLeadership(config.dataDir),
  ) {
    this.tree = new AsyncMerkleTree(store);
    const key = loadLedgerKey(config);
    this.signer = ed25519NoteSigner(config.ledgerOrigin, key);
    this.publicKey = createPublicKey(key);
    this.signedHead = new SignedHeadFile(config.ledgerSignedHeadFile ?? join(config.dataDir, 'ledger-signed-head.json'));
  }

  /** A ledger outside Nest (benchmarks, tests): opens the store the configuration names and checks the key. */
  static async open(events: EventStore, config: AppConfig, clock: Clock, leadership?: Leadership): Promise<LedgerService> {
    const store = await openLedgerStore(config);
    const ledger = new LedgerService(events, config, clock, store, leadership);
    try {
      await ledger.onModuleInit();
    } catch (error) {
      await store.close();
      throw error;
    }
    return ledger;
  }

  /** Refuses a key other than the one that signed the ledger's checkpoints, unless the rotation is on purpose. */
  async onModuleInit(): Promise<void> {
    const known = this.signedHead.read()?.verifierKey ?? (await this.store.get('verifier-key'));
    const current = this.verifierKey;
    if (known && known !== current) {
      if (!this.config.ledgerKeyRotation) {
        throw new ConflictError(
          `the ledger key is not the one that signed its checkpoints (${known}); to rotate to ${current} on purpose, start once with SAMVERKAN_LEDGER_KEY_ROTATION=true`,
          { rule: 'ledger-key-changed' },
        );
      }
      this.logger.warn(`the ledger key is rotated: checkpoints were signed by ${known}, new ones by ${current}`);
    }
  }

  /** The ledger's public key in C2SP verifier-key form. */
  get verifierKey(): string {
    return verifierKey(this.config.ledgerOrigin, this.publicKey);
  }

  size(): Promise<number> {
    return this.tree.size();
  }

  /**
   * With the `ledger` role, seals while this process holds the ledger's lease (one active ledger; others
   * wait as standby). Without it, the ledger's file is only read, for proofs and checkpoints.
   */
  onApplicationBootstrap(): void {
    if (!this.config.roles.has('ledger')) return;
    this.role = new SingleActive(this.leadership, 'ledger', { start: () => this.startSealing(), stop: () => this.stopSealing() }, this.logger);
    this.role.start();
  }

  /**
   * Stops sealing before the event store closes (in its onApplicationShutdown): a ledger still following a
   * closed store would fail and retry until it was stopped. Its reads of the log end by themselves (on
   * PostgreSQL a read waits for open appends only for a bounded time; see PostgresEventStore).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.role?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.role?.stop();
    await this.store.close();
  }

  /** `active` while this process seals, `standby` while another does, `off` without the ledger role. */
  get state(): 'active' | 'standby' | 'off' {
    return this.role?.activity ?? 'off';
  }

  private async startSealing(): Promise<void> {
    await this.store.becomeWriter();
    await this.store.set('verifier-key', this.verifierKey);
    this.follower = new LogFollower(this.events, {
      name: 'ledger',
      // A batch still being sealed is done with before the position it saves is read again.
      loadPosition: async () => {
        await this.turn;
        return this.store.get('position');
      },
      beforeResume: () => this.ensureContinuity(),
      // Events already stored come in a burst; they are sealed a batch at a time, in one transaction.
      handleBatch: (batch) => this.inTurn(() => this.seal(batch)),
      maxBatch: BATCH,
      // the position is saved with the leaves, in the same transaction
      isFatal: () => this.halted !== undefined,
      onError: (error) =>
        this.logger.error(
          this.halted
            ? `the ledger halted: ${this.halted.reason}`
            : `sealing failed; reading the log again from the last sealed event: ${(error as Error).message}`,
        ),
      // a store that keeps failing is asked again less and less often, not in a tight loop
      retryMs: 1000,
      maxRetryMs: 10_000,
    });
    this.follower.start();
    if (this.config.checkpointIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.inTurn(() => this.checkpointIfGrown()).catch((error: unknown) => {
          this.logger.error(`signing a checkpoint failed, trying again: ${(error as Error).message}`);
        });
      }, this.config.checkpointIntervalMs);
      this.timer.unref();
    }
  }

  private async stopSealing(): Promise<void> {
    clearInterval(this.timer);
    const follower = this.follower;
    this.follower = undefined;
    await follower?.stop();
    await this.turn;
    this.store.stopWriting();
  }

  /** The follower of the log, while this process seals: for its lag. */
  get logFollower(): LogFollower | undefined {
    return this.follower;
  }

  /** Signs a checkpoint of the tree as it is now, if it grew since the last; returns the latest checkpoint. */
  async checkpointNow(): Promise<StoredCheckpoint | undefined> {
    // only the active ledger signs; elsewhere the latest it signed is the answer
    if (!this.follower) return this.store.latestCheckpoint();
    if (this.halted)
      throw new ConflictError(`the ledger halted and signs nothing more: ${this.halted.reason}`, { rule: 'ledger-halted', details: { ...this.halted } });
    return (await this.inTurn(() => this.checkpointIfGrown())) ?? this.store.latestCheckpoint();
  }

  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.store.latestCheckpoint();
  }

  /** Resolves once the event is a leaf of the tree; rejects after `timeoutMs`. */
  async leafOf(eventId: string, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leaf = await this.store.leafOf(eventId);
      if (leaf) return leaf;
      if (this.halted) throw new ConflictError(`the ledger halted: ${this.halted.reason}`, { rule: 'ledger-halted', details: { ...this.halted } });
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

  async root(size: number): Promise<Buffer> {
    await this.ensureSize(size, 'size');
    return this.tree.root(size);
  }

  private async ensureSize(size: number, name: string): Promise<void> {
    const current = await this.tree.size();
    if (!Number.isSafeInteger(size) || size < 1 || size > current) {
      throw new ValidationError(`${name} must be between 1 and the ledger's size ${current}; got ${size}`, { rule: 'invalid-tree-size' });
    }
  }

  /**
   * Before reading on from its saved position, the ledger checks that the store still holds its last leaf's
   * event at that place. A store restored from a backup, or rebuilt, would hand out new events at positions
   * the ledger has passed, which it would otherwise never read.
   */
  private async ensureContinuity(): Promise<void> {
    const size = await this.tree.size();
    if (size === 0) return;
    const last = (await this.store.leafAt(size - 1))!;
    const before = size > 1 ? (await this.store.leafAt(size - 2))!.position : undefined;
    let found: RecordedEvent | undefined;
    for await (const event of this.events.readAll({ after: before, maxCount: 1 })) found = event;
    if (found?.envelope.id !== last.eventId || found.position !== last.position) {
      this.halt({
        reason: `the store no longer holds the ledger's last leaf ${size - 1} (event ${last.eventId} at position ${last.position}): it was restored, rebuilt or cut short`,
        eventId: last.eventId,
        stream: last.stream,
        revision: last.revision,
        expected: `${last.eventId} at ${last.position}`,
        found: found ? `${found.envelope.id} at ${found.position}` : 'nothing',
      });
    }
  }

  /** Runs `work` once the ingests and signings queued before it are done. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Seals a batch and wakes those waiting for a leaf, whether it was sealed or not. */
  private async seal(batch: readonly RecordedEvent[]): Promise<void> {
    try {
      const sizeBefore = await this.tree.size();
      await this.ingest(batch);
      const size = await this.tree.size();
      if (Math.floor(size / 100_000) > Math.floor(sizeBefore / 100_000)) this.logger.log(`sealed ${size} events`);
    } finally {
      for (const wake of [...this.waiters]) wake();
      this.waiters.clear();
    }
  }

  /** Checks each event and appends the batch as leaves, with its position, in one transaction. */
  private async ingest(batch: readonly RecordedEvent[]): Promise<void> {
    await this.store.transaction(async (tx) => {
      const sealed = await tx.sealedLeaves(batch.map(({ envelope }) => envelope.id));
      const heads: Map<string, StreamHead> = await tx.streamHeads([...new Set(batch.map(({ envelope }) => envelope.stream))]);
      let index = await tx.leafCount();
      const records: Array<LeafRecord & { hash: string }> = [];
      const leaves: Buffer[] = [];
      for (const { envelope, position } of batch) {
        const sealedBefore = sealed.get(envelope.id);
        if (sealedBefore) {
          this.halt({
            reason: `event ${envelope.id} appears again in the log, at ${position}; it is leaf ${sealedBefore.index} at ${sealedBefore.position}`,
            eventId: envelope.id,
            stream: envelope.stream,
            revision: envelope.revision,
            expected: 'a new event id',
            found: envelope.id,
          });
        }
        const head = heads.get(envelope.stream);
        const expectedPrev = head ? head.hash : GENESIS_HASH;
        const expectedRevision = head ? head.revision + 1 : 0;
        const at = { eventId: envelope.id, stream: envelope.stream, revision: envelope.revision };
        const recomputed = envelopeHash(envelope);
        if (recomputed !== envelope.hash)
          this.halt({ reason: `event ${envelope.id} does not hash to its stored hash`, ...at, expected: recomputed, found: envelope.hash });
        if (envelope.revision !== expectedRevision) {
          this.halt({
            reason: `event ${envelope.id} is not the next revision of ${envelope.stream}`,
            ...at,
            expected: String(expectedRevision),
            found: String(envelope.revision),
          });
        }
        if (envelope.prev !== expectedPrev)
          this.halt({ reason: `event ${envelope.id} does not link to its predecessor`, ...at, expected: expectedPrev, found: envelope.prev });
        const leaf = { index: index++, eventId: envelope.id, stream: envelope.stream, revision: envelope.revision, position };
        records.push({ ...leaf, hash: envelope.hash });
        sealed.set(envelope.id, leaf); // the same event twice in one batch is caught as across batches
        heads.set(envelope.stream, { revision: envelope.revision, hash: envelope.hash });
        leaves.push(eventLeafHash(envelope.hash));
      }
      tx.recordLeaves(records);
      await new AsyncMerkleTree(tx).append(leaves);
      tx.set('position', batch[batch.length - 1].position);
    });
  }

  private halt(halt: LedgerHalt): never {
    this.halted = halt;
    throw new ConflictError(halt.reason, { rule: 'ledger-halted', details: { ...halt } });
  }

  /**
   * Signs a checkpoint if the tree grew. Before it signs, the tree must still have, at the last signed size,
   * the root it signed then, and a consistency proof from there to now must verify: the ledger never signs a
   * tree that is not an extension of what it signed before.
   */
  private async checkpointIfGrown(): Promise<StoredCheckpoint | undefined> {
    if (this.halted) return undefined;
    const size = await this.tree.size();
    const last = await this.lastSigned();
    if (size === 0 || (last && last.size >= size)) return undefined; // nothing new, or a lost tree still rebuilding
    const root = await this.tree.root(size);
    if (last) {
      const then = await this.tree.root(last.size);
      if (!then.equals(last.root)) {
        this.halted = {
          reason: `the log no longer has, at size ${last.size}, the root the ledger signed`,
          checkpointSize: last.size,
          expected: toHex(last.root),
          found: toHex(then),
        };
        this.logger.error(`the ledger halted: ${this.halted.reason}`);
        return undefined;
      }
      verifyConsistency(last.size, size, last.root, root, await this.tree.consistencyProof(last.size, size));
    }
    const note = signCheckpoint({ origin: this.config.ledgerOrigin, size, root, extensions: [] }, this.signer);
    const checkpoint = { size, root, note, createdAt: this.clock.now().toISOString() };
    await this.store.saveCheckpoint(checkpoint);
    this.signedHead.write({ origin: this.config.ledgerOrigin, size, root: toHex(root), verifierKey: this.verifierKey, note });
    return checkpoint;
  }

  /** The last checkpoint signed: the larger of the tree file's and the signed-head file's. */
  private async lastSigned(): Promise<{ size: number; root: Buffer } | undefined> {
    const inTree = await this.store.latestCheckpoint();
    const head = this.signedHead.read();
    if (head && (!inTree || head.size > inTree.size)) return { size: head.size, root: Buffer.from(head.root, 'hex') };
    return inTree;
  }
}
