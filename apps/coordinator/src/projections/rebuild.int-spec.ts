/**
 * `npm run projections:rebuild` as an operator runs it, in a process of its own, against the configured store
 * and index: stopped dead with SIGKILL in the middle, twice, and run again, it leaves the index exactly as a
 * rebuild in one go does.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { caseStories } from '../cases/testing/case-stories';
import { AppConfig, loadConfig } from '../config/app-config';
import { openEventStore } from '../config/event-store.provider';
import { CaseIndex } from '../case-index/case-index';
import { openCaseIndex } from '../case-index/open-case-index';
import { registry, snapshotOf } from '../case-index/testing/case-index-contract';
import { rebuildCaseIndex } from './rebuild';

jest.setTimeout(120_000);

const repoRoot = resolve(__dirname, '../../../..');

/** The rebuild in its own process, as `npm run projections:rebuild` starts it. */
class RebuildProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly progressSeen: Promise<void>;

  constructor(env: NodeJS.ProcessEnv, args: string[]) {
    this.child = spawn(process.execPath, ['scripts/run-ts.js', 'apps/coordinator/src/projections/rebuild.cli.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.progressSeen = new Promise((resolve) => {
      this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        this.stderr += chunk;
        // Not a terminal: a progress line, the first one after the first batch is folded.
        if (/^[\d,]+\/[\d,]+ events \(\d+%\)/m.test(this.stderr)) resolve();
      });
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Freezes the process once it reports progress, so that it is caught in the middle. */
  async pauseAtFirstProgress(): Promise<void> {
    await Promise.race([this.progressSeen, this.exited.then(() => Promise.reject(new Error(`the rebuild ended before any progress:\n${this.stderr}`)))]);
    this.child.kill('SIGSTOP');
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    expect(await this.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }
}

function describeRebuild(name: string, setting: () => Promise<{ env: NodeJS.ProcessEnv; cleanup(): Promise<void> }>, fresh: () => Promise<CaseIndex>) {
  describe(name, () => {
    let env: NodeJS.ProcessEnv;
    let config: AppConfig;
    let cleanup: () => Promise<void>;
    let logSize: number;

    beforeAll(async () => {
      ({ env, cleanup } = await setting());
      config = loadConfig(env);
      const store = await openEventStore(config);
      try {
        await caseStories(store, registry, 5).write(500, 40);
        logSize = (await collect(store.readAll())).length;
      } finally {
        await store.close();
      }
    });

    afterAll(() => cleanup?.());

    it('resumes after SIGKILL where it stopped, and ends with the index a rebuild in one go gives', async () => {
      // What another log left in the index, for --from-scratch to clear.
      const index = await openCaseIndex(config);
      const stale = mkdtempSync(join(tmpdir(), 'samverkan-other-log-'));
      const otherStore = await openEventStore({ ...config, eventStore: 'sqlite', dataDir: stale });
      await caseStories(otherStore, registry, 99).write(20, 5);
      await index.projectBatch(await collect(otherStore.readAll()));
      await otherStore.close();
      rmSync(stale, { recursive: true, force: true });

      const positions: Array<string | undefined> = [];
      for (const args of [
        ['--from-scratch', '--batch-size', '5'],
        ['--batch-size', '5'],
      ]) {
        const run = new RebuildProcess(env, args);
        await run.pauseAtFirstProgress();
        positions.push(await index.position());
        await run.kill();
      }
      const last = new RebuildProcess(env, []);
      expect(await last.exited).toEqual({ code: 0, signal: null });

      // Each killed run got somewhere and stopped short of the end; the last went on from where they left off.
      const store = await openEventStore(config);
      const log = await collect(store.readAll());
      const eventsUpTo = (position: string | undefined) => log.findIndex((e) => e.position === position) + 1;
      const [first, second] = positions.map(eventsUpTo);
      expect(first).toBeGreaterThan(0);
      expect(second).toBeGreaterThan(first);
      expect(second).toBeLessThan(logSize);
      const resumed = eventsUpTo(/resuming after position (\S+)/.exec(last.stderr)?.[1]);
      expect(resumed).toBeGreaterThanOrEqual(second);
      expect(last.stdout).toContain(`rebuilt the case index: ${(logSize - resumed).toLocaleString('en-US')} events`);

      const reference = await fresh();
      expect(await rebuildCaseIndex(store, reference, { fromScratch: true })).toMatchObject({ events: logSize, complete: true });
      expect(await snapshotOf(index)).toEqual(await snapshotOf(reference));
      await Promise.all([index.close(), reference.close(), store.close()]);
    });

    it('stops after the batch under way when asked to, and goes on from there in the next run', async () => {
      const store = await openEventStore(config);
      const index = await fresh();
      const stop = new AbortController();
      const first = await rebuildCaseIndex(store, index, {
        fromScratch: true,
        batchSize: 50,
        signal: stop.signal,
        onProgress: (done) => done >= 100 && stop.abort(),
      });
      expect(first).toMatchObject({ events: 100, total: logSize, complete: false });
      const second = await rebuildCaseIndex(store, index, { batchSize: 50 });
      expect(second).toMatchObject({ events: logSize - 100, total: logSize - 100, complete: true });
      const reference = await fresh();
      await rebuildCaseIndex(store, reference);
      expect(await snapshotOf(index)).toEqual(await snapshotOf(reference));
      await Promise.all([index.close(), reference.close(), store.close()]);
    });
  });
}

describe('rebuilding the case index', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'samverkan-rebuild-'));
    dirs.push(dir);
    return dir;
  };

  describeRebuild(
    'on the embedded default (SQLite store and index)',
    async () => ({ env: { EVENT_STORE: 'sqlite', DATABASE_URL: '', SAMVERKAN_DATA_DIR: tempDir() }, cleanup: async () => undefined }),
    async () => openCaseIndex(loadConfig({ SAMVERKAN_DATA_DIR: tempDir() })),
  );

  describeWithPostgres('on PostgreSQL (store and index)', () => {
    const schemas: string[] = [];
    afterAll(() => dropSchemas(schemas));
    const schema = () => {
      const name = freshSchemaName();
      schemas.push(name);
      return name;
    };
    describeRebuild(
      'with DATABASE_URL set',
      async () => ({
        env: { EVENT_STORE: 'postgres', DATABASE_URL: postgresUrl, SAMVERKAN_DATABASE_SCHEMA: schema(), SAMVERKAN_DATA_DIR: tempDir() },
        cleanup: async () => undefined,
      }),
      async () => openCaseIndex(loadConfig({ DATABASE_URL: postgresUrl, SAMVERKAN_DATABASE_SCHEMA: schema() })),
    );
  });
});
