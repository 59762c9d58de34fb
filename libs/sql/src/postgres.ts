import { Pool, PoolClient, PoolConfig } from 'pg';
import { ValidationError } from '@samverkan/common';

/** Schema names the PostgreSQL parts accept: they stand in SQL text, so only these characters. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** The schema, checked; `what` names the part that refuses it (`the event store`). */
export function checkedSchema(schema: string | undefined, what: string): string {
  const name = schema ?? 'samverkan';
  if (!SCHEMA_NAME.test(name)) throw new ValidationError(`${name} is not a schema name ${what} accepts: lower-case letters, digits and _, at most 48`);
  return name;
}

/** Where a part (the event store, the case index, the ledger) keeps its tables in PostgreSQL. */
export interface PostgresPartOptions {
  /** Where the server is, e.g. `postgres://user@host:5432/db`. */
  readonly connectionString: string;
  /** Schema of the part's tables, beside the other parts'; created when missing. Lower-case letters, digits and `_`. Default `samverkan`. */
  readonly schema?: string;
  /** Connections the part's pool opens at most. */
  readonly poolSize?: number;
}

/**
 * The pool and checked schema of a part: `what` names it in a refusal of its schema, `application` in
 * `pg_stat_activity`. Then create the part and its tables with `initialised`.
 */
export function partPool(
  options: PostgresPartOptions,
  part: { what: string; application: string; poolSize: number; onConnect?: PoolConfig['onConnect'] },
): { pool: Pool; schema: string } {
  const schema = checkedSchema(options.schema, part.what);
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? part.poolSize,
    application_name: part.application,
    onConnect: part.onConnect,
  });
  return { pool, schema };
}

/** Runs `work` in one transaction on one client of the pool: committed if it resolves, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Creates the schema and a part's tables unless `probeTable` exists already (so a role without CREATE on the
 * database can open existing tables). The event store, the case index and the ledger open the same schema at
 * once when the service starts: they all take one lock to create it, the others wait, then find it.
 */
export async function createTablesOnce(pool: Pool, schema: string, probeTable: string, ddl: string): Promise<void> {
  const { rows } = await pool.query<{ table: string | null }>('SELECT to_regclass($1) AS table', [probeTable]);
  if (rows[0].table !== null) return;
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`samverkan-event-store:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(ddl);
  });
}

/** Runs `init` on a newly opened pool; if it fails, the pool is ended before the error goes on. */
export async function initialised<T>(pool: Pool, init: () => Promise<T>): Promise<T> {
  // An idle connection that breaks (a server restart) is reported here; the pool drops it and opens another.
  pool.on('error', () => undefined);
  try {
    return await init();
  } catch (error) {
    await pool.end();
    throw error;
  }
}
