/**
 * The Kafka broker that integration tests run against, found in this order:
 *
 *   1. `KAFKA_BROKERS` from the environment (comma-separated host:port): used as it is.
 *   2. Docker: testcontainers. TODO(testcontainers): where a Docker daemon answers and Java does not, start an
 *      `apache/kafka` 4.x container (as libs/eventstore/src/testing/eventstoredb.ts does for KurrentDB) and use
 *      its bootstrap address. No Docker daemon runs on this project's machines and Java always does, so this
 *      branch is not written yet and falls through.
 *   3. Java 17+ and Maven (Maven only until the jars are cached): `scripts/kafka-local.sh start`, a single-node
 *      KRaft broker on loopback. The script is idempotent and serialises concurrent starts with a lock, so
 *      every test file and jest worker of a run shares one broker.
 *   4. None: the Kafka suites skip, saying how to enable them; under `REQUIRE_INFRA=1` (CI) they fail instead.
 *
 * Which of these applies is decided synchronously (jest needs to know at collection time whether to skip);
 * the broker itself is started in `beforeAll`, where a failure to start is a failure, never a skip.
 *
 * A test that stops its broker (an outage) never uses that shared one: `PrivateKafkaBroker` starts one of its
 * own with the same script in a directory of its own, gated by `describeWithPrivateKafka`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { describeWith } from '../../libs/eventstore/src/testing/describe-with';

export const repoRoot = resolve(__dirname, '../..');
export const kafkaLocalScript = join(repoRoot, 'scripts/kafka-local.sh');

/** Set by test/kafka/global-setup.ts: a file the helper writes when it started the local broker in this run. */
export const startedMarkerEnv = 'SAMVERKAN_KAFKA_STARTED_MARKER';

export type KafkaTarget = { kind: 'env'; brokers: string[] } | { kind: 'local-script'; script: string } | { kind: 'none'; reason: string };

export interface KafkaBroker {
  brokers: string[];
  source: 'env' | 'local-script';
}

const howToEnable =
  'Set KAFKA_BROKERS=host:port to use a running broker, or install Java 17+ and Maven ' +
  '(e.g. apt-get install openjdk-17-jdk-headless maven) so that scripts/kafka-local.sh can start one.';

let target: KafkaTarget | undefined;

/** Where this run's broker comes from; cheap and synchronous. */
export function kafkaTarget(): KafkaTarget {
  return (target ??= findTarget());
}

function findTarget(): KafkaTarget {
  const fromEnv = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (fromEnv.length > 0) return { kind: 'env', brokers: fromEnv };

  // (2) testcontainers would go here: see the TODO at the top of this file.

  const unavailable = localScriptUnavailable();
  if (unavailable) return { kind: 'none', reason: `${unavailable}. ${howToEnable}` };
  return { kind: 'local-script', script: kafkaLocalScript };
}

/** Why `scripts/kafka-local.sh` cannot start a broker on this machine (no Java 17+, no Maven nor cached jars); undefined if it can. */
export function localScriptUnavailable(): string | undefined {
  const java = javaMajorVersion();
  if (java === undefined) return 'no Java found';
  if (java < 17) return `Java ${java} found; Kafka 4 brokers need Java 17+`;
  if (!onPath('mvn') && !jarsCached()) return 'Maven (mvn) not found';
  return undefined;
}

/** The `host:port` that `scripts/kafka-local.sh start` prints last, if it did. */
export function bootstrapAddress(stdout: string): string | undefined {
  const address = stdout.trim().split(/\s+/).pop();
  return address && /^[^:\s]+:\d+$/.test(address) ? address : undefined;
}

function javaMajorVersion(): number | undefined {
  const home = process.env.JAVA_HOME;
  const java = home && existsSync(join(home, 'bin/java')) ? join(home, 'bin/java') : 'java';
  const run = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  if (run.error || run.status !== 0) return undefined;
  const match = /version "(?:1\.)?(\d+)/.exec(`${run.stderr}${run.stdout}`);
  return match ? Number(match[1]) : undefined;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function jarsCached(): boolean {
  const cache = process.env.KAFKA_JARS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '', '.cache'), 'samverkan-kafka');
  const version = process.env.KAFKA_VERSION;
  if (version) return existsSync(join(cache, `kafka-${version}`, '.complete'));
  // the script's default version is not known here; any complete cache means Maven is not needed for it
  try {
    return readdirSync(cache).some((d) => existsSync(join(cache, d, '.complete')));
  } catch {
    return false;
  }
}

let broker: Promise<KafkaBroker> | undefined;

/** The broker's bootstrap addresses; starts the local broker if that is the source. Once per test file. */
export function kafkaBroker(): Promise<KafkaBroker> {
  return (broker ??= connectBroker());
}

async function connectBroker(): Promise<KafkaBroker> {
  const found = kafkaTarget();
  if (found.kind === 'env') return { brokers: found.brokers, source: 'env' };
  if (found.kind === 'none') throw new Error(`no Kafka broker: ${found.reason}`);
  const { stdout, stderr } = await run(found.script, ['start'], 300_000);
  const address = bootstrapAddress(stdout);
  if (!address) throw new Error(`scripts/kafka-local.sh start printed no address:\n${stdout}\n${stderr}`);
  // The broker was started by this run (not found running): tell global-teardown.ts to stop it at the end.
  const marker = process.env[startedMarkerEnv];
  if (marker && /starting Kafka/.test(stderr)) writeFileSync(marker, address);
  return { brokers: [address], source: 'local-script' };
}

