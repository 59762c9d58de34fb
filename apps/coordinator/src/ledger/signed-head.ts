import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { privateDirectory } from '@samverkan/common';

/** The last checkpoint the ledger signed, as it keeps it apart from its tree. */
export interface SignedHead {
  readonly origin: string;
  readonly size: number;
  /** Hex root hash. */
  readonly root: string;
  readonly verifierKey: string;
  readonly note: string;
}

/**
 * A small file holding the last checkpoint the ledger signed. The tree file can be lost and rebuilt from the
 * log; this file is what then stops the ledger from signing a rebuilt history that does not extend what it
 * signed before (C2SP tlog-checkpoint: a log must not sign a checkpoint inconsistent with any it signed).
 */
export class SignedHeadFile {
  constructor(readonly file: string) {}

  read(): SignedHead | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as SignedHead;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Replaces the file atomically and durably: a crash leaves the old head or the new, never half of one. */
  write(head: SignedHead): void {
    privateDirectory(dirname(this.file));
    const temporary = `${this.file}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(head, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    const dir = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
