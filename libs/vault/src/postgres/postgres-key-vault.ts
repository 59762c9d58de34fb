import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { ConflictError } from '@samverkan/common';
import { createTablesOnce, initialised, partPool, PostgresPartOptions } from '@samverkan/sql/postgres';
import { DataKey } from '../field-cipher';
import { KeyVault } from '../key-vault.port';
import { KeyWrapping } from '../master-key';

/**
 * The key vault in PostgreSQL (`<schema>.data_keys`), when the service keeps its read models there. A
 * destroyed key's row keeps only its tombstone, and the table is rewritten (VACUUM FULL) so that the old row
 * version with the wrapped key is not left in its file. Copies the server keeps elsewhere (its write-ahead log
 * until it is recycled, base backups) hold the key only wrapped by the master key, which never reaches the
 * server.
 */
export class PostgresKeyVault implements KeyVault {
  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
    private readonly terms: string,
    private readonly master: KeyWrapping,
  ) {}

  static async open(options: PostgresPartOptions, master: KeyWrapping): Promise<PostgresKeyVault> {
    const { pool, schema } = partPool(options, { what: 'the key vault', application: 'samverkan-key-vault', poolSize: 4 });
    const table = `"${schema}".data_keys`;
    const terms = `"${schema}".lookup_terms`;
    return initialised(pool, async () => {
      await createTablesOnce(
        pool,
        schema,
        table,
        `
        CREATE TABLE IF NOT EXISTS ${table} (kid text PRIMARY KEY, wrapped bytea, created_at timestamptz NOT NULL DEFAULT now(), destroyed_at timestamptz);
        CREATE TABLE IF NOT EXISTS ${terms} (term text NOT NULL, kid text NOT NULL, PRIMARY KEY (term, kid));
        CREATE INDEX IF NOT EXISTS lookup_terms_by_kid ON ${terms} (kid);`,
      );
      return new PostgresKeyVault(pool, table, terms, master);
    });
  }

  async keyFor(kid: string): Promise<DataKey> {
    let row = await this.row(kid);
    if (!row) {
      await this.pool.query(`INSERT INTO ${this.table} (kid, wrapped) VALUES ($1, $2) ON CONFLICT (kid) DO NOTHING`, [
        kid,
        await this.master.wrap(kid, randomBytes(32)),
      ]);
      row = await this.row(kid); // another process may have made it first: the stored key is the key
    }
    if (!row?.wrapped)
      throw new ConflictError(`the key of ${kid} was destroyed: nothing more is encrypted for it`, { rule: 'key-destroyed', details: { kid } });
    return { kid, key: await this.master.unwrap(kid, row.wrapped) };
  }

  async find(kid: string): Promise<DataKey | undefined> {
    const row = await this.row(kid);
    return row?.wrapped ? { kid, key: await this.master.unwrap(kid, row.wrapped) } : undefined;
  }

  async index(kid: string, terms: readonly string[]): Promise<void> {
    if (!(await this.row(kid))?.wrapped)
      throw new ConflictError(`there is no key ${kid} to file lookup terms under`, { rule: 'key-destroyed', details: { kid } });
    if (terms.length === 0) return;
    await this.pool.query(`INSERT INTO ${this.terms} (term, kid) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING`, [terms, kid]);
  }

  async lookup(term: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ kid: string }>(`SELECT kid FROM ${this.terms} WHERE term = $1 ORDER BY kid`, [term]);
    return rows.map((row) => row.kid);
  }

  async destroyed(kid: string): Promise<boolean> {
    return (await this.row(kid))?.destroyed_at != null;
  }

  async destroy(kid: string): Promise<boolean> {
    const existed = (await this.row(kid))?.wrapped != null;
    await this.pool.query(
      `INSERT INTO ${this.table} (kid, wrapped, destroyed_at) VALUES ($1, NULL, now())
       ON CONFLICT (kid) DO UPDATE SET wrapped = NULL, destroyed_at = COALESCE(${this.table}.destroyed_at, now())`,
      [kid],
    );
    await this.pool.query(`DELETE FROM ${this.terms} WHERE kid = $1`, [kid]);
    await this.pool.query(`VACUUM FULL ${this.table}`);
    await this.pool.query(`VACUUM FULL ${this.terms}`);
    return existed;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async row(kid: string) {
    const { rows } = await this.pool.query<{ wrapped: Buffer | null; destroyed_at: Date | null }>(
      `SELECT wrapped, destroyed_at FROM ${this.table} WHERE kid = $1`,
      [kid],
    );
    return rows[0];
  }
}
