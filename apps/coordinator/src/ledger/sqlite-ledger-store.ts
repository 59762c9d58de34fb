import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LogPosition } from '@samverkan/eventstore';
import { NodeStore, StoredNode } from '@samverkan/ledger';

/** A leaf of the ledger: which event it is and where that event sits. */
export interface LeafRecord {
  readonly index: number;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: LogPosition;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
  readonly createdAt: string;
}

/**
 * The ledger's own SQLite file: the hashes of every complete subtree of the Merkle tree (so proofs for any
 * past size need only O(log n) lookups and the tree is never rebuilt), which event each leaf is, the head of
 * each stream's chain as the ledger last checked it, the signed checkpoints, and the ledger's position in
 * the global log. Everything a batch changes is written in one transaction.
 */
export class LedgerStore implements NodeStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof statements>;
  private leaves: number;
  private pending = 0;

  /** Whether this process writes the file: only the active ledger does; others read what it writes. */
  private writer = false;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
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
    this.leaves = this.sql.nextLeaf.get()!.n;
  }

  /** Runs `work` in one transaction; the leaves it adds count only once it committed. */
  transaction<T>(work: () => T): T {
    this.pending = 0;
    try {
      const result = this.db.transaction(work).immediate();
      this.leaves += this.pending;
      return result;
    } finally {
      this.pending = 0; // a rolled-back batch adds no leaves
    }
  }

  /** From now on this process writes the file: the leaf count is read once, then kept. */
  becomeWriter(): void {
    this.leaves = this.sql.nextLeaf.get()!.n;
    this.writer = true;
  }

  /** Another process may write the file now: the leaf count is read from it on every call. */
  stopWriting(): void {
    this.writer = false;
  }

  leafCount(): number {
    if (!this.writer) return this.sql.nextLeaf.get()!.n;
    return this.leaves + this.pending;
  }

  node(level: number, index: number): Buffer | undefined {
    return this.sql.node.get(level, index)?.hash;
  }

  put(nodes: readonly StoredNode[]): void {
    for (const node of nodes) {
      this.sql.putNode.run(node.level, node.index, node.hash);
      if (node.level === 0) this.pending += 1;
    }
  }

  recordLeaf(leaf: LeafRecord, hash: string): void {
    this.sql.putLeaf.run(leaf.index, leaf.eventId, leaf.stream, leaf.revision, leaf.position);
    this.sql.putHead.run(leaf.stream, leaf.revision, hash);
  }

  streamHead(stream: string): { revision: number; hash: string } | undefined {
    return this.sql.head.get(stream);
  }

  leafOf(eventId: string): LeafRecord | undefined {
    const row = this.sql.leafByEvent.get(eventId);
    return row && { index: row.idx, eventId: row.event_id, stream: row.stream, revision: row.revision, position: row.position };
  }

  leavesOf(stream: string): LeafRecord[] {
    return this.sql.leavesByStream.all(stream).map((row) => ({ index: row.idx, eventId: row.event_id, stream: row.stream, revision: row.revision, position: row.position }));
  }

  /** The leaf at `index`: which event, and where it sat in the global log. */
  leafAt(index: number): LeafRecord | undefined {
    const row = this.sql.leafAt.get(index);
    return row && { index: row.idx, eventId: row.event_id, stream: row.stream, revision: row.revision, position: row.position };
  }

  get(key: string): string | undefined {
    return this.sql.getMeta.get(key)?.value;
  }

  set(key: string, value: string): void {
    this.sql.setMeta.run(key, value);
  }

  saveCheckpoint(checkpoint: StoredCheckpoint): void {
    this.sql.putCheckpoint.run(checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.createdAt);
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return toCheckpoint(this.sql.latestCheckpoint.get());
  }

  checkpoint(size: number): StoredCheckpoint | undefined {
    return toCheckpoint(this.sql.checkpointOfSize.get(size));
  }

  /** The smallest checkpoint at least this large. */
  checkpointCovering(size: number): StoredCheckpoint | undefined {
    return toCheckpoint(this.sql.checkpointCovering.get(size));
  }

  checkpoints(limit: number, before?: number): Array<Omit<StoredCheckpoint, 'note'>> {
    return this.sql.listCheckpoints.all(before ?? Number.MAX_SAFE_INTEGER, limit).map((row) => ({ size: row.size, root: row.root, createdAt: row.created_at }));
  }

  close(): void {
    this.db.close();
  }
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
