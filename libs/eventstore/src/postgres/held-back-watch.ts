import { Pool } from 'pg';

/** A transaction that has held the store's followers back for a while, as far as PostgreSQL shows it. */
export interface HeldBackReport {
  /** The horizon's transaction: an append still open, which no follower reads past until it ends. */
  readonly xid: string;
  /** How long followers have been waiting on it. */
  readonly heldForMs: number;
  /** Why nothing more is known of it, when nothing is: the lookup failed, or no session shows it. */
  readonly unknownBecause?: string;
  /** The session running it (`pg_stat_activity`); a prepared transaction has `preparedAs` (its gid) instead. */
  readonly pid?: number;
  readonly database?: string;
  readonly user?: string;
  readonly application?: string;
  /** E.g. `idle in transaction`, `active`, or `prepared`. */
  readonly state?: string;
  /** When the transaction began (ISO 8601). */
  readonly since?: string;
  readonly preparedAs?: string;
}

interface BlockerRow {
  pid: number | null;
  database: string | null;
  user: string | null;
  application: string | null;
  state: string | null;
  since: Date | null;
  prepared_as: string | null;
}

// The horizon is an xid8 (epoch and id); the views show 32-bit xids, which its low half is.
const BLOCKER = `
  SELECT pid, datname AS database, usename AS "user", application_name AS application, state,
         xact_start AS since, NULL AS prepared_as
  FROM pg_stat_activity WHERE backend_xid::text::bigint = $1::bigint % 4294967296
  UNION ALL
  SELECT NULL, database, owner, NULL, 'prepared', prepared, gid
  FROM pg_prepared_xacts WHERE transaction::text::bigint = $1::bigint % 4294967296`;

/**
 * Notices when the horizon stops moving while committed events wait beyond it, and reports the transaction it
 * stands at once that has lasted `afterMs`, then again every `afterMs` while it lasts. An append left open
 * holds every follower back (see PostgresEventStore); an operator needs to know which, and that it is not
 * the store that has stopped. The horizon may dip for a moment below that append (a read that found another
 * append between its lock and its id); only a horizon higher than any seen so far counts as moving on.
 */
export class HeldBackWatch {
  /** The highest horizon seen since followers were last not held back. */
  private horizon?: bigint;
  private since = 0;
  private reportedAt = 0;
  private looking = false;

  constructor(
    private readonly pool: Pool,
    private readonly afterMs: number,
    private readonly report: (report: HeldBackReport) => void,
    private readonly track: <T>(work: Promise<T>) => Promise<T>,
  ) {}

  /** Called with the horizon after each read that was held back, and with `undefined` after one that was not. */
  observe(horizon: string | undefined, now = Date.now()): void {
    const seen = horizon === undefined ? undefined : BigInt(horizon);
    if (seen === undefined || this.horizon === undefined || seen > this.horizon) {
      this.horizon = seen;
      this.since = now;
      this.reportedAt = now;
      return;
    }
    if (this.looking || now - this.reportedAt < this.afterMs) return;
    this.reportedAt = now;
    this.looking = true;
    const xid = String(this.horizon);
    const heldForMs = now - this.since;
    this.track(this.pool.query<BlockerRow>(BLOCKER, [xid]))
      .then(
        ({ rows }) => toReport(xid, heldForMs, rows[0]),
        (error: Error) => ({ xid, heldForMs, unknownBecause: `looking it up failed: ${error.message}` }),
      )
      .then((report) => this.report(report))
      .catch(() => undefined) // a reporter that throws is not asked again for the same report
      .finally(() => (this.looking = false));
  }
}

function toReport(xid: string, heldForMs: number, row: BlockerRow | undefined): HeldBackReport {
  if (!row) {
    return { xid, heldForMs, unknownBecause: 'no session shows it: it has just ended, or this user may not see it' };
  }
  const known = <K extends string, V>(key: K, value: V | null) => (value === null ? {} : { [key]: value });
  return {
    xid,
    heldForMs,
    ...known('pid', row.pid),
    ...known('database', row.database),
    ...known('user', row.user),
    ...known('application', row.application),
    ...known('state', row.state),
    ...known('since', row.since?.toISOString() ?? null),
    ...known('preparedAs', row.prepared_as),
  };
}
