import { privateDirectory, privateFile } from '@samverkan/common';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { WakeableSleep } from '@samverkan/common';

/** Held while this process is the active one of a single-active role; `lost` settles if it stops being held. */
export interface Lease {
  readonly lost: Promise<Error>;
  release(): Promise<void>;
}

/**
 * Who is the active `relay` and the active `ledger`: any number of processes may take the role, one at a
 * time holds its lease and works, the others wait as standby and take over when the holder dies.
 */
export interface Leadership {
  /** Resolves with the lease once this process holds it; waits as long as another does, or until `signal` aborts. */
  acquire(role: string, signal: AbortSignal): Promise<Lease>;
}

const POLL_MS = 500;

/**
 * A PostgreSQL session advisory lock per role, held on a connection of its own. The server releases it when
 * that session ends: the holder's exit, crash or lost network all end it, and a standby's next
 * `pg_try_advisory_lock` succeeds. A holder that loses its connection loses the lease, and is told.
 */
export class PostgresLeadership implements Leadership {
  constructor(
    private readonly connectionString: string,
    /** Distinguishes deployments sharing one database (the store's schema). */
    private readonly namespace: string,
  ) {}

  async acquire(role: string, signal: AbortSignal): Promise<Lease> {
    const client = new Client({ connectionString: this.connectionString, application_name: `samverkan-${role}-lease` });
    let lose!: (error: Error) => void;
    const lost = new Promise<Error>((resolve) => (lose = resolve));
    client.on('error', (error) => lose(error));
    client.on('end', () => lose(new Error(`the connection holding the ${role} lease ended`)));
    await client.connect();
    try {
      const key = `samverkan:${this.namespace}:${role}`;
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [key]);
        if (rows[0].held) break;
        await new WakeableSleep().sleep(POLL_MS, signal);
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return { lost, release: () => client.end().catch(() => undefined) };
  }
}

/**
 * For processes on one machine sharing a data directory (the embedded store): an exclusive SQLite lock on a
 * file per role, `<dataDir>/<role>.lease`, held by a transaction that stays open. The operating system drops
 * the lock when the holding process ends, however it ends, and a standby's next attempt succeeds. Needs a
 * local file system (the same one the embedded store already needs).
 */
export class FileLeadership implements Leadership {
  constructor(private readonly dir: string) {}

  async acquire(role: string, signal: AbortSignal): Promise<Lease> {
    privateDirectory(this.dir);
    privateFile(join(this.dir, `${role}.lease`));
    const db = new Database(join(this.dir, `${role}.lease`), { timeout: 0 });
    try {
      // The file is only ever locked, never written: its default rollback journal mode is what locks it.
      for (;;) {
        if (signal.aborted) throw signal.reason;
        try {
          db.exec('BEGIN EXCLUSIVE');
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
        }
        await new WakeableSleep().sleep(POLL_MS, signal);
      }
    } catch (error) {
      db.close();
      throw error;
    }
    return {
      lost: new Promise<Error>(() => undefined),
      release: async () => {
        db.exec('ROLLBACK');
        db.close();
      },
    };
  }
}
