import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { caseStream, SealedEnvelope } from '@samverkan/sealing';

/** A row of the embedded store's `events` table, with its envelope parsed. */
export interface StoredRow {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly id: string;
  readonly hash: string;
  readonly envelope: string;
  readonly event: SealedEnvelope;
}

/** Every row of `<dataDir>/events.db` in the store's global order. */
export function readStoreRows(dataDir: string): StoredRow[] {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], Omit<StoredRow, 'event'>>('SELECT position, stream, revision, id, hash, envelope FROM events ORDER BY position')
      .all()
      .map((row) => ({ ...row, event: JSON.parse(row.envelope) as SealedEnvelope }));
  } finally {
    db.close();
  }
}

/** Opens the store file of a stopped service for writing, as someone with access to the disk would. */
export function editStore(dataDir: string, edit: (db: Database.Database) => void): void {
  const db = new Database(join(dataDir, 'events.db'), { fileMustExist: true });
  try {
    db.transaction(() => edit(db))();
  } finally {
    db.close();
  }
}

/** A copy of a stopped service's data directory (store, ledger, keys), to tamper with. */
export function copyDataDir(dataDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'samverkan-tampered-'));
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

/**
 * Someone edits the first event of a case in a stopped service's store file (an adult victim made a child) and
 * removes the ledger's own file, so that the ledger must read the edited event again. Answers the event's id.
 */
export function editFirstEventAndDropLedger(dataDir: string, caseId: string): string {
  let eventId = '';
  editStore(dataDir, (db) => {
    const row = db
      .prepare<[string], { id: string; envelope: string }>('SELECT id, envelope FROM events WHERE stream = ? AND revision = 0')
      .get(caseStream(caseId))!;
    db.prepare('UPDATE events SET envelope = ? WHERE id = ?').run(row.envelope.replace('"ageGroup":"adult"', '"ageGroup":"child"'), row.id);
    eventId = row.id;
  });
  removeLedgerFile(dataDir);
  return eventId;
}

/** Removes the ledger's file (its tree, leaves and checkpoints) from a stopped service's data directory. */
export function removeLedgerFile(dataDir: string): void {
  for (const file of ['ledger.db', 'ledger.db-wal', 'ledger.db-shm']) rmSync(join(dataDir, file), { force: true });
}
