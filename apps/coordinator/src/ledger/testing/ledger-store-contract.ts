import { AsyncMerkleTree, eventLeafHash, verifyConsistency, verifyInclusion } from '@samverkan/ledger';
import { mth } from '@samverkan/ledger/testing/rfc6962-reference';
import { LeafRecord, LedgerStore } from '../ledger-store';

/** What a contract run needs from an adapter: stores to test, each under a name, and a way to let go of them. */
export interface LedgerStoreUnderTest {
  /** Opens the store kept under `name`: empty the first time, what it held when opened again (also while another is open). */
  open(name: string): Promise<LedgerStore>;
  cleanup(): Promise<void>;
}

let names = 0;
const fresh = () => `ledger-${process.pid}-${++names}`;

/** `count` leaves of made-up events, spread over three streams, starting at leaf `first`. */
function leavesFrom(first: number, count: number): Array<LeafRecord & { hash: string }> {
  return Array.from({ length: count }, (_, i) => {
    const index = first + i;
    return {
      index,
      eventId: `00000000-0000-7000-8000-${String(index).padStart(12, '0')}`,
      stream: `test-${index % 3}`,
      revision: Math.floor(index / 3),
      position: String(1000 + index).padStart(20, '0'),
      hash: `${String(index).padStart(2, '0')}`.repeat(32).slice(0, 64),
    };
  });
}

/** Ingests leaves as the ledger does: records, tree nodes and position in one batch. */
async function ingest(store: LedgerStore, records: Array<LeafRecord & { hash: string }>): Promise<void> {
  await store.transaction(async (batch) => {
    batch.recordLeaves(records);
    await new AsyncMerkleTree(batch).append(records.map((r) => eventLeafHash(r.hash)));
    batch.set('position', records[records.length - 1].position);
  });
}

/**
 * The message a promise rejects with. The drivers' errors can come from outside jest's realm (a native
 * module's SqliteError), which `rejects.toThrow` does not always take for an Error.
 */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => String((error as { message?: unknown })?.message ?? error),
  );
  if (outcome === undefined) throw new Error('expected a failure, but it succeeded');
  return outcome;
}

const treeLeaves = (records: ReadonlyArray<{ hash: string }>) => records.map((r) => eventLeafHash(r.hash));

