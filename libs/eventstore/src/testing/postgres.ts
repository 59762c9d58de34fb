/**
 * The PostgreSQL server that integration tests run against: `DATABASE_URL` when set, else the local server
 * on 127.0.0.1:5432 that this project's machines run (`.ci/run` starts it when it is down). Tests never fake
 * it; when it cannot be reached, the suites skip, saying how to enable them, and under `REQUIRE_INFRA=1` (CI)
 * they fail instead.
 *
 * Whether it is reachable is decided synchronously, since jest must know at collection time whether to skip:
 * a child process tries to connect, with a short timeout.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { withoutPassword } from '@samverkan/common';
import { describeWith } from './describe-with';

const repoRoot = resolve(__dirname, '../../../..');

/** The connection string integration tests use. */
export const postgresUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const howToEnable =
  'Set DATABASE_URL=postgres://user@host:port/database to use a running server, or start the local one ' +
  '(pg_ctlcluster --skip-systemctl-redirect <version> main start, as .ci/run does).';

let reachable: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether the server answers; asked once per test file. */
export function postgresReachable(): { ok: true } | { ok: false; reason: string } {
  return (reachable ??= probe());
}

function probe(): { ok: true } | { ok: false; reason: string } {
  const script = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(() => client.end()).then(
      () => process.exit(0),
      (error) => { process.stderr.write(String((error && error.message) || error)); process.exit(1); },
    );`;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: repoRoot, // where require('pg') resolves
    env: { ...process.env, PROBE_URL: postgresUrl },
    encoding: 'utf8',
    timeout: 6_000,
  });
  if (!run.error && run.status === 0) return { ok: true };
  const why = run.error?.message ?? (run.stderr.trim() || `the probe exited with ${run.status ?? run.signal}`);
  return { ok: false, reason: `PostgreSQL at ${withoutPassword(postgresUrl)} cannot be reached (${why}). ${howToEnable}` };
}

/**
 * `describe` for suites that need a real PostgreSQL: runs them when the server answers, skips them with the
 * reason otherwise, and under `REQUIRE_INFRA=1` turns the skip into a failing test.
 */
export function describeWithPostgres(name: string, body: () => void): void {
  const found = postgresReachable();
  describeWith(name, { missing: found.ok ? undefined : found.reason, has: 'has a PostgreSQL server' }, body);
}

/** A schema name no other test or run uses. */
export function freshSchemaName(): string {
  return `test_${randomBytes(8).toString('hex')}`;
}

/** Drops the schemas and everything in them. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * For use inside a `describe`: each call of the function it answers gives a fresh schema name, and every
 * schema so named is dropped after the suite.
 */
export function schemasOfSuite(): () => string {
  const named: string[] = [];
  afterAll(async () => {
    await dropSchemas(named.splice(0));
  });
  return () => {
    const schema = freshSchemaName();
    named.push(schema);
    return schema;
  };
}
