/**
 * The relay's process killed with SIGKILL in the middle of a burst of 5,000 events, twice, and started again:
 * whatever transaction it had open is aborted when the next relay takes over its transactional id, and the
 * next relay resumes from the position committed with the last transaction that did commit. A
 * `read_committed` consumer of each agency topic then sees every granted event exactly once.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { AgencyRegistry } from '../agencies/agency-registry';
import { RelayPosition, relayTopics } from './relay-messages';
import { describeWithKafka, kafkaBroker, repoRoot } from '../../../../test/kafka/kafka-broker';
import { caseStories } from '../cases/testing/case-stories';
import { expectExactlyGranted, logHead } from './testing/relay-expectations';

jest.setTimeout(300_000);

/** A relay in its own process, and the positions it reports committing. */
class RelayProcess {
  readonly committed: RelayPosition[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly process: ChildProcess;
  private readonly listeners = new Set<() => void>();
  private stderr = '';
  startedAt: RelayPosition | null | undefined;

  constructor(file: string, brokers: string[], prefix: string, batchSize: number) {
    this.process = spawn(
      process.execPath,
      [join(repoRoot, 'scripts/run-ts.js'), 'apps/coordinator/src/relay/testing/relay-process.ts', file, brokers.join(','), prefix, String(batchSize)],
      {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let partial = '';
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const report = JSON.parse(line) as { started?: RelayPosition | null; committed?: RelayPosition };
        if ('started' in report) this.startedAt = report.started;
        if (report.committed) this.committed.push(report.committed);
      }
      for (const listener of [...this.listeners]) listener();
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get last(): RelayPosition | undefined {
    return this.committed[this.committed.length - 1];
  }

  /** Resolves once a report satisfies `reached`; fails if the process exits first. */
  async until(reached: () => boolean, what: string): Promise<void> {
    const done = new Promise<void>((resolve) => {
      const check = () => {
        if (!reached()) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
      check();
    });
    const died = this.exited.then(({ code, signal }) => {
      throw new Error(`the relay process exited (${code ?? signal}) before ${what}: ${this.stderr}`);
    });
    await Promise.race([done, died]);
  }

  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    expect((await this.exited).signal).toBe('SIGKILL');
  }

  /** For cleanup after a failure: leaves no process running. */
  stop(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

describeWithKafka('the relay killed with SIGKILL', () => {
  const registry = AgencyRegistry.fromFile(join(repoRoot, 'config/agencies.yaml'));
  const agencyIds = registry.all().map((a) => a.id);
  const prefix = `relaykill-${randomUUID().slice(0, 8)}`;
  const processes: RelayProcess[] = [];
  let brokers: string[];
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  let store: SqliteEventStore;

  beforeAll(async () => {
    brokers = (await kafkaBroker()).brokers;
    kafka = new Kafka({ clientId: 'relay-kill-test', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    dir = mkdtempSync(join(tmpdir(), 'samverkan-relay-kill-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  }, 300_000);

  afterAll(async () => {
    for (const p of processes) p.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (!admin) return;
    const topics = relayTopics(prefix);
    await admin.deleteTopics({ topics: [...agencyIds.map(topics.events), topics.positions, topics.checkpoints] }).catch(() => undefined);
    await admin.disconnect();
  });

  const startRelay = () => {
    const relay = new RelayProcess(join(dir, 'events.db'), brokers, prefix, 50);
    processes.push(relay);
    return relay;
  };

  it('publishes each granted event exactly once after being killed mid-burst of 5,000 events and restarted', async () => {
    const burst = 5_000;
    const stories = caseStories(store, registry, 7);
    // The writer pauses at a third and at two thirds of the burst until the relay has been killed there, so
    // each kill lands while events are still coming and the relay has a backlog to publish.
    const kills = [burst / 3, (2 * burst) / 3].map((pauseAt) => {
      let killed!: () => void;
      const done = new Promise<void>((resolve) => (killed = resolve));
      return { pauseAt, done, killed };
    });
    let written = 0;
    const writeBurst = (async () => {
      await stories.write(0, 40);
      for (const kill of kills) {
        while ((written = (await logHead(store)).index + 1) < kill.pauseAt) await stories.write(50, 1);
        await kill.done;
      }
      // A command the decider refuses writes nothing: keep going until the whole burst is in the log.
      while ((written = (await logHead(store)).index + 1) < burst) await stories.write(50, 1);
    })();

    for (const [n, kill] of kills.entries()) {
      const threshold = ((n + 1) * burst) / 5;
      const relay = startRelay();
      await relay.until(() => (relay.last?.index ?? -1) >= threshold, `committing past ledger index ${threshold}`);
      await relay.kill();
      expect(written).toBeLessThan(burst);
      kill.killed();
    }

    await writeBurst;
    const last = startRelay();
    const end = await logHead(store);
    expect(end.index + 1).toBeGreaterThanOrEqual(burst);
    await last.until(() => last.last?.position === end.position, 'catching up with the log');
    // each restarted relay resumed from what the killed one had committed, at the latest
    for (let i = 1; i < processes.length; i++) {
      expect(processes[i].startedAt?.index).toBeGreaterThanOrEqual(processes[i - 1].last!.index);
    }

    const { deliveries } = await expectExactlyGranted(kafka, store, prefix, agencyIds);
    expect(deliveries).toBeGreaterThan(burst);
  });
});
