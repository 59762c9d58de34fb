import { ConflictError } from '@samverkan/common';

/**
 * Why the ledger stopped: a stored event that does not hash, link or sit where it must, or a tree that no
 * longer has the root the ledger signed.
 */
export type LedgerHalt =
  | { readonly reason: string; readonly eventId: string; readonly stream: string; readonly revision: number; readonly expected: string; readonly found: string }
  | { readonly reason: string; readonly checkpointSize: number; readonly expected: string; readonly found: string };

/** The refusal every part of the ledger answers with once it halted. */
export function haltedError(halt: LedgerHalt, prefix = ''): ConflictError {
  return new ConflictError(`${prefix}${halt.reason}`, { rule: 'ledger-halted', details: { ...halt } });
}

/**
 * What the writer, the checkpointer and the reader share: whether the ledger halted (once halted it stays
 * halted), and the turns that sealing a batch and signing a checkpoint take, so that a checkpoint is always of
 * a committed tree.
 */
export class LedgerState {
  halted: LedgerHalt | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private haltedNow: (halt: LedgerHalt) => void = () => undefined;
  /** Resolves when the ledger halts (for a thread that must tell another). */
  readonly whenHalted = new Promise<LedgerHalt>((resolve) => (this.haltedNow = resolve));

  /** Halts the ledger and throws its refusal. */
  halt(halt: LedgerHalt): never {
    this.learnHalt(halt);
    throw haltedError(halt);
  }

  /** Records a halt (the first one stays); for a ledger that learns it from the thread that seals. */
  learnHalt(halt: LedgerHalt): void {
    this.halted ??= halt;
    this.haltedNow(this.halted);
  }

  /** Throws the refusal when the ledger halted. */
  ensureNotHalted(prefix: string): void {
    if (this.halted) throw haltedError(this.halted, prefix);
  }

  /** Runs `work` once the seals and signings queued before it are done. */
  inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything queued is done. */
  idle(): Promise<unknown> {
    return this.turn;
  }
}
