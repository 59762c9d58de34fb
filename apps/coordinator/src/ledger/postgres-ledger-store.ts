import { Pool, PoolClient, QueryResultRow } from 'pg';
import { createTablesOnce, initialised, inTransaction, partPool, PostgresPartOptions } from '@samverkan/sql/postgres';
import { NodeAddress, StoredNode } from '@samverkan/ledger';
import { BatchWrites, LeafRecord, LedgerBatch, LedgerStore, StoredCheckpoint, StreamHead } from './ledger-store';

export type PostgresLedgerStoreOptions = PostgresPartOptions;

type Queryable = Pick<Pool | PoolClient, 'query'>;

/**
 * The ledger in PostgreSQL, when `DATABASE_URL` is set: the SQLite file's tables, prefixed `ledger_`, in the
 * configured schema.
 *
 * A batch is one transaction on one client of the pool: it first takes a transaction-level advisory lock of
 * the schema's ledger (so that even a ledger that lost its lease without noticing cannot interleave with its
 * successor), reads what it builds on through that client, and writes its leaves, nodes, stream heads and
 * position in a few array-valued statements before it commits.
 */
export class PostgresLedgerStore implements LedgerStore {
  private leaves = 0;
  private writer = false;

  private constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  /** Connects, creates the schema and the tables if missing, and answers the open store. */
  static async open(options: PostgresLedgerStoreOptions): Promise<PostgresLedgerStore> {
    const { pool, schema } = partPool(options, { what: 'the ledger', application: 'samverkan-ledger', poolSize: 4 });
    const store = new PostgresLedgerStore(pool, schema);
    await initialised(pool, () => store.createTables());
    return store;
  }

  async transaction<T>(work: (batch: LedgerBatch) => Promise<T>): Promise<T> {
    let first = 0;
    const writes = new BatchWrites();
    const result = await inTransaction(
      this.pool,
      async (client) => {
        first = this.writer ? this.leaves : await this.count(client);
        const answer = await work(this.batch(client, first, writes));
        await this.write(client, writes);
        return answer;
      },
      `BEGIN; SELECT pg_advisory_xact_lock(hashtext('samverkan-ledger:${this.schema}'))`,
    );
    // the leaves count once committed
    if (this.writer) this.leaves = first + writes.added;
    return result;
  }

  private batch(client: PoolClient, first: number, writes: BatchWrites): LedgerBatch {
    return {
      ...writes.collecting(first),
      nodes: (addresses) => this.nodesVia(client, addresses),
      sealedLeaves: async (eventIds) => {
        if (eventIds.length === 0) return new Map();
        const { rows } = await client.query<LeafRow>(`SELECT * FROM ${this.table('leaves')} WHERE event_id = ANY($1::text[])`, [eventIds]);
        return new Map(rows.map((row) => [row.event_id, toLeaf(row)]));
      },
      streamHeads: async (streams) => {
        if (streams.length === 0) return new Map();
        const { rows } = await client.query<{ stream: string; revision: string; hash: string }>(
          `SELECT stream, revision, hash FROM ${this.table('stream_heads')} WHERE stream = ANY($1::text[])`,
          [streams],
        );
        return new Map<string, StreamHead>(rows.map((row) => [row.stream, { revision: Number(row.revision), hash: row.hash }]));
      },
    };
  }

  private async write(client: PoolClient, writes: BatchWrites): Promise<void> {
    const { leaves, nodes, meta } = writes;
    if (leaves.length > 0) {
      await client.query(
        `INSERT INTO ${this.table('leaves')} (idx, event_id, stream, revision, position)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])`,
        [leaves.map((l) => l.index), leaves.map((l) => l.eventId), leaves.map((l) => l.stream), leaves.map((l) => l.revision), leaves.map((l) => l.position)],
      );
      const heads = [...writes.heads()];
      await client.query(
        `INSERT INTO ${this.table('stream_heads')} (stream, revision, hash)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, hash = excluded.hash`,
        [heads.map(([stream]) => stream), heads.map(([, head]) => head.revision), heads.map(([, head]) => head.hash)],
      );
    }
    if (nodes.length > 0) await this.insertNodes(client, nodes);
    for (const [key, value] of meta) await this.setVia(client, key, value);
  }

  async becomeWriter(): Promise<void> {
    this.leaves = await this.count(this.pool);
    this.writer = true;
  }

  stopWriting(): void {
    this.writer = false;
  }

  async leafCount(): Promise<number> {
    return this.writer ? this.leaves : this.count(this.pool);
  }

  nodes(addresses: readonly NodeAddress[]): Promise<Array<Buffer | undefined>> {
    return this.nodesVia(this.pool, addresses);
  }

