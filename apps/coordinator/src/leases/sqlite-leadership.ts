import { join } from 'node:path';
import Database from 'better-sqlite3';
import { privateDirectory, privateFile, WakeableSleep } from '@samverkan/common';
import { Lease, Leadership, POLL_MS } from './leadership';

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
