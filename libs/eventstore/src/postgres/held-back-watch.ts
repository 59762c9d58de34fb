import { Pool } from 'pg';

/** A transaction that has held the store's followers back for a while, as far as PostgreSQL shows it. */
export interface HeldBackReport {
  /** The id of the oldest transaction still running in the cluster: no follower reads past it until it ends. */
  readonly xid: string;
  /** How long followers have been waiting on it. */
  readonly heldForMs: number;
  /** The session running it, when this user may see it (`pg_stat_activity`), or a prepared transaction's gid. */
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
 * Notices when committed events stay held back behind the same open transaction, and reports that transaction
 * once it has held them for `afterMs`, then again every `afterMs` while it lasts. The store's gap-free order
 * makes followers wait for any transaction that holds an id, in any database of the cluster; an operator
 * needs to know which one, and that it is not the store that has stopped.
 */
export class HeldBackWatch {
  private horizon?: string;
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
    if (horizon !== this.horizon) {
      this.horizon = horizon;
      this.since = now;
      this.reportedAt = now;
      return;
    }
    if (horizon === undefined || this.looking || now - this.reportedAt < this.afterMs) return;
    this.reportedAt = now;
    this.looking = true;
    const heldForMs = now - this.since;
    this.track(this.pool.query<BlockerRow>(BLOCKER, [horizon]))
      .then(({ rows }) => this.report(toReport(horizon, heldForMs, rows[0])))
      .catch(() => this.report({ xid: horizon, heldForMs }))
      .finally(() => (this.looking = false));
  }
}

function toReport(xid: string, heldForMs: number, row: BlockerRow | undefined): HeldBackReport {
  if (!row) return { xid, heldForMs };
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