/** Runs `file` from the repository root; `env`, when given, is added to this process's environment. */
export function run(file: string, args: string[], timeout: number, env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const options = { cwd: repoRoot, timeout, maxBuffer: 16 * 1024 * 1024, ...(env ? { env: { ...process.env, ...env } } : {}) };
    execFile(file, args, options, (error, stdout, stderr) => {
      if (error) fail(new Error(`${file} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${stderr}${stdout}`));
      else done({ stdout, stderr });
    });
  });
}

/**
 * `describe` for suites that need a real broker: runs them when one can be had, skips them with the reason
 * otherwise, and under `REQUIRE_INFRA=1` turns the skip into a failing test.
 */
export function describeWithKafka(name: string, body: () => void): void {
  const found = kafkaTarget();
  describeWith(name, { missing: found.kind === 'none' ? found.reason : undefined, has: 'has a Kafka broker' }, body);
}

let privateTarget: KafkaTarget | undefined;

/**
 * Where a broker of a test's own comes from: only `scripts/kafka-local.sh`, in a state directory of the test's
 * own. A test that stops its broker (an outage) must never stop the shared one, which other test files use at
 * the same time, nor a broker named by `KAFKA_BROKERS`; so it needs Java 17+ (and Maven until the jars are
 * cached) even where `KAFKA_BROKERS` is set.
 */
export function privateKafkaTarget(): KafkaTarget {
  return (privateTarget ??= findPrivateTarget());
}

function findPrivateTarget(): KafkaTarget {
  const fromEnv = kafkaTarget().kind === 'env' ? 'KAFKA_BROKERS names a broker, but a test that stops its broker needs one of its own, and ' : '';
  const how =
    'Install Java 17+ and Maven (e.g. apt-get install openjdk-17-jdk-headless maven) so that scripts/kafka-local.sh ' +
    'can start a broker of its own (KAFKA_BROKERS is not enough: this test stops its broker).';
  const unavailable = localScriptUnavailable();
  if (unavailable) return { kind: 'none', reason: `${fromEnv}${unavailable}. ${how}` };
  return { kind: 'local-script', script: kafkaLocalScript };
}

/**
 * A broker of one test's own, started by `scripts/kafka-local.sh` in a fresh temporary state directory, which
 * the test may stop and start again on the same address with the same data (an outage). `remove()` stops it
 * and deletes its directory; call it in `afterAll` whatever happened.
 */
export class PrivateKafkaBroker {
  private constructor(
    readonly dir: string,
    readonly brokers: string[],
  ) {}

  static async start(): Promise<PrivateKafkaBroker> {
    const found = privateKafkaTarget();
    if (found.kind === 'none') throw new Error(`no Kafka broker of this test's own: ${found.reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'samverkan-private-kafka-'));
    try {
      const address = await PrivateKafkaBroker.script(dir, 'start');
      return new PrivateKafkaBroker(dir, [address]);
    } catch (error) {
      await new PrivateKafkaBroker(dir, []).remove().catch(() => undefined);
      throw error;
    }
  }

  /** Stops the broker (SIGTERM, as an operator would) and keeps its data and address for `restart()`. */
  async stopKeepingData(): Promise<void> {
    await run(kafkaLocalScript, ['stop', '--keep-data'], 120_000, PrivateKafkaBroker.env(this.dir));
  }

  /** Starts the stopped broker again on the same address, with the data it had. */
  async restart(): Promise<void> {
    const address = await PrivateKafkaBroker.script(this.dir, 'start');
    if (address !== this.brokers[0]) throw new Error(`the private broker came back on ${address}, not on ${this.brokers[0]}`);
  }

  /** Stops the broker if it runs and deletes everything it had. */
  async remove(): Promise<void> {
    try {
      await run(kafkaLocalScript, ['stop'], 120_000, PrivateKafkaBroker.env(this.dir));
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Never the shared broker's settings: its own state directory, and ports of its own choosing. */
  private static env(dir: string): NodeJS.ProcessEnv {
    return { KAFKA_LOCAL_DIR: dir, KAFKA_PORT: '', KAFKA_CONTROLLER_PORT: '' };
  }

  private static async script(dir: string, command: string): Promise<string> {
    const { stdout, stderr } = await run(kafkaLocalScript, [command], 300_000, PrivateKafkaBroker.env(dir));
    const address = bootstrapAddress(stdout);
    if (!address) throw new Error(`scripts/kafka-local.sh ${command} printed no address:\n${stdout}\n${stderr}`);
    return address;
  }
}

/**
 * `describe` for suites that need a broker of their own (`PrivateKafkaBroker`): runs them when Java can start
 * one, skips them with the reason otherwise, and under `REQUIRE_INFRA=1` turns the skip into a failing test.
 */
export function describeWithPrivateKafka(name: string, body: () => void): void {
  const found = privateKafkaTarget();
  const has = 'has Java to start a Kafka broker of its own';
  describeWith(name, { missing: found.kind === 'none' ? found.reason : undefined, has }, body);
}
