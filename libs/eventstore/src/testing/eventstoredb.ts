/**
 * The EventStoreDB server that integration tests run against, found in this order:
 *
 *   1. `ESDB_CONNECTION_STRING` from the environment, e.g. `esdb://localhost:2113?tls=false`: used as it is.
 *      A server named there that does not answer fails the suite; it is never a skip.
 *   2. Docker: testcontainers. TODO(testcontainers): where a Docker daemon answers, start an
 *      `eventstore/eventstore` (or `kurrentplatform/kurrentdb`) container in insecure mode with
 *      `testcontainers` and use its address. Neither the package nor a Docker daemon is on the machines this
 *      project is built on, so this branch is not written yet and falls through.
 *   3. None: the suites skip, saying why and how to enable them.
 *
 * Unlike PostgreSQL and Kafka, EventStoreDB is exempt from `REQUIRE_INFRA=1`: no EventStoreDB can run on this
 * project's build machines (it ships as container images and packages from its vendor's own repositories,
 * which those machines cannot reach), so CI skips these suites too, with the reason. The suites are written
 * against a real server and never against an imitation of one.
 *
 * Every suite run leaves its events on the server (EventStoreDB has no schema to drop); each test writes to
 * streams of its own. Use a throwaway server that holds nothing but samverkan's events: the adapter refuses
 * events it did not write.
 */

export type EventStoreDbTarget = { kind: 'env'; connectionString: string } | { kind: 'none'; reason: string };

const howToEnable =
  'Set ESDB_CONNECTION_STRING=esdb://localhost:2113?tls=false to run them against a server, ' +
  'e.g. one started with `docker compose up eventstoredb` on a machine that has Docker.';

/** Where this run's server is; cheap and synchronous, as jest must know at collection time whether to skip. */
export function eventStoreDbTarget(): EventStoreDbTarget {
  const fromEnv = process.env.ESDB_CONNECTION_STRING?.trim();
  if (fromEnv) return { kind: 'env', connectionString: fromEnv };

  // (2) testcontainers would go here: see the TODO at the top of this file.

  return {
    kind: 'none',
    reason:
      'no EventStoreDB: ESDB_CONNECTION_STRING is not set, and starting one with testcontainers is not written yet ' +
      `(no Docker on this project's build machines). ${howToEnable}`,
  };
}

/** The connection string of this run's server; only inside a suite that `describeWithEventStoreDb` runs. */
export function eventStoreDbConnectionString(): string {
  const found = eventStoreDbTarget();
  if (found.kind !== 'env') throw new Error(`no EventStoreDB: ${found.reason}`);
  return found.connectionString;
}

/**
 * `describe` for suites that need a real EventStoreDB: runs them when one is named, skips them with the
 * reason otherwise, and skips them also under `REQUIRE_INFRA=1`, saying that EventStoreDB is exempt.
 */
export function describeWithEventStoreDb(name: string, body: () => void): void {
  const found = eventStoreDbTarget();
  if (found.kind !== 'none') {
    describe(name, body);
    return;
  }
  const reason =
    process.env.REQUIRE_INFRA === '1'
      ? `${found.reason} EventStoreDB is exempt from REQUIRE_INFRA=1, since no EventStoreDB can run on this project's build machines.`
      : found.reason;
  // eslint-disable-next-line no-console
  console.warn(`Skipping "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
