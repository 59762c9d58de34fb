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
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 10000');
  return db;
}
