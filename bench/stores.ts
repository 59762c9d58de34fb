import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { withoutPassword } from '@samverkan/common';
import { EventStore } from '@samverkan/eventstore';
import { PostgresEventStore } from '@samverkan/eventstore/postgres';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { dropSchemas, postgresUrl } from '../libs/eventstore/src/testing/postgres';

/**
 * An event store adapter the store phases (raw appends, replay, HTTP commands) measure, each phase on a
 * fresh, empty store of it.
 */
export interface BenchStore {
  readonly adapter: 'sqlite' | 'postgres';
  /** Ends the keys of this adapter's figures: none for SQLite, whose keys are older than the others. */
  readonly suffix: '' | '_postgres';
  /** Opens a fresh, empty store for the phase `name`; the caller closes it. */
  open(name: string): Promise<EventStore>;
  /** What the service's environment adds (to its data directory) to run on a fresh, empty store of this adapter. */
  serviceEnv(name: string): Record<string, string>;
}

export interface PostgresBenchStores extends BenchStore {
  /** The server's connection string. */
  readonly url: string;
  /** A fresh schema's name for the phase `name`, dropped with the others by `dropAll`. */
  freshSchema(name: string): string;
  /** Drops every schema this run made. */
  dropAll(): Promise<void>;
  /** The same, for an interrupted run, which cannot wait for a promise: from a child process. */
  dropAllNow(): void;
}

/** What the PostgreSQL runs used, for the results' parameters. */
export interface PostgresSetup {
  readonly url: string;
  readonly urlFrom: 'DATABASE_URL' | 'default';
  readonly serverVersion: string;
  /** The server's setting; the store raises `off` to `on` on its own connections. */
  readonly synchronousCommit: string;
  readonly fsync: string;
  /** `inet_server_addr()`; null over a Unix socket. */
  readonly serverAddress: string | null;
  /** Whether that address is one of this machine's own (or a Unix socket), so the server shares its cores. */
  readonly sameMachine: boolean;
  readonly poolSize: { readonly directPhases: number; readonly service: string };
  readonly schemas: string;
}

/** Connections of a store the raw-append and replay phases open themselves; the adapter's default. */
const POOL_SIZE = 10;
const repoRoot = resolve(__dirname, '..');

export function sqliteStores(workDir: string): BenchStore {
  return {
    adapter: 'sqlite',
    suffix: '',
    open: async (name) => new SqliteEventStore({ file: join(workDir, name, 'events.db') }),
    serviceEnv: () => ({}),
  };
}

/**
 * PostgreSQL at `DATABASE_URL`, else the local server tests use; each store in a schema of its own, all
 * dropped by `dropAll`. Answers why not when the server cannot be reached.
 */
export async function postgresStores(): Promise<{ readonly stores: PostgresBenchStores; readonly setup: PostgresSetup } | { readonly skipped: string }> {
  const url = postgresUrl;
  let server: { version: string; synchronousCommit: string; fsync: string; address: string | null };
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const setting = async (name: string) => (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];
    const address = (await client.query<{ address: string | null }>('SELECT host(inet_server_addr()) AS address')).rows[0].address;
    server = { version: await setting('server_version'), synchronousCommit: await setting('synchronous_commit'), fsync: await setting('fsync'), address };
  } catch (error) {
    const hint = process.env.DATABASE_URL ? '' : '; set DATABASE_URL to use another server';
    return { skipped: `PostgreSQL at ${withoutPassword(url)} cannot be reached (${(error as Error).message || String(error)})${hint}` };
  } finally {
    await client.end().catch(() => undefined);
  }

  const schemas: string[] = [];
  const freshSchema = (name: string) => {
    // Named bench_*, not test_* like the tests' schemas, so that one left by a killed run says where it came from.
    const schema = `bench_${name.replace(/[^a-z0-9]+/g, '_')}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const stores: PostgresBenchStores = {
    adapter: 'postgres',
    suffix: '_postgres',
    url,
    freshSchema,
    open: (name: string) => PostgresEventStore.open({ connectionString: url, schema: freshSchema(name), poolSize: POOL_SIZE }),
    // Development keys, as on the embedded default: the benchmark's clients sign their own tokens, and the
    // master key is made in the data directory. On PostgreSQL the service turns them on only when told.
    serviceEnv: (name: string) => ({ EVENT_STORE: 'postgres', DATABASE_URL: url, SAMVERKAN_DATABASE_SCHEMA: freshSchema(name), SAMVERKAN_DEV_KEYS: 'true' }),
    dropAll: () => dropSchemas(schemas.splice(0)),
    dropAllNow: () => {
      const names = schemas.splice(0);
      if (names.length === 0) return;
      const dropper = [join(repoRoot, 'scripts/run-ts.js'), join(repoRoot, 'bench/drop-schemas.ts')];
      spawnSync(process.execPath, dropper, { cwd: repoRoot, env: { ...process.env, DROP_SCHEMAS: JSON.stringify(names) }, timeout: 20_000 });
    },
  };
  const local = new Set(Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((a) => a.address)));
  return {
    stores,
    setup: {
      url: withoutPassword(url),
      urlFrom: process.env.DATABASE_URL ? 'DATABASE_URL' : 'default',
      serverVersion: server.version,
      synchronousCommit: server.synchronousCommit,
      fsync: server.fsync,
      serverAddress: server.address,
      sameMachine: server.address === null || local.has(server.address),
      poolSize: {
        directPhases: POOL_SIZE,
        service: "the adapters' defaults: the event store's pool (10) and the case index's own (4), in the service's process",
      },
      schemas: 'a fresh schema (bench_<phase>_<random>) for each phase, event store and case index together, all dropped at the end of the run',
    },
  };
}