/** The behaviour every LedgerStore adapter must have; `given` opens the stores. */
export function ledgerStoreContract(given: () => LedgerStoreUnderTest): void {
  let under: LedgerStoreUnderTest;
  beforeAll(() => {
    under = given();
  });
  afterAll(() => under.cleanup());

  it('opens empty: no leaves, no checkpoint, no position', async () => {
    const store = await under.open(fresh());
    expect(await store.leafCount()).toBe(0);
    expect(await store.latestCheckpoint()).toBeUndefined();
    expect(await store.get('position')).toBeUndefined();
    expect(await new AsyncMerkleTree(store).root()).toEqual(mth([]));
  });

  it('commits a batch whole: leaves, tree, stream heads and position, readable after it', async () => {
    const store = await under.open(fresh());
    await store.becomeWriter();
    const records = leavesFrom(0, 10);
    await ingest(store, records.slice(0, 7));
    await ingest(store, records.slice(7));
    expect(await store.leafCount()).toBe(10);
    expect(await store.get('position')).toBe(records[9].position);
    const tree = new AsyncMerkleTree(store);
    for (let size = 1; size <= 10; size += 1) expect(await tree.root(size)).toEqual(mth(treeLeaves(records.slice(0, size))));
    const { hash: _hash, ...leaf4 } = records[4];
    expect(await store.leafOf(records[4].eventId)).toEqual(leaf4);
    expect(await store.leafAt(4)).toEqual(leaf4);
    expect((await store.leavesOf('test-1')).map((l) => l.index)).toEqual([1, 4, 7]);
    await store.transaction(async (batch) => {
      expect([...(await batch.sealedLeaves([records[2].eventId, 'not-an-event'])).keys()]).toEqual([records[2].eventId]);
      expect(await batch.streamHeads(['test-0', 'test-2', 'nowhere'])).toEqual(
        new Map([
          ['test-0', { revision: 3, hash: records[9].hash }],
          ['test-2', { revision: 2, hash: records[8].hash }],
        ]),
      );
      expect(await batch.leafCount()).toBe(10);
    });
  });

  it('commits nothing of a batch whose work throws', async () => {
    const store = await under.open(fresh());
    await store.becomeWriter();
    const records = leavesFrom(0, 5);
    await ingest(store, records.slice(0, 3));
    await expect(
      store.transaction(async (batch) => {
        batch.recordLeaves(records.slice(3));
        await new AsyncMerkleTree(batch).append(treeLeaves(records.slice(3)));
        batch.set('position', records[4].position);
        throw new Error('event 4 does not verify');
      }),
    ).rejects.toThrow('event 4 does not verify');
    expect(await store.leafCount()).toBe(3);
    expect(await store.leafOf(records[3].eventId)).toBeUndefined();
    expect(await store.get('position')).toBe(records[2].position);
    await ingest(store, records.slice(3));
    expect(await new AsyncMerkleTree(store).root()).toEqual(mth(treeLeaves(records)));
  });

  it('refuses a batch that would store a leaf twice, and keeps what was there', async () => {
    const store = await under.open(fresh());
    await store.becomeWriter();
    const records = leavesFrom(0, 4);
    await ingest(store, records);
    expect(await failureOf(ingest(store, records.slice(3)))).toMatch(/unique|duplicate/i);
    expect(await store.leafCount()).toBe(4);
    expect(await new AsyncMerkleTree(store).root()).toEqual(mth(treeLeaves(records)));
  });

  it('answers proofs for every past size that verify, after being opened again', async () => {
    const name = fresh();
    const first = await under.open(name);
    await first.becomeWriter();
    const records = leavesFrom(0, 37);
    for (let i = 0; i < records.length; i += 8) await ingest(first, records.slice(i, i + 8));
    await first.close();

    const store = await under.open(name);
    expect(await store.leafCount()).toBe(37);
    const tree = new AsyncMerkleTree(store);
    const leaves = treeLeaves(records);
    for (const size of [1, 2, 5, 8, 9, 16, 17, 31, 37]) {
      const root = await tree.root(size);
      for (const index of [0, Math.floor(size / 2), size - 1]) {
        verifyInclusion(leaves[index], index, size, await tree.inclusionProof(index, size), root);
      }
      if (size > 1) verifyConsistency(size - 1, size, await tree.root(size - 1), root, await tree.consistencyProof(size - 1, size));
    }
  });

  it('lets a process that does not write see each batch the writer commits, while the writer keeps its own count', async () => {
    const name = fresh();
    const writer = await under.open(name);
    const reader = await under.open(name);
    await writer.becomeWriter();
    const records = leavesFrom(0, 6);
    await ingest(writer, records.slice(0, 2));
    expect(await reader.leafCount()).toBe(2);
    await ingest(writer, records.slice(2));
    expect(await reader.leafCount()).toBe(6);
    expect(await writer.leafCount()).toBe(6);
    expect(await new AsyncMerkleTree(reader).root()).toEqual(mth(treeLeaves(records)));

    // the reader takes over: it reads the count once, then counts its own batches
    writer.stopWriting();
    await reader.becomeWriter();
    const more = leavesFrom(6, 3);
    await ingest(reader, more);
    expect(await writer.leafCount()).toBe(9);
    expect(await reader.leafCount()).toBe(9);
    await writer.close();
    await reader.close();
  });

  it('keeps signed checkpoints by size, newest first in lists, each size once', async () => {
    const store = await under.open(fresh());
    const checkpoint = (size: number) => ({ size, root: Buffer.alloc(32, size), note: `note of ${size}\n`, createdAt: `2026-01-01T00:00:0${size % 10}.000Z` });
    for (const size of [3, 5, 9, 12]) await store.saveCheckpoint(checkpoint(size));
    expect(await failureOf(store.saveCheckpoint(checkpoint(9)))).toMatch(/unique|duplicate/i);
    expect(await store.latestCheckpoint()).toEqual(checkpoint(12));
    expect(await store.checkpoint(5)).toEqual(checkpoint(5));
    expect(await store.checkpoint(6)).toBeUndefined();
    expect(await store.checkpointCovering(6)).toEqual(checkpoint(9));
    expect(await store.checkpointCovering(13)).toBeUndefined();
    const { note: _note, ...listed } = checkpoint(9);
    expect(await store.checkpoints(2)).toEqual([expect.objectContaining({ size: 12 }), listed]);
    expect((await store.checkpoints(10, 9)).map((c) => c.size)).toEqual([5, 3]);
  });

  it('keeps small values, the last set winning', async () => {
    const store = await under.open(fresh());
    await store.set('verifier-key', 'a');
    await store.set('verifier-key', 'b');
    expect(await store.get('verifier-key')).toBe('b');
    expect(await store.get('nothing')).toBeUndefined();
  });
}
