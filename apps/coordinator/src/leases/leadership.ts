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

/** How often a standby tries again to take a lease. */
export const POLL_MS = 500;
