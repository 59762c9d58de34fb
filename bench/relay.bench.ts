import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import { EventStore, LogPosition } from '@samverkan/eventstore';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { KafkaMessageBus } from '@samverkan/messaging';
import { AgencyRegistry } from '../apps/coordinator/src/agencies/agency-registry';
import { signDevToken } from '../apps/coordinator/src/auth/dev-keys';
import { startService } from '../apps/coordinator/src/bootstrap';
import { caseDecider } from '../apps/coordinator/src/cases/case.decider';
import { CaseState } from '../apps/coordinator/src/cases/case.model';
import { Relay } from '../apps/coordinator/src/relay/relay';
import { relayTopics } from '../apps/coordinator/src/relay/relay-messages';
import { caseIdOf } from '@samverkan/sealing';
import { share } from '../apps/coordinator/src/cases/case.disclosure';
// Dev tooling like the tests: the relay tests' story generator is the realistic log, so it is used, not copied.
import { caseStories } from '../apps/coordinator/src/cases/testing/case-stories';
import { openCases, serviceConfig } from './http-commands.bench';
import { acquireBroker } from './kafka-broker';
import { cpuMeter } from './load';
import { percentile } from './raw-append.bench';

export interface RelayBenchParameters {
  readonly throughput: {
    /** Events to write at least; the stories stop at the first round that reaches it. */
    readonly events: number;
    readonly cases: number;
    /** Story writers at once, each on its own cases (group commits make the log faster to build). */
    readonly writers: number;
    readonly batchSize: number;
    readonly partitions: number;
    /** Passes over the same log, not timed, before the timed one: a fresh broker's JVM compiles meanwhile. */
    readonly warmupPasses: number;
  };
  readonly lag: {
    readonly agencyId: string;
    readonly cases: number;
    readonly ratePerSecond: number;
    readonly warmupSeconds: number;
    readonly durationSeconds: number;
    readonly body: Readonly<Record<string, unknown>>;
    /** How long after the last response an event may still be seen before it counts as never seen. */
    readonly timeoutSeconds: number;
    readonly consumerMaxWaitMs: number;
  };
}

export type RelayBenchResult =
  | { readonly skipped: string }
  | {
      readonly broker: 'env' | 'local';
      /** Where the broker keeps its log: in memory or on disk (a broker of its own), or as KAFKA_BROKERS keeps it. */
      readonly brokerLog: string;
      readonly throughput: RelayThroughput;
      readonly lag: RelayLag;
    };

export interface RelayThroughput extends RelayPass {
  readonly log: { readonly events: number; readonly caseEvents: number; readonly cases: number; readonly writers: number; readonly seconds: number };
  /** Messages the sharing policy makes of the log (folded here, as the relay tests do), and per agency. */
  readonly messages: number;
  readonly messagesByAgency: Readonly<Record<string, number>>;
  /** Messages per case event. */
  readonly fanOut: number;
  readonly messagesPerSecond: number;
  readonly batchSize: number;
  /** The untimed passes before the timed one, each over the same log to topics of their own. */
  readonly warmup: readonly RelayPass[];
}

/** One relaying of the whole log; the timed one's figures are the phase's. */
export interface RelayPass {
  /** `Relay.start()`: topics created, producer initialised, position read back. Not in the rates. */
  readonly startSeconds: number;
  /** From `start()` resolving until the committed position was the log's head. */
  readonly relaySeconds: number;
  readonly firstBatchMs: number;
  readonly eventsPerSecond: number;
  /** Events per second with `start()` included. */
  readonly eventsPerSecondWithStart: number;
  /** Transactions committed, as seen by a waiter on the committed position (each commit wakes it). */
  readonly transactions: number;
  readonly meanEventsPerTransaction: number;
  /** Time between successive commits (the first from `start()` resolving): preparing a batch and its transaction. */
  readonly transactionMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /**
   * CPU time per event while it relayed (from `start()` resolving): the main thread's, where the relay runs
   * (its event-loop utilisation), and the whole process's (the garbage collector's helper threads included).
   * Steadier than the rate from one run to the next; the broker's is not in them.
   */
  readonly cpuUsPerEvent: { readonly mainThread: number; readonly process: number };
  readonly relayWarnings: string[];
}

export interface RelayLag {
  readonly measured: RelayLagRun;
  readonly warmup: RelayLagRun;
  /** From the service listening until the consumer had seen the first event of ours: the relay starting. */
  readonly relayReadySeconds: number;
  readonly openCasesSeconds: number;
}

