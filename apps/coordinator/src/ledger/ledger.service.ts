import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock, CLOCK, ConflictError } from '@samverkan/common';
import { EVENT_STORE, EventStore, LogFollower } from '@samverkan/eventstore';
import { ed25519NoteSigner, verifierKey } from '@samverkan/ledger';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FileLeadership } from '../leases/sqlite-leadership';
import { Leadership } from '../leases/leadership';
import { LEADERSHIP } from '../leases/leadership.provider';
import { SingleActive } from '../leases/single-active';
import { LedgerCheckpointer } from './ledger-checkpointer';
import { LedgerHalt, LedgerState } from './ledger-halt';
import { loadLedgerKey } from './ledger-key';
import { LedgerReader } from './ledger-reader';
import { LedgerStore, StoredCheckpoint } from './ledger-store';
import { LedgerWriter } from './ledger-writer';
import { LEDGER_STORE, openLedgerStore } from './open-ledger-store';
import { SignedHeadFile } from './signed-head';

export type { LedgerHalt } from './ledger-halt';

/** The thread of this process that seals the ledger, seen from one that does not. */
export interface Sealer {
  checkpointNow(): Promise<StoredCheckpoint | undefined>;
  readonly whenHalted: Promise<LedgerHalt>;
  /** Calls `listener` after each batch it sealed. */
  afterEachBatch(listener: () => void): void;
}

/**
 * The ledger: an RFC 6962 Merkle tree of every event in the store's global order, and C2SP checkpoints of it
 * signed at least once a second while it grows. The tree lives in its LedgerStore (its own SQLite file, or
 * PostgreSQL when `DATABASE_URL` is set), grows incrementally and is never rebuilt.
 *
 * Three parts share it: the one writer (`LedgerWriter`, which follows the log and seals), the checkpointer
 * (`LedgerCheckpointer`, which signs) and the reader (`LedgerReader`, which answers everyone else). This
 * service holds the key, checks it is the one that signed before, and runs the writer and the checkpointer
 * while this process holds the ledger's lease. An event that does not verify halts the ledger: it will not
 * sign a tree that includes a tampered event.
 */
@Injectable()
export class LedgerService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');
  private readonly shared = new LedgerState();
  private readonly signedHead: SignedHeadFile;
  private readonly checkpointer: LedgerCheckpointer;
  /** Read-only answers: size, checkpoints, leaves, proofs, audit bundles. */
  readonly reader: LedgerReader;
  /** Seals while this process holds the lease. */
  private writer?: LedgerWriter;
  private role?: SingleActive;
  /** The thread of this process that seals, when it is not this one (the follower thread). */
  private sealer?: Sealer;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) clock: Clock,
    @Inject(LEDGER_STORE) private readonly store: LedgerStore,
    @Inject(LEADERSHIP) private readonly leadership: Leadership = new FileLeadership(config.dataDir),
  ) {
    const key = loadLedgerKey(config);
    const verifier = verifierKey(config.ledgerOrigin, createPublicKey(key));
    this.signedHead = new SignedHeadFile(config.ledgerSignedHeadFile ?? join(config.dataDir, 'ledger-signed-head.json'));
    this.checkpointer = new LedgerCheckpointer(
      store,
      this.shared,
      { origin: config.ledgerOrigin, signer: ed25519NoteSigner(config.ledgerOrigin, key), verifierKey: verifier, signedHead: this.signedHead },
      clock,
      this.logger,
    );
    this.reader = new LedgerReader(store, this.shared, verifier, () => this.checkpointNow());
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
    return this.reader.verifierKey;
  }

  /** Why the ledger stopped, once it did. */
  get halted(): LedgerHalt | undefined {
    return this.shared.halted;
  }

  /** Resolves when the ledger halts. */
  get whenHalted(): Promise<LedgerHalt> {
    return this.shared.whenHalted;
  }

  /**
   * Where another thread of this process seals (the follower thread): signing "now" asks it, its halt is this
   * ledger's, so that the reader refuses what a halted ledger refuses, and its batches wake this reader.
   */
  sealedBy(sealer: Sealer): void {
    this.sealer = sealer;
    void sealer.whenHalted.then((halt) => this.shared.learnHalt(halt));
    // Those waiting here for an event to become a leaf (a proof of what was just recorded) are woken at once.
    sealer.afterEachBatch(() => this.reader.batchDone());
  }

  /**
   * With the `ledger` role, seals while this process holds the ledger's lease (one active ledger; others
   * wait as standby). Without it, the ledger's store is only read, for proofs and checkpoints.
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

  /** The writer's follower of the log, while this process seals: for its lag. */
  get logFollower(): LogFollower | undefined {
    return this.writer?.logFollower;
  }

  /** Signs a checkpoint of the tree as it is now, if it grew since the last; returns the latest checkpoint. */
  async checkpointNow(): Promise<StoredCheckpoint | undefined> {
    // only the active ledger signs; elsewhere the latest it signed is the answer
    if (!this.writer && this.sealer) {
      this.shared.ensureNotHalted('the ledger halted and signs nothing more: ');
      return this.sealer.checkpointNow();
    }
    if (!this.writer) return this.store.latestCheckpoint();
    // What the log has delivered is sealed first, as the one asking expects of a checkpoint "now".
    await this.writer.hurry();
    return this.checkpointer.signNow();
  }

  private async startSealing(): Promise<void> {
    await this.store.becomeWriter();
    await this.store.set('verifier-key', this.verifierKey);
    this.writer = new LedgerWriter(this.events, this.store, this.shared, () => this.reader.batchDone(), this.logger);
    this.writer.start();
    this.checkpointer.start(this.config.checkpointIntervalMs);
  }

  private async stopSealing(): Promise<void> {
    this.checkpointer.stop();
    const writer = this.writer;
    this.writer = undefined;
    await writer?.stop();
    this.store.stopWriting();
  }
}
