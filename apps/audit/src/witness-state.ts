import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpoint } from '@samverkan/ledger';

/** What a witness remembers of one log: the last checkpoint it accepted, and when. */
export interface WitnessRecord {
  readonly origin: string;
  readonly size: number;
  /** Base64, as in the checkpoint. */
  readonly root: string;
  /** The signed checkpoint note as accepted. */
  readonly note: string;
  readonly acceptedAt: string;
}

/** The witness's state file of a log is unreadable: the witness refuses to guess what it accepted before. */
export class WitnessStateError extends Error {}

/**
 * The witness's state directory: one JSON file per log origin, replaced atomically (a temporary file written
 * and fsynced, renamed over the old one, the directory fsynced), so a crash leaves the old or the new record,
 * never a torn one. A lock file keeps two witness runs from deciding on the same origin at once.
 */
export class WitnessState {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The file that holds the record of `origin`; the origin is percent-encoded into one safe file name. */
  fileOf(origin: string): string {
    const safe = encodeURIComponent(origin).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return join(this.dir, `${safe.replace(/^\./, '%2E')}.checkpoint.json`);
  }

  read(origin: string): WitnessRecord | undefined {
    const file = this.fileOf(origin);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new WitnessStateError(`cannot read the witness state ${file}: ${(error as Error).message}`);
    }
    let record: WitnessRecord;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new WitnessStateError(`the witness state ${file} is not JSON (${(error as Error).message}); restore it from a backup`);
    }
    const root = typeof record.root === 'string' ? Buffer.from(record.root, 'base64') : undefined;
    if (record.origin !== origin || !Number.isSafeInteger(record.size) || record.size < 0 || root?.length !== 32) {
      throw new WitnessStateError(
        `the witness state ${file} does not hold an origin, a size and a 32-byte base64 root for ${origin}; restore it from a backup`,
      );
    }
    return record;
  }

  /** Records `checkpoint` as the last accepted for its origin, durably, before the caller answers anyone. */
  write(checkpoint: Checkpoint, note: string, acceptedAt: Date): void {
    const record: WitnessRecord = {
      origin: checkpoint.origin,
      size: checkpoint.size,
      root: checkpoint.root.toString('base64'),
      note,
      acceptedAt: acceptedAt.toISOString(),
    };
    const file = this.fileOf(checkpoint.origin);
    const temp = `${file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(record, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Runs `work` holding the lock of `origin`; refuses at once if another run holds it. */
  async locked<T>(origin: string, work: () => Promise<T>): Promise<T> {
    const lock = `${this.fileOf(origin)}.lock`;
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new WitnessStateError(`another witness run holds ${lock}; if none is running, a crashed one left it behind: remove it`);
      }
      throw error;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return await work();
    } finally {
      unlinkSync(lock);
    }
  }
}