  /** Stores nodes in their own transaction (a batch stores its nodes with the rest of it). */
  async put(nodes: readonly StoredNode[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.insertNodes(this.pool, nodes);
    if (this.writer) this.leaves = await this.count(this.pool);
  }

  async leafOf(eventId: string): Promise<LeafRecord | undefined> {
    const { rows } = await this.query<LeafRow>(`SELECT * FROM ${this.table('leaves')} WHERE event_id = $1`, [eventId]);
    return rows[0] && toLeaf(rows[0]);
  }

  async leavesOf(stream: string): Promise<LeafRecord[]> {
    const { rows } = await this.query<LeafRow>(`SELECT * FROM ${this.table('leaves')} WHERE stream = $1 ORDER BY revision`, [stream]);
    return rows.map(toLeaf);
  }

  async leafAt(index: number): Promise<LeafRecord | undefined> {
    const { rows } = await this.query<LeafRow>(`SELECT * FROM ${this.table('leaves')} WHERE idx = $1`, [index]);
    return rows[0] && toLeaf(rows[0]);
  }

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.query<{ value: string }>(`SELECT value FROM ${this.table('meta')} WHERE key = $1`, [key]);
    return rows[0]?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.setVia(this.pool, key, value);
  }

  async saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    await this.query(`INSERT INTO ${this.table('checkpoints')} (size, root, note, created_at) VALUES ($1, $2, $3, $4)`, [
      checkpoint.size,
      checkpoint.root,
      checkpoint.note,
      checkpoint.createdAt,
    ]);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.oneCheckpoint(`SELECT * FROM ${this.table('checkpoints')} ORDER BY size DESC LIMIT 1`, []);
  }

  async checkpoint(size: number): Promise<StoredCheckpoint | undefined> {
    return this.oneCheckpoint(`SELECT * FROM ${this.table('checkpoints')} WHERE size = $1`, [size]);
  }

  async checkpointCovering(size: number): Promise<StoredCheckpoint | undefined> {
    return this.oneCheckpoint(`SELECT * FROM ${this.table('checkpoints')} WHERE size >= $1 ORDER BY size LIMIT 1`, [size]);
  }

  async checkpoints(limit: number, before?: number): Promise<Array<Omit<StoredCheckpoint, 'note'>>> {
    const { rows } = await this.query<CheckpointRow>(
      `SELECT size, root, created_at FROM ${this.table('checkpoints')} WHERE size < $1 ORDER BY size DESC LIMIT $2`,
      [before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map((row) => ({ size: Number(row.size), root: row.root, createdAt: row.created_at }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async nodesVia(db: Queryable, addresses: readonly NodeAddress[]): Promise<Array<Buffer | undefined>> {
    if (addresses.length === 0) return [];
    const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>(
      `SELECT n.level, n.idx, n.hash FROM ${this.table('nodes')} n
       JOIN unnest($1::int[], $2::bigint[]) AS wanted (level, idx) ON n.level = wanted.level AND n.idx = wanted.idx`,
      [addresses.map((a) => a.level), addresses.map((a) => a.index)],
    );
    const found = new Map(rows.map((row) => [`${row.level}:${row.idx}`, row.hash]));
    return addresses.map(({ level, index }) => found.get(`${level}:${index}`));
  }

  private async insertNodes(db: Queryable, nodes: readonly StoredNode[]): Promise<void> {
    await db.query(`INSERT INTO ${this.table('nodes')} (level, idx, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])`, [
      nodes.map((n) => n.level),
      nodes.map((n) => n.index),
      nodes.map((n) => n.hash),
    ]);
  }

  private async setVia(db: Queryable, key: string, value: string): Promise<void> {
    await db.query(`INSERT INTO ${this.table('meta')} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, value]);
  }

  /** The tree's size: its level-0 nodes, read backwards from the primary key. */
  private async count(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ n: string }>(`SELECT coalesce(max(idx) + 1, 0) AS n FROM ${this.table('nodes')} WHERE level = 0`);
    return Number(rows[0].n);
  }

  private async oneCheckpoint(text: string, values: unknown[]): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.query<CheckpointRow>(text, values);
    const row = rows[0];
    return row && { size: Number(row.size), root: row.root, note: row.note, createdAt: row.created_at };
  }

  private async createTables(): Promise<void> {
    await createTablesOnce(
      this.pool,
      this.schema,
      this.table('meta'),
      `
        CREATE TABLE IF NOT EXISTS ${this.table('nodes')} (level integer NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
        CREATE TABLE IF NOT EXISTS ${this.table('leaves')} (
          idx bigint PRIMARY KEY, event_id text NOT NULL UNIQUE, stream text NOT NULL, revision bigint NOT NULL, position text NOT NULL);
        CREATE INDEX IF NOT EXISTS ledger_leaves_by_stream ON ${this.table('leaves')} (stream, revision);
        CREATE TABLE IF NOT EXISTS ${this.table('stream_heads')} (stream text PRIMARY KEY, revision bigint NOT NULL, hash text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${this.table('checkpoints')} (size bigint PRIMARY KEY, root bytea NOT NULL, note text NOT NULL, created_at text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${this.table('meta')} (key text PRIMARY KEY, value text NOT NULL);
      `,
    );
  }

  private query<R extends QueryResultRow>(text: string, values: unknown[]) {
    return this.pool.query<R>(text, values);
  }

  private table(name: 'nodes' | 'leaves' | 'stream_heads' | 'checkpoints' | 'meta'): string {
    return `"${this.schema}".ledger_${name}`;
  }
}

type LeafRow = { idx: string; event_id: string; stream: string; revision: string; position: string };
type CheckpointRow = { size: string; root: Buffer; note: string; created_at: string };

function toLeaf(row: LeafRow): LeafRecord {
  return { index: Number(row.idx), eventId: row.event_id, stream: row.stream, revision: Number(row.revision), position: row.position };
}
