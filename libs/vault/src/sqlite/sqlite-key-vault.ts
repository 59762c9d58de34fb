import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { ConflictError } from '@samverkan/common';
import { openSqliteFile } from '@samverkan/sql/sqlite';
import { DataKey } from '../field-cipher';
import { KeyVault } from '../key-vault.port';
import { KeyWrapping } from '../master-key';

/**
 * The key vault in its own SQLite file (`keys.db` in the data directory on the embedded default), apart from
 * the record so that its backups can be kept apart and shorter. `secure_delete` overwrites a destroyed key's
 * bytes in the file (its lookup terms too), and the write-ahead log is truncated after each destruction, so no
 * copy of the wrapped key stays in either file.
 */
export class SqliteKeyVault implements KeyVault {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof statements>;

  constructor(
    file: string,
    private readonly master: KeyWrapping,
  ) {
    this.db = openSqliteFile(file, 'FULL');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS data_keys (kid TEXT PRIMARY KEY, wrapped BLOB, created_at TEXT NOT NULL, destroyed_at TEXT);
      CREATE TABLE IF NOT EXISTS lookup_terms (term TEXT NOT NULL, kid TEXT NOT NULL, PRIMARY KEY (term, kid));
      CREATE INDEX IF NOT EXISTS lookup_terms_by_kid ON lookup_terms (kid);`);
    this.sql = statements(this.db);
  }

  async keyFor(kid: string): Promise<DataKey> {
    const row = this.sql.get.get(kid);
    if (row) return this.unwrapped(kid, row);
    const key = randomBytes(32);
    this.sql.insert.run(kid, await this.master.wrap(kid, key), new Date().toISOString());
    // Another process may have made it first (INSERT OR IGNORE): the stored key is the key.
    return this.unwrapped(kid, this.sql.get.get(kid)!);
  }

  async find(kid: string): Promise<DataKey | undefined> {
    const row = this.sql.get.get(kid);
    return row?.wrapped ? { kid, key: await this.master.unwrap(kid, row.wrapped) } : undefined;
  }

  async index(kid: string, terms: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      if (this.sql.get.get(kid)?.wrapped == null)
        throw new ConflictError(`there is no key ${kid} to file lookup terms under`, { rule: 'key-destroyed', details: { kid } });
      for (const term of terms) this.sql.addTerm.run(term, kid);
    })();
  }

  async lookup(term: string): Promise<string[]> {
    return this.sql.lookup.all(term).map((row) => row.kid);
  }

  async destroyed(kid: string): Promise<boolean> {
    return this.sql.get.get(kid)?.destroyed_at != null;
  }

  async destroy(kid: string): Promise<boolean> {
    const existed = this.sql.get.get(kid)?.wrapped != null;
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.sql.tombstone.run(kid, now, now);
      this.sql.dropTerms.run(kid);
    })();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return existed;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private async unwrapped(kid: string, row: { wrapped: Buffer | null }): Promise<DataKey> {
    if (!row.wrapped) throw new ConflictError(`the key of ${kid} was destroyed: nothing more is encrypted for it`, { rule: 'key-destroyed', details: { kid } });
    return { kid, key: await this.master.unwrap(kid, row.wrapped) };
  }
}

function statements(db: Database.Database) {
  return {
    get: db.prepare<[string], { wrapped: Buffer | null; destroyed_at: string | null }>('SELECT wrapped, destroyed_at FROM data_keys WHERE kid = ?'),
    addTerm: db.prepare<[string, string]>('INSERT OR IGNORE INTO lookup_terms (term, kid) VALUES (?, ?)'),
    lookup: db.prepare<[string], { kid: string }>('SELECT kid FROM lookup_terms WHERE term = ? ORDER BY kid'),
    dropTerms: db.prepare<[string]>('DELETE FROM lookup_terms WHERE kid = ?'),
    insert: db.prepare<[string, Buffer, string]>('INSERT OR IGNORE INTO data_keys (kid, wrapped, created_at) VALUES (?, ?, ?)'),
    tombstone: db.prepare<[string, string, string]>(
      `INSERT INTO data_keys (kid, wrapped, created_at, destroyed_at) VALUES (?, NULL, ?, ?)
       ON CONFLICT (kid) DO UPDATE SET wrapped = NULL, destroyed_at = COALESCE(data_keys.destroyed_at, excluded.destroyed_at)`,
    ),
  };
}
