/**
 * The EventStoreDB server that integration tests run against, found in this order:
 *
 *   1. `ESDB_CONNECTION_STRING` from the environment, e.g. `esdb://localhost:2113?tls=false`: used as it is.
 *      A server named there that does not answer fails the suite; it is never a skip.
 *   2. Docker: where a Docker daemon answers, jest's global setup (test/support/global-setup.ts) starts a
 *      KurrentDB container (the image docker-compose.yml runs, one node, insecure, in memory) with
 *      testcontainers, for the whole run, and hands its address to the test workers as
 *      `ESDB_CONNECTION_STRING`. A container that does not start (no image to pull, say) is a skip, with its
 *      error as the reason; `SAMVERKAN_ESDB_TESTCONTAINERS=false` opts out. No Docker daemon runs on this
 *      project's build machines, so this branch has not run there.
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

import type { StartedTestContainer } from 'testcontainers';
import { describeWith } from './describe-with';

/** The KurrentDB release the tests start; docker-compose.yml runs the same (its test checks that). */
export const KURRENTDB_IMAGE = 'docker.kurrent.io/kurrent-lts/kurrentdb:26.0.3';
const HTTP_PORT = 2113;
/** Set by the global setup for the workers: why it started no server. */
const notStartedEnv = 'SAMVERKAN_ESDB_NOT_STARTED';

export type EventStoreDbTarget = { kind: 'env'; connectionString: string } | { kind: 'none'; reason: string };

const howToEnable =
  'Set ESDB_CONNECTION_STRING=esdb://localhost:2113?tls=false to run them against a server, ' +
  'e.g. one started with `docker compose up eventstoredb` on a machine that has Docker.';

/** Where this run's server is; cheap and synchronous, as jest must know at collection time whether to skip. */
export function eventStoreDbTarget(): EventStoreDbTarget {
  const fromEnv = process.env.ESDB_CONNECTION_STRING?.trim();
  if (fromEnv) return { kind: 'env', connectionString: fromEnv };

  const notStarted = process.env[notStartedEnv] ?? "this run's global setup started none";
  return { kind: 'none', reason: `no EventStoreDB: ESDB_CONNECTION_STRING is not set, and ${notStarted}. ${howToEnable}` };
}

/**
 * For jest's global setup: unless a server is named or testcontainers is opted out of, starts KurrentDB in a
 * container where a Docker daemon answers, names it in `ESDB_CONNECTION_STRING` for the workers (which
 * inherit this process's environment), and answers how to stop it. When it starts none it records why, for
 * the skip message, and answers nothing.
 */
export async function startEventStoreDbForRun(): Promise<(() => Promise<void>) | undefined> {
  delete process.env[notStartedEnv]; // a reason from an earlier run (jest --watch) is stale
  if (process.env.ESDB_CONNECTION_STRING?.trim()) return undefined;
  if (process.env.SAMVERKAN_ESDB_TESTCONTAINERS === 'false') {
    process.env[notStartedEnv] = 'SAMVERKAN_ESDB_TESTCONTAINERS=false';
    return undefined;
  }
  // Loaded only here: it is a large package, and most runs never get this far with it.
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    process.env[notStartedEnv] =
      `no Docker daemon answered for testcontainers to start one (${(error as Error).message}; ` + "none runs on this project's build machines)";
    return undefined;
  }
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(KURRENTDB_IMAGE)
      .withEnvironment({
        KURRENTDB_CLUSTER_SIZE: '1',
        KURRENTDB_INSECURE: 'true',
        KURRENTDB_MEM_DB: 'true',
        KURRENTDB_RUN_PROJECTIONS: 'None',
        KURRENTDB_START_STANDARD_PROJECTIONS: 'false',
        KURRENTDB_TELEMETRY_OPTOUT: 'true',
      })
      .withExposedPorts(HTTP_PORT)
      .withWaitStrategy(Wait.forHttp('/health/live', HTTP_PORT).forStatusCodeMatching((status) => status < 300))
      .withStartupTimeout(180_000)
      .start();
  } catch (error) {
    process.env[notStartedEnv] = `Docker answers, but KurrentDB (${KURRENTDB_IMAGE}) did not start in a container: ${(error as Error).message}`;
    return undefined;
  }
  process.env.ESDB_CONNECTION_STRING = `esdb://${container.getHost()}:${container.getMappedPort(HTTP_PORT)}?tls=false`;
  return async () => {
    delete process.env.ESDB_CONNECTION_STRING;
    await container.stop();
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
  const exemptBecause = "EventStoreDB is exempt from REQUIRE_INFRA=1, since no EventStoreDB can run on this project's build machines.";
  describeWith(name, { missing: found.kind === 'none' ? found.reason : undefined, has: 'has an EventStoreDB', exemptBecause }, body);
}
