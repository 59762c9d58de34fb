import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';

/**
 * The service's files hold the case record, keys and who read what: readable by the account that runs the
 * service and no one else, whatever the umask. Directories it creates are 0700, files 0600; a file that
 * exists already is made 0600 (SQLite then gives its -wal and -shm files the same mode).
 */
export function privateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The data directory itself: created 0700, or made 0700 if it exists. */
export function privateDataDirectory(dir: string): void {
  privateDirectory(dir);
  chmodSync(dir, 0o700);
}

/** Creates the file empty with mode 0600 if it is missing, and makes it 0600 if it exists. */
export function privateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
