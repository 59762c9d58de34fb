import { Logger } from '@nestjs/common';
import { EventStore, LogFollower, RecordedEvent } from '@samverkan/eventstore';
import { AsyncMerkleTree, eventLeafHash } from '@samverkan/ledger';
import { GENESIS_HASH, hashMismatch } from '@samverkan/sealing';
import { LedgerState } from './ledger-halt';
import { LeafRecord, LedgerStore, StreamHead } from './ledger-store';

const BATCH = 1000;

/**
 * The ledger's one writer: follows the store's global log, checks every event's hash and its link to the
 * previous event of its stream, and appends it as the next leaf of the tree (the leaf index is its place in
 * the global order, assigned once), a batch per transaction with the position after it. An event that does
 * not verify, or a store that no longer holds the last leaf's event where it was, halts the ledger.
 */
export class LedgerWriter {
  private readonly follower: LogFollower;

  constructor(
    events: EventStore,
    private readonly store: LedgerStore,
    private readonly state: LedgerState,
    /** Called after every batch, sealed or not: for those waiting for a leaf. */
    private readonly onBatch: () => void,
    private readonly logger: Logger,
  ) {
    this.follower = new LogFollower(events, {
      name: 'ledger',
      // A batch still being sealed is done with before the position it saves is read again.
      loadPosition: async () => {
        await state.idle();
        return store.get('position');
      },
      beforeResume: () => this.ensureContinuity(events),
      // Events already stored come in a burst; they are sealed a batch at a time, in one transaction.
      handleBatch: (batch) => state.inTurn(() => this.seal(batch)),
      maxBatch: BATCH,
      lingerMs: 10,
      // the position is saved with the leaves, in the same transaction
      isFatal: () => state.halted !== undefined,
      onError: (error) =>
        logger.error(
          state.halted
            ? `the ledger halted: ${state.halted.reason}`
            : `sealing failed; reading the log again from the last sealed event: ${(error as Error).message}`,
        ),
      // a store that keeps failing is asked again less and less often, not in a tight loop
      retryMs: 1000,
      maxRetryMs: 10_000,
    });
  }

  /** The follower of the log, for its lag. */
  get logFollower(): LogFollower {
    return this.follower;
  }

  start(): void {
    this.follower.start();
  }

  /** Seals the events already delivered now, without waiting out the linger: before a checkpoint asked for now. */
  hurry(): Promise<void> {
    return this.follower.hurry();
  }

  /** Lets the batch under way commit, then stops. */
  async stop(): Promise<void> {
    await this.follower.stop();
    await this.state.idle();
  }

  /**
   * Before reading on from its saved position, the ledger checks that the store still holds its last leaf's
   * event at that place. A store restored from a backup, or rebuilt, would hand out new events at positions
   * the ledger has passed, which it would otherwise never read.
   */
  private async ensureContinuity(events: EventStore): Promise<void> {
    const size = await this.store.leafCount();
    if (size === 0) return;
    const last = (await this.store.leafAt(size - 1))!;
    const before = size > 1 ? (await this.store.leafAt(size - 2))!.position : undefined;
    let found: RecordedEvent | undefined;
    for await (const event of events.readAll({ after: before, maxCount: 1 })) found = event;
    if (found?.envelope.id !== last.eventId || found.position !== last.position) {
      this.state.halt({
        reason: `the store no longer holds the ledger's last leaf ${size - 1} (event ${last.eventId} at position ${last.position}): it was restored, rebuilt or cut short`,
        eventId: last.eventId,
        stream: last.stream,
        revision: last.revision,
        expected: `${last.eventId} at ${last.position}`,
        found: found ? `${found.envelope.id} at ${found.position}` : 'nothing',
      });
    }
  }

  /** Seals a batch and tells those waiting for a leaf, whether it was sealed or not. */
  private async seal(batch: readonly RecordedEvent[]): Promise<void> {
    try {
      const sizeBefore = await this.store.leafCount();
      await this.ingest(batch);
      const size = await this.store.leafCount();
      if (Math.floor(size / 100_000) > Math.floor(sizeBefore / 100_000)) this.logger.log(`sealed ${size} events`);
    } finally {
      this.onBatch();
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
      for (const { envelope, position, raw } of batch) {
        const sealedBefore = sealed.get(envelope.id);
        if (sealedBefore) {
          this.state.halt({
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
        // The text the store read hashes to the event's hash when it is what was sealed (stored-hash.ts); only
        // otherwise is the parsed envelope canonicalised again, which names the hash of what it holds.
        const mismatch = hashMismatch(envelope, raw);
        if (mismatch) this.state.halt({ reason: `event ${envelope.id} does not hash to its stored hash`, ...at, ...mismatch });
        if (envelope.revision !== expectedRevision) {
          this.state.halt({
            reason: `event ${envelope.id} is not the next revision of ${envelope.stream}`,
            ...at,
            expected: String(expectedRevision),
            found: String(envelope.revision),
          });
        }
        if (envelope.prev !== expectedPrev)
          this.state.halt({ reason: `event ${envelope.id} does not link to its predecessor`, ...at, expected: expectedPrev, found: envelope.prev });
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
}
