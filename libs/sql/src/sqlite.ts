import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { privateDirectory, privateFile } from '@samverkan/common';

/**
 * Opens (creating it and its folder if missing, readable by the service alone) a SQLite file the way every embedded store here uses one:
 * write-ahead log, so readers in other processes never block the writer, and a 10 s wait for a lock other
 * processes hold. `synchronous`: `FULL` where an acknowledged write must survive a power cut (the record,
 * the ledger), `NORMAL` where the file can be rebuilt from the record (read models).
 */
export function openSqliteFile(file: string, synchronous: 'FULL' | 'NORMAL'): Database.Database {
  privateDirectory(dirname(file));
  privateFile(file);
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  toWriteAheadLog(db);
  db.pragma(`synchronous = ${synchronous}`);
  return db;
}

/**
 * Switches a new file to the write-ahead log. The switch takes a lock that SQLite does not wait for: a second
 * process opening the same new file at the same moment is told "database is locked" at once (two writers
 * started together were), so it is tried again for up to the busy timeout.
 */
function toWriteAheadLog(db: Database.Database): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