/** What the lag worker is asked to do (see relay-lag.worker.ts). */
export interface RelayLagJob {
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly caseIds: readonly string[];
  readonly body: string;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly ratePerSecond: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly timeoutMs: number;
  readonly consumerMaxWaitMs: number;
}

export interface RelayLagRun {
  readonly sent: number;
  readonly ok: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Requests that got no response at all. */
  readonly errors: number;
  /** Requests sent per second, and the latest a request left after its due time (the loop is open). */
  readonly sentPerSecond: number;
  readonly maxSendDelayMs: number;
  /** Acknowledged events a `read_committed` consumer saw, and those it did not within the timeout. */
  readonly seen: number;
  readonly unseen: number;
  /** From the command's response to the consumer reading its event. */
  readonly lagMs: Percentiles;
  readonly responseMs: Percentiles;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const root = resolve(__dirname, '..');
const agenciesFile = join(root, 'config', 'agencies.yaml');

/**
 * The relay against a real broker (`KAFKA_BROKERS`, else one of its own from scripts/kafka-local.sh): its
 * throughput over a generated multi-agency log, then the lag of the running service from a command's
 * acknowledgement to its event being readable. Without a broker it reports why it skipped.
 */
export async function benchRelay(
  dir: string,
  p: RelayBenchParameters,
  progress: (text: string) => void,
  onInterrupt: (cleanUp: () => void) => void,
): Promise<RelayBenchResult> {
  const state = brokerStateDir(dir);
  onInterrupt(state.remove);
  const broker = await acquireBroker(state.path, progress, onInterrupt);
  if (broker.kind === 'none') {
    state.remove();
    return { skipped: broker.reason };
  }
  try {
    const started = broker.kind === 'env' ? 'KAFKA_BROKERS' : `started by scripts/kafka-local.sh for this run, its log ${state.where} (${state.path})`;
    progress(`broker ${broker.brokers.join(',')} (${started})`);
    const throughput = await benchThroughput(broker.brokers, join(dir, 'throughput'), p.throughput, progress);
    const { lag: l } = p;
    progress(
      `relay lag: the service relaying to ${relayTopics().events(l.agencyId)}; support at ${l.ratePerSecond}/s, ${l.warmupSeconds} s warm-up, then ${l.durationSeconds} s`,
    );
    const lag = await benchLag(broker.brokers, join(dir, 'service'), l);
    return { broker: broker.kind, brokerLog: broker.kind === 'env' ? 'as KAFKA_BROKERS keeps it' : state.where, throughput, lag };
  } finally {
    await broker.release();
    state.remove();
  }
}

/**
 * Where the broker this benchmark starts keeps its state: in memory (/dev/shm) where the machine has it, else
 * in `dir`; BENCH_KAFKA_ON_DISK=1 keeps it in `dir`. On this project's 2-core machines a broker on disk stalled
 * about 2 s in one pass of three, its request handler writing the commit markers into the new partitions'
 * memory-mapped indexes (the first writes to their pages: a thread dump and a JFR recording both found it
 * there), and the relay waited out each stall answered CONCURRENT_TRANSACTIONS. In memory no pass stalled (four
 * runs). That stall is the test broker's disk, not the relay, which is what the figure is for; a production
 * broker keeps long-lived partitions and writes to the page cache.
 */
function brokerStateDir(dir: string): { readonly path: string; readonly where: 'in memory' | 'on disk'; remove(): void } {
  const shm = '/dev/shm';
  let path = join(dir, 'kafka');
  let where: 'in memory' | 'on disk' = 'on disk';
  if (process.env.BENCH_KAFKA_ON_DISK !== '1' && existsSync(shm)) {
    try {
      path = mkdtempSync(join(shm, 'samverkan-bench-kafka-'));
      where = 'in memory';
    } catch {
      // not writable: on disk
    }
  }
  return { path, where, remove: () => rmSync(path, { recursive: true, force: true }) };
}

async function benchThroughput(
  brokers: string[],
  dir: string,
  p: RelayBenchParameters['throughput'],
  progress: (text: string) => void,
): Promise<RelayThroughput> {
  const registry = AgencyRegistry.fromFile(agenciesFile);
  const agencyIds = registry.all().map((agency) => agency.id);
  const store = new SqliteEventStore({ file: join(dir, 'events.db') });
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  // Deleting topics is no part of the service's message bus; the benchmark does it with the client itself.
  const admin = new Kafka({ clientId: 'samverkan-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  try {
    progress(
      `relay throughput: writing case stories of ${p.cases} cases until the log holds ${p.events.toLocaleString('en-US')} events (${p.writers} writers)`,
    );
    const log = await writeStories(store, registry, p);
    const { messages, caseEvents, byAgency } = await fanOut(store, new Set(agencyIds));
    progress(
      `relay throughput: ${log.events.toLocaleString('en-US')} events written in ${log.seconds.toFixed(1)} s; relaying them to ${prefix}.* (${messages.toLocaleString('en-US')} messages)`,
    );

    // A broker of a running system has long been warm; a fresh JVM spends the first passes compiling its code
    // paths (on this project's 2-core machine its JIT took as much CPU as its request handlers in the first
    // relay phase, and a later pass ran about a third faster). The timed pass follows untimed ones over the same log.
    const warmup: RelayPass[] = [];
    for (let pass = 1; pass <= p.warmupPasses; pass++) {
      progress(`relay throughput: warm-up pass ${pass} of ${p.warmupPasses} (not timed), to ${prefix}-w${pass}.*`);
      warmup.push(await relayPass(`${prefix}-w${pass}`, log));
    }
    const timed = await relayPass(prefix, log);
    return {
      log: { events: log.events, caseEvents, cases: log.cases, writers: p.writers, seconds: log.seconds },
      messages,
      messagesByAgency: Object.fromEntries([...byAgency].sort(([, a], [, b]) => b - a)),
      fanOut: messages / caseEvents,
      ...timed,
      messagesPerSecond: messages / timed.relaySeconds,
      batchSize: p.batchSize,
      warmup,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await store.close();
  }

  /** Relays the whole log to topics of `topicPrefix` (deleted afterwards), from a fresh transactional id. */
  async function relayPass(topicPrefix: string, log: { readonly events: number; readonly head: LogPosition | undefined }): Promise<RelayPass> {
    // A client of its own each pass: one that knew the topics of a pass deleted since fails to refresh its metadata.
    const bus = new KafkaMessageBus({ brokers, clientId: 'samverkan-bench' });
    const warnings: string[] = [];
    const relay = new Relay(store, bus, {
      agencyIds,
      topicPrefix,
      transactionalId: `${topicPrefix}-relay`,
      batchSize: p.batchSize,
      partitions: p.partitions,
      logger: { log: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    try {
      const starting = performance.now();
      await relay.start();
      const started = performance.now();
      const cpu = cpuMeter();
      const commits: number[] = [];
      let last: LogPosition | undefined;
      const timeout = setTimeout(() => void relay.stop(), 600_000);
      await relay.waitUntil((committed) => {
        if (committed && committed.position !== last) {
          last = committed.position;
          commits.push(performance.now());
        }
        return committed?.position === log.head;
      });
      const ended = performance.now();
      const cpuUsPerEvent = cpu.per(log.events);
      clearTimeout(timeout);
      if (relay.committed?.position !== log.head)
        throw new Error(
          `the relay stopped (${relay.state}) at ${JSON.stringify(relay.committed)} before the log's head ${log.head}: ${warnings.slice(-3).join('; ')}`,
        );
      const relaySeconds = (ended - started) / 1000;
      const gaps = commits.map((at, i) => at - (i === 0 ? started : commits[i - 1]));
      return {
        startSeconds: (started - starting) / 1000,
        relaySeconds,
        firstBatchMs: commits[0] - started,
        eventsPerSecond: log.events / relaySeconds,
        eventsPerSecondWithStart: log.events / ((ended - starting) / 1000),
        transactions: commits.length,
        meanEventsPerTransaction: log.events / commits.length,
        transactionMs: { p50: percentile(gaps, 0.5), p99: percentile(gaps, 0.99), max: gaps.reduce((a, b) => Math.max(a, b), 0) },
        cpuUsPerEvent,
        relayWarnings: warnings,
      };
    } finally {
      await relay.stop();
      await bus.close();
      const topics = relayTopics(topicPrefix);
      await admin
        .connect()
        .then(() => admin.deleteTopics({ topics: [...agencyIds.map(topics.events), topics.positions, topics.checkpoints] }))
        .catch(() => undefined);
    }
  }
}

/**
 * Generated case stories (real commands through the command path), several writers at once, each on its own
 * cases: first the cases are opened, then rounds of commands until the log holds `events`.
 */
async function writeStories(store: EventStore, registry: AgencyRegistry, p: RelayBenchParameters['throughput']) {
  const started = performance.now();
  const writers = Array.from({ length: p.writers }, (_, i) => caseStories(store, registry, i + 1));
  const casesEach = Math.ceil(p.cases / p.writers);
  await Promise.all(writers.map((writer) => writer.write(0, casesEach)));
  let events = 0;
  let head: LogPosition | undefined;
  const count = async () => {
    for await (const { position } of store.readAll({ after: head })) {
      events += 1;
      head = position;
    }
  };
  await count();
  while (events < p.events) {
    // A command makes about one event (some are refused, an acceptance makes two): aim a little short.
    const commands = Math.ceil((0.95 * (p.events - events)) / p.writers) + 1;
    await Promise.all(writers.map((writer) => writer.write(commands, 0)));
    await count();
  }
  return { events, head: head!, cases: casesEach * p.writers, seconds: (performance.now() - started) / 1000 };
}

/** The messages the sharing policy makes of the log, folded here: what the relay must publish. */
async function fanOut(store: EventStore, agencies: ReadonlySet<string>) {
  const states = new Map<string, CaseState>();
  const byAgency = new Map<string, number>();
  let caseEvents = 0;
  let messages = 0;
  for await (const { envelope } of store.readAll()) {
    const caseId = caseIdOf(envelope.stream);
    if (caseId === undefined) continue;
    caseEvents += 1;
    const before = states.get(caseId) ?? caseDecider.initialState();
    const after = caseDecider.evolve(before, caseDecider.upcast!(envelope));
    states.set(caseId, after);
    for (const { agencyId } of share(envelope, before, after)) {
      if (!agencies.has(agencyId)) continue;
      messages += 1;
      byAgency.set(agencyId, (byAgency.get(agencyId) ?? 0) + 1);
    }
  }
  return { messages, caseEvents, byAgency };
}

/**
 * The real service with KAFKA_BROKERS set, on a fresh data directory. Its topics have the default prefix, so on
 * a broker that already holds them the relay gets a transactional id of its own (a new relay, starting at the
 * beginning of this fresh log) and the consumer matches messages by event id, ignoring older ones.
 */
async function benchLag(brokers: string[], dataDir: string, p: RelayBenchParameters['lag']): Promise<RelayLag> {
  const storeEnv = { KAFKA_BROKERS: brokers.join(','), SAMVERKAN_RELAY_TRANSACTIONAL_ID: `samverkan-bench-relay-${randomUUID().slice(0, 8)}` };
  const config = { ...serviceConfig(dataDir, storeEnv), port: 0, host: '127.0.0.1' };
  const app = await startService(config, { logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    const listening = Date.now();
    const { port } = app.getHttpServer().address() as { port: number };
    const baseUrl = `http://127.0.0.1:${port}`;
    const token = await signDevToken(dataDir, p.agencyId, 'bench-officer', 900);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const opening = performance.now();
    const caseIds = await openCases(baseUrl, headers, p.cases);
    const openCasesSeconds = (performance.now() - opening) / 1000;
    const result = await runLagWorker({
      baseUrl,
      headers,
      caseIds,
      body: JSON.stringify(p.body),
      brokers,
      topic: relayTopics().events(p.agencyId),
      ratePerSecond: p.ratePerSecond,
      warmupSeconds: p.warmupSeconds,
      durationSeconds: p.durationSeconds,
      timeoutMs: p.timeoutSeconds * 1000,
      consumerMaxWaitMs: p.consumerMaxWaitMs,
    });
    const { measured, warmup, readyAt } = result;
    return { measured, warmup, relayReadySeconds: (readyAt - listening) / 1000, openCasesSeconds };
  } finally {
    await app.close();
  }
}

/** What the lag worker reports; `readyAt` (wall clock, ms) is when its consumer first saw an event of ours. */
export interface RelayLagWorkerResult {
  readonly measured: RelayLagRun;
  readonly warmup: RelayLagRun;
  readonly readyAt: number;
}

/** The client and the consumer in a worker thread (as load.ts runs autocannon), off the service's event loop. */
function runLagWorker(job: RelayLagJob): Promise<RelayLagWorkerResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(join(root, 'scripts', 'run-ts.js'), { argv: [join(__dirname, 'relay-lag.worker.ts')], workerData: job });
    let result: RelayLagWorkerResult | undefined;
    worker.once('message', (message: RelayLagWorkerResult) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolvePromise(result);
      else reject(new Error(`the relay lag worker exited with code ${code} before reporting a result`));
    });
  });
}
