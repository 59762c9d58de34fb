import Database from 'better-sqlite3';
import { openSqliteFile } from '@samverkan/sql/sqlite';
import { NodeAddress, StoredNode } from '@samverkan/ledger';
import { BatchWrites, LeafRecord, LedgerBatch, LedgerStore, StoredCheckpoint, StreamHead } from './ledger-store';

/**
 * The ledger in its own SQLite file, `<dataDir>/ledger.db` (the format it always had). better-sqlite3 is
 * synchronous, so every method answers at once; a batch's reads go straight to the file (only the active
 * ledger writes it, so they see what the batch builds on) and its writes are committed in one immediate
 * transaction when the batch's work is done, so nothing else can run in the middle of it.
 */
export class SqliteLedgerStore implements LedgerStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof statements>;
  private readonly readNodes: (addresses: readonly NodeAddress[]) => Array<Buffer | undefined>;
  private leaves: number;

  /** Whether this process writes the file: only the active ledger does; others read what it writes. */
  private writer = false;

  constructor(file: string) {
    this.db = openSqliteFile(file, 'FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS leaves (
        idx INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, revision INTEGER NOT NULL, position TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS leaves_by_stream ON leaves (stream, revision);
      CREATE TABLE IF NOT EXISTS stream_heads (stream TEXT PRIMARY KEY, revision INTEGER NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
    this.sql = statements(this.db);
    // In one read transaction: a proof's ~20 nodes cost one lock of the WAL rather than one each (45 rather
    // than 135 us at a million leaves).
    this.readNodes = this.db.transaction((addresses: readonly NodeAddress[]) => addresses.map(({ level, index }) => this.sql.node.get(level, index)?.hash));
    this.leaves = this.count();
  }

  async transaction<T>(work: (batch: LedgerBatch) => Promise<T>): Promise<T> {
    const writes = new BatchWrites();
    const first = await this.leafCount();
    const result = await work(this.batch(first, writes));
    this.db
      .transaction(() => {
        for (const leaf of writes.leaves) this.sql.putLeaf.run(leaf.index, leaf.eventId, leaf.stream, leaf.revision, leaf.position);
        for (const [stream, head] of writes.heads()) this.sql.putHead.run(stream, head.revision, head.hash);
        for (const node of writes.nodes) this.sql.putNode.run(node.level, node.index, node.hash);
        for (const [key, value] of writes.meta) this.sql.setMeta.run(key, value);
      })
      .immediate();
    this.leaves = first + writes.added;
    return result;
  }

  private batch(first: number, writes: BatchWrites): LedgerBatch {
    return {
      ...writes.collecting(first),
      nodes: (addresses) => this.nodes(addresses),
      sealedLeaves: async (eventIds) => {
        const found = new Map<string, LeafRecord>();
        for (const eventId of eventIds) {
          const row = this.sql.leafByEvent.get(eventId);
          if (row) found.set(eventId, toLeaf(row));
        }
        return found;
      },
      streamHeads: async (streams) => {
        const found = new Map<string, StreamHead>();
        for (const stream of streams) {
          const head = this.sql.head.get(stream);
          if (head) found.set(stream, head);
        }
        return found;
      },
    };
  }

  async becomeWriter(): Promise<void> {
    this.leaves = this.count();
    this.writer = true;
  }

  stopWriting(): void {
    this.writer = false;
  }

  async leafCount(): Promise<number> {
    return this.writer ? this.leaves : this.count();
  }

  async nodes(addresses: readonly NodeAddress[]): Promise<Array<Buffer | undefined>> {
    return this.readNodes(addresses);
  }

  /** Stores nodes in their own transaction (a batch stores its nodes with the rest of it). */
  async put(nodes: readonly StoredNode[]): Promise<void> {
    this.db.transaction(() => {
      for (const node of nodes) this.sql.putNode.run(node.level, node.index, node.hash);
    })();
    if (this.writer) this.leaves = this.count();
  }

  async leafOf(eventId: string): Promise<LeafRecord | undefined> {
    const row = this.sql.leafByEvent.get(eventId);
    return row && toLeaf(row);
  }

  async leavesOf(stream: string): Promise<LeafRecord[]> {
    return this.sql.leavesByStream.all(stream).map(toLeaf);
  }

  async leafAt(index: number): Promise<LeafRecord | undefined> {
    const row = this.sql.leafAt.get(index);
    return row && toLeaf(row);
  }

  async get(key: string): Promise<string | undefined> {
    return this.sql.getMeta.get(key)?.value;
  }

  async set(key: string, value: string): Promise<void> {
    this.sql.setMeta.run(key, value);
  }

  async saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    this.sql.putCheckpoint.run(checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.createdAt);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return toCheckpoint(this.sql.latestCheckpoint.get());
  }

  async checkpoint(size: number): Promise<StoredCheckpoint | undefined> {
    return toCheckpoint(this.sql.checkpointOfSize.get(size));
  }

  async checkpointCovering(size: number): Promise<StoredCheckpoint | undefined> {
    return toCheckpoint(this.sql.checkpointCovering.get(size));
  }

  async checkpoints(limit: number, before?: number): Promise<Array<Omit<StoredCheckpoint, 'note'>>> {
    return this.sql.listCheckpoints.all(before ?? Number.MAX_SAFE_INTEGER, limit).map((row) => ({ size: row.size, root: row.root, createdAt: row.created_at }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private count(): number {
    return this.sql.nextLeaf.get()!.n;
  }
}

function toLeaf(row: LeafRow): LeafRecord {
  return { index: row.idx, eventId: row.event_id, stream: row.stream, revision: row.revision, position: row.position };
}

type CheckpointRow = { size: number; root: Buffer; note: string; created_at: string };
type LeafRow = { idx: number; event_id: string; stream: string; revision: number; position: string };

function toCheckpoint(row: CheckpointRow | undefined): StoredCheckpoint | undefined {
  return row && { size: row.size, root: row.root, note: row.note, createdAt: row.created_at };
}

function statements(db: Database.Database) {
  return {
    // the tree's size: its level-0 nodes, which a batch writes after its leaf records
    nextLeaf: db.prepare<[], { n: number }>('SELECT coalesce(max(idx) + 1, 0) AS n FROM nodes WHERE level = 0'),
    node: db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM nodes WHERE level = ? AND idx = ?'),
    putNode: db.prepare<[number, number, Buffer]>('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
    putLeaf: db.prepare<[number, string, string, number, string]>('INSERT INTO leaves (idx, event_id, stream, revision, position) VALUES (?, ?, ?, ?, ?)'),
    putHead: db.prepare<[string, number, string]>(
      'INSERT INTO stream_heads (stream, revision, hash) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, hash = excluded.hash',
    ),
    head: db.prepare<[string], { revision: number; hash: string }>('SELECT revision, hash FROM stream_heads WHERE stream = ?'),
    leafByEvent: db.prepare<[string], LeafRow>('SELECT * FROM leaves WHERE event_id = ?'),
    leavesByStream: db.prepare<[string], LeafRow>('SELECT * FROM leaves WHERE stream = ? ORDER BY revision'),
    leafAt: db.prepare<[number], LeafRow>('SELECT * FROM leaves WHERE idx = ?'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    putCheckpoint: db.prepare<[number, Buffer, string, string]>('INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)'),
    latestCheckpoint: db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1'),
    checkpointOfSize: db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints WHERE size = ?'),
    checkpointCovering: db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints WHERE size >= ? ORDER BY size LIMIT 1'),
    listCheckpoints: db.prepare<[number, number], CheckpointRow>('SELECT size, root, created_at FROM checkpoints WHERE size < ? ORDER BY size DESC LIMIT ?'),
  };
}
