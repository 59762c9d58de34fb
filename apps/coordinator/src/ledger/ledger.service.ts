import { createPublicKey, KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CLOCK, ConflictError, NotFoundError, ValidationError } from '@samverkan/common';
import { EVENT_STORE, EventStore, LogSubscription, RecordedEvent } from '@samverkan/eventstore';
import {
  ed25519NoteSigner,
  eventLeafHash,
  MerkleTree,
  NoteSigner,
  signCheckpoint,
  toHex,
  verifierKey,
  verifyConsistency,
} from '@samverkan/ledger';
import { envelopeHash, GENESIS_HASH } from '@samverkan/sealing';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FileLeadership, Leadership } from '../roles/leadership';
import { LEADERSHIP } from '../roles/leadership.provider';
import { SingleActive } from '../roles/single-active';
import { LedgerStore, StoredCheckpoint } from './ledger-store';
import { loadLedgerKey } from './ledger-key';
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
 * arrive. The tree lives in its own SQLite file and grows incrementally; it is never rebuilt.
 *
 * An event that does not verify halts the ledger: it will not sign a tree that includes a tampered event.
 */
@Injectable()
export class LedgerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');
  readonly store: LedgerStore;
  private readonly tree: MerkleTree;
  private readonly signer: NoteSigner;
  private readonly publicKey: KeyObject;
  private subscription?: LogSubscription;
  private following?: Promise<void>;
  private running = false;
  private buffer: RecordedEvent[] = [];
  private flushScheduled = false;
  private timer?: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();
  private readonly signedHead: SignedHeadFile;
  private failures = 0;
  private role?: SingleActive;
  halted: LedgerHalt | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEADERSHIP) private readonly leadership: Leadership = new FileLeadership(config.dataDir),
  ) {
    this.store = new LedgerStore(join(config.dataDir, 'ledger.db'));
    this.tree = new MerkleTree(this.store);
    const key = loadLedgerKey(config);
    this.signer = ed25519NoteSigner(config.ledgerOrigin, key);
    this.publicKey = createPublicKey(key);
    this.signedHead = new SignedHeadFile(config.ledgerSignedHeadFile ?? join(config.dataDir, 'ledger-signed-head.json'));
    const known = this.signedHead.read()?.verifierKey ?? this.store.get('verifier-key');
    const current = this.verifierKey;
    if (known && known !== current) {
      if (!config.ledgerKeyRotation) {
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

  get size(): number {
    return this.tree.size;
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

  async onApplicationShutdown(): Promise<void> {
    await this.role?.stop();
    this.store.close();
  }

  /** `active` while this process seals, `standby` while another does, `off` without the ledger role. */
  get state(): 'active' | 'standby' | 'off' {
    return this.role ? (this.role.state === 'active' ? 'active' : 'standby') : 'off';
  }

  private startSealing(): void {
    this.store.becomeWriter();
    this.store.set('verifier-key', this.verifierKey);
    this.running = true;
    this.following = this.follow();
    if (this.config.checkpointIntervalMs > 0) {
      this.timer = setInterval(() => {
        try {
          this.checkpointIfGrown();
        } catch (error) {
          this.logger.error(`signing a checkpoint failed, trying again: ${(error as Error).message}`);
        }
      }, this.config.checkpointIntervalMs);
      this.timer.unref();
    }
  }

  private async stopSealing(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.subscription?.close();
    await this.following;
    this.flush();
    this.store.stopWriting();
  }

  /** Signs a checkpoint of the tree as it is now, if it grew since the last; returns the latest checkpoint. */
  checkpointNow(): StoredCheckpoint | undefined {
    // only the active ledger signs; elsewhere the latest it signed is the answer
    if (!this.running) return this.store.latestCheckpoint();
    this.flush();
    if (this.halted) throw new ConflictError(`the ledger halted and signs nothing more: ${this.halted.reason}`, { rule: 'ledger-halted', details: { ...this.halted } });
    return this.checkpointIfGrown() ?? this.store.latestCheckpoint();
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return this.store.latestCheckpoint();
  }

  /** Resolves once the event is a leaf of the tree; rejects after `timeoutMs`. */
  async leafOf(eventId: string, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leaf = this.store.leafOf(eventId);
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

  inclusionProof(index: number, treeSize: number): Buffer[] {
    this.ensureSize(treeSize, 'treeSize');
    if (index >= treeSize) throw new ValidationError(`leaf ${index} is not in a tree of ${treeSize} leaves`, { rule: 'leaf-outside-tree' });
    return this.tree.inclusionProof(index, treeSize);
  }

  consistencyProof(from: number, to: number): Buffer[] {
    this.ensureSize(to, 'to');
    if (!(from > 0 && from <= to)) throw new ValidationError(`a consistency proof needs 0 < from ≤ to; got from=${from}, to=${to}`, { rule: 'invalid-sizes' });
    return this.tree.consistencyProof(from, to);
  }

  root(size: number): Buffer {
    this.ensureSize(size, 'size');
    return this.tree.root(size);
  }

  private ensureSize(size: number, name: string): void {
    if (!Number.isSafeInteger(size) || size < 1 || size > this.tree.size) {
      throw new ValidationError(`${name} must be between 1 and the ledger's size ${this.tree.size}; got ${size}`, { rule: 'invalid-tree-size' });
    }
  }

  private async follow(): Promise<void> {
    while (this.running && !this.halted) {
      try {
        await this.ensureContinuity();
        if (this.halted) break;
        this.subscription = this.events.subscribeToAll({ after: this.store.get('position') });
        for await (const event of this.subscription) {
          this.buffer.push(event);
          // Events already stored come in a burst; they are ingested a batch at a time, in one transaction.
          if (this.buffer.length >= BATCH) this.flush();
          else this.scheduleFlush();
          if (this.halted) break;
        }
      } catch (error) {
        this.logger.error(`following the log failed, resuming from the last sealed event: ${(error as Error).message}`);
        this.buffer = [];
        await this.subscription?.close();
      }
      if (this.running && !this.halted && this.failures > 0) {
        // A failed batch: back off, then read again from the position saved with the last committed batch.
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * this.failures, 10_000)));
      }
    }
  }

  /**
   * Before reading on from its saved position, the ledger checks that the store still holds its last leaf's
   * event at that place. A store restored from a backup, or rebuilt, would hand out new events at positions
   * the ledger has passed, which it would otherwise never read.
   */
  private async ensureContinuity(): Promise<void> {
    const size = this.tree.size;
    if (size === 0) return;
    const last = this.store.leafAt(size - 1)!;
    const before = size > 1 ? this.store.leafAt(size - 2)!.position : undefined;
    let found: RecordedEvent | undefined;
    for await (const event of this.events.readAll({ after: before, maxCount: 1 })) found = event;
    if (found?.envelope.id !== last.eventId || found.position !== last.position) {
      this.halted = {
        reason: `the store no longer holds the ledger's last leaf ${size - 1} (event ${last.eventId} at position ${last.position}): it was restored, rebuilt or cut short`,
        eventId: last.eventId,
        stream: last.stream,
        revision: last.revision,
        expected: `${last.eventId} at ${last.position}`,
        found: found ? `${found.envelope.id} at ${found.position}` : 'nothing',
      };
      this.logger.error(`the ledger halted: ${this.halted.reason}`);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Ingests what is buffered. Events leave the buffer only once their batch committed; when a batch fails
   * (the file locked, the disk full), the subscription is dropped and the ledger reads again from the
   * position saved with the last committed batch, so no event is ever skipped. Never throws.
   */
  private flush(): void {
    if (this.buffer.length === 0 || this.halted) return;
    const batch = this.buffer.slice();
    const sizeBefore = this.tree.size;
    try {
      this.ingest(batch);
      this.buffer.splice(0, batch.length);
      this.failures = 0;
      const size = this.tree.size;
      if (Math.floor(size / 100_000) > Math.floor(sizeBefore / 100_000)) this.logger.log(`sealed ${size} events`);
    } catch (error) {
      this.buffer = [];
      const halted = this.halted as LedgerHalt | undefined; // ingest halts the ledger on an event that does not verify
      if (halted) this.logger.error(`the ledger halted: ${halted.reason}`);
      else {
        this.failures += 1;
        this.logger.error(`sealing a batch of ${batch.length} events failed; reading them again: ${(error as Error).message}`);
      }
      void this.subscription?.close();
    } finally {
      for (const wake of [...this.waiters]) wake();
      this.waiters.clear();
    }
  }

  /** Checks each event and appends the batch as leaves, with its position, in one transaction. */
  private ingest(batch: readonly RecordedEvent[]): void {
    this.store.transaction(() => {
      const heads = new Map<string, { revision: number; hash: string }>();
      let index = this.tree.size;
      const leaves: Buffer[] = [];
      for (const { envelope, position } of batch) {
        const sealedBefore = this.store.leafOf(envelope.id);
        if (sealedBefore) {
          this.halt({ reason: `event ${envelope.id} appears again in the log, at ${position}; it is leaf ${sealedBefore.index} at ${sealedBefore.position}`, eventId: envelope.id, stream: envelope.stream, revision: envelope.revision, expected: 'a new event id', found: envelope.id });
        }
        const head = heads.get(envelope.stream) ?? this.store.streamHead(envelope.stream);
        const expectedPrev = head ? head.hash : GENESIS_HASH;
        const expectedRevision = head ? head.revision + 1 : 0;
        const at = { eventId: envelope.id, stream: envelope.stream, revision: envelope.revision };
        const recomputed = envelopeHash(envelope);
        if (recomputed !== envelope.hash) this.halt({ reason: `event ${envelope.id} does not hash to its stored hash`, ...at, expected: recomputed, found: envelope.hash });
        if (envelope.revision !== expectedRevision) {
          this.halt({ reason: `event ${envelope.id} is not the next revision of ${envelope.stream}`, ...at, expected: String(expectedRevision), found: String(envelope.revision) });
        }
        if (envelope.prev !== expectedPrev) this.halt({ reason: `event ${envelope.id} does not link to its predecessor`, ...at, expected: expectedPrev, found: envelope.prev });
        this.store.recordLeaf({ index: index++, eventId: envelope.id, stream: envelope.stream, revision: envelope.revision, position }, envelope.hash);
        heads.set(envelope.stream, { revision: envelope.revision, hash: envelope.hash });
        leaves.push(eventLeafHash(envelope.hash));
      }
      if (leaves.length > 0) this.tree.append(leaves);
      this.store.set('position', batch[batch.length - 1].position);
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
  private checkpointIfGrown(): StoredCheckpoint | undefined {
    if (this.halted) return undefined;
    const size = this.tree.size;
    const last = this.lastSigned();
    if (size === 0 || (last && last.size >= size)) return undefined; // nothing new, or a lost tree still rebuilding
    const root = this.tree.root(size);
    if (last) {
      const then = this.tree.root(last.size);
      if (!then.equals(last.root)) {
        this.halted = { reason: `the log no longer has, at size ${last.size}, the root the ledger signed`, checkpointSize: last.size, expected: toHex(last.root), found: toHex(then) };
        this.logger.error(`the ledger halted: ${this.halted.reason}`);
        return undefined;
      }
      verifyConsistency(last.size, size, last.root, root, this.tree.consistencyProof(last.size, size));
    }
    const note = signCheckpoint({ origin: this.config.ledgerOrigin, size, root, extensions: [] }, this.signer);
    const checkpoint = { size, root, note, createdAt: this.clock.now().toISOString() };
    this.store.saveCheckpoint(checkpoint);
    this.signedHead.write({ origin: this.config.ledgerOrigin, size, root: toHex(root), verifierKey: this.verifierKey, note });
    return checkpoint;
  }

  /** The last checkpoint signed: the larger of the tree file's and the signed-head file's. */
  private lastSigned(): { size: number; root: Buffer } | undefined {
    const inTree = this.store.latestCheckpoint();
    const head = this.signedHead.read();
    if (head && (!inTree || head.size > inTree.size)) return { size: head.size, root: Buffer.from(head.root, 'hex') };
    return inTree;
  }
}
