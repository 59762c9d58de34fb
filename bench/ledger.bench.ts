import { execFile } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LogFollower, LogPosition } from '@samverkan/eventstore';
import { eventLeafHash, fromHex, openCheckpoint, parseVerifierKey, verifyInclusion } from '@samverkan/ledger';
import { signDevToken } from '../apps/coordinator/src/auth/dev-keys';
import { bundleAudit } from '../apps/audit/bundle';
import { startService as startTheService } from '../apps/coordinator/src/bootstrap';
import { CASE_INDEX, CaseIndex } from '../apps/coordinator/src/case-index/case-index';
import { ProjectorRole } from '../apps/coordinator/src/leases/projector.role';
import { LedgerService } from '../apps/coordinator/src/ledger/ledger.service';
import { ChildProtectionProcess } from '../apps/coordinator/src/process-managers/child-protection.process';
import { CaseIndexProjector } from '../apps/coordinator/src/case-index/case-index.projector';
import { buildCaseLog, CaseLog, CaseLogParameters } from './case-log';
import { runClient } from './http-client';
import { percentile } from './raw-append.bench';
import { serviceConfig } from './http-commands.bench';

export interface LedgerBenchParameters {
  readonly log: Omit<CaseLogParameters, 'sampleIds' | 'progress'>;
  /** Timed inclusion-proof requests, sequential over one keep-alive connection, after `proofWarmup` untimed ones. */
  readonly proofRequests: number;
  readonly proofWarmup: number;
  readonly auditor: string;
}

export interface LedgerBenchResult {
  readonly log: Omit<CaseLog, 'sampleIds' | 'lastEventId'> & { readonly storeBytes: number };
  readonly ingest: {
    readonly events: number;
    /** From starting the service until its ledger held every event as a leaf. */
    readonly seconds: number;
    readonly eventsPerSecond: number;
    /** When the case index (which follows the same log, in the same process) had every event. */
    readonly caseIndexSeconds: number;
    /** When `app.listen` resolved: the service answers HTTP only from then on. */
    readonly listeningSeconds: number;
    readonly ledgerBytes: number;
    /** Resident memory of this process (benchmark and service) when the ledger was done, and once the service was idle. */
    readonly rssMiB: { readonly ledgerDone: number; readonly idle: number };
  };
  readonly checkpoint: { readonly size: number; readonly signMs: number };
  readonly proofs: {
    readonly requests: number;
    readonly statusCodes: Readonly<Record<string, number>>;
    readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
    readonly proofHashes: number;
  };
  readonly export: {
    readonly events: number;
    readonly bytes: number;
    readonly seconds: number;
    readonly eventsPerSecond: number;
    readonly megabytesPerSecond: number;
  };
  readonly verify: { readonly events: number; readonly seconds: number; readonly eventsPerSecond: number; readonly exitCode: number; readonly summary: string };
}

const root = resolve(__dirname, '..');

/**
 * The ledger at scale, on one log built once:
 *   1. a log of realistic case events written straight into an embedded store (fast, no HTTP),
 *   2. the real service started on that data directory: its ledger ingests the whole log (as it would after
 *      an upgrade or with a lost ledger.db), while the case index, in the same process, does the same,
 *   3. a checkpoint signed (POST /ledger/checkpoint), then inclusion proofs of random events in the tree of
 *      that checkpoint's size, served over HTTP to an auditor, one at a time,
 *   4. the whole log exported (GET /ledger/export) to a file, and
 *   5. `samverkan-audit verify-log` run over that export with the genuine checkpoint and key, as a child process.
 */
export async function benchLedger(dataDir: string, p: LedgerBenchParameters, progress: (text: string) => void): Promise<LedgerBenchResult> {
  const sampleIds = p.proofWarmup + p.proofRequests;
  const built = await buildCaseLog(join(dataDir, 'events.db'), { ...p.log, sampleIds, progress });
  const total = built.events;
  const storeBytes = fileBytes(join(dataDir, 'events.db'));
  // Positions are opaque, so only equality tells: nothing is appended after the log is built (its adult victims
  // give the process managers nothing to do), so each follower's last batch ends at the log's last event.
  const atLastEvent = (position: LogPosition | undefined) => position === built.lastPosition;
  progress(
    `log built: ${total.toLocaleString('en-US')} events in ${built.seconds.toFixed(1)} s (${Math.round(built.eventsPerSecond).toLocaleString('en-US')}/s), ${(storeBytes / 2 ** 20).toFixed(0)} MiB`,
  );

  const config = { ...serviceConfig(dataDir), port: 0, host: '127.0.0.1' };
  progress(`starting the service on it; its ledger ingests all ${total.toLocaleString('en-US')} events`);
  // Timed from before the service starts: on the follower thread (the default) the followers start reading
  // the log as soon as the thread's application is up, before the API's is built.
  const starting = performance.now();
  const app = await startTheService(config, { logger: false });
  let closed = false;
  try {
    const ledger = app.get(LedgerService);
    const index = app.get(CaseIndex);
    let rssAtLedgerDone = 0;
    const ledgerDone = ledger.reader.leafOf(built.lastEventId, 30 * 60_000).then(() => {
      rssAtLedgerDone = process.memoryUsage.rss();
      return performance.now();
    });
    // On the follower thread the followers' positions are read as the API reads the index. On the API's thread
    // they read the log in microtasks and may keep timers from firing until they are done, so completion is
    // observed through their own wake-ups there, not by polling.
    const followerDone = async (name: string, follower: () => LogFollower) => {
      if (config.followerThread) return pollUntil(async () => atLastEvent(await index.position(name)));
      // A follower that is not running yet counts as done: asked once its role holds the lease.
      await pollUntil(async () => app.get(ProjectorRole).state === 'active');
      await follower().waitUntil(atLastEvent);
      return performance.now();
    };
    const indexDone = followerDone(CASE_INDEX, () => app.get(CaseIndexProjector).logFollower);
    await app.listen(0, '127.0.0.1');
    const listeningSeconds = (performance.now() - starting) / 1000;
    const ingestSeconds = ((await ledgerDone) - starting) / 1000;
    const size = await ledger.reader.size();
    if (size !== total) throw new Error(`the ledger holds ${size} leaves; the log has ${total} events`);
    progress(
      `ledger ingested ${total.toLocaleString('en-US')} events in ${ingestSeconds.toFixed(1)} s (${Math.round(total / ingestSeconds).toLocaleString('en-US')}/s)`,
    );

    // Proofs are timed on a quiet service: the case index and the child-protection process must be done
    // reading the log too.
    const caseIndexSeconds = ((await indexDone) - starting) / 1000;
    const rssWhenIdle = process.memoryUsage.rss();
    await followerDone('child-protection', () => app.get(ChildProtectionProcess).logFollower);
    progress(`case index caught up after ${caseIndexSeconds.toFixed(1)} s, the service is idle`);

    const { port } = app.getHttpServer().address() as { port: number };
    const baseUrl = `http://127.0.0.1:${port}`;
    const token = await signDevToken(dataDir, p.auditor, 'bench-auditor', 3600);
    const signing = performance.now();
    const signed = await fetch(`${baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const note = await signed.text();
    const signMs = performance.now() - signing;
    if (signed.status !== 200) throw new Error(`POST /ledger/checkpoint answered ${signed.status}: ${note}`);
    const key = await (await fetch(`${baseUrl}/ledger/key`)).text();
    const { checkpoint } = openCheckpoint(note, parseVerifierKey(key.trim()));
    if (checkpoint.size !== total) throw new Error(`the checkpoint signed a tree of ${checkpoint.size} leaves, not ${total}`);

    progress(
      `${p.proofRequests} inclusion proofs of random events in the tree of ${total.toLocaleString('en-US')}, one at a time (after ${p.proofWarmup} untimed)`,
    );
    const gets = await runClient({
      kind: 'gets',
      baseUrl,
      token,
      paths: built.sampleIds.map((id) => `/ledger/proofs/inclusion?eventId=${id}&treeSize=${checkpoint.size}`),
      warmup: p.proofWarmup,
      keepBodies: 1,
    });
    const ok = gets.statusCodes['200'] ?? 0;
    if (ok !== p.proofRequests)
      throw new Error(`of ${p.proofRequests} proof requests ${ok} answered 200 (${JSON.stringify(gets.statusCodes)}): ${gets.bodies.slice(1).join(' | ')}`);
    // One proof checked against the signed root, so the benchmark times real proofs.
    const sample = JSON.parse(gets.bodies[0]) as { leafIndex: number; treeSize: number; eventHash: string; proof: string[]; root: string };
    verifyInclusion(
      eventLeafHash(sample.eventHash),
      sample.leafIndex,
      sample.treeSize,
      sample.proof.map((h, i) => fromHex(h, `proof[${i}]`)),
      checkpoint.root,
    );
    const lat = gets.latenciesMs;

    const exportFile = join(dataDir, 'export.ndjson');
    progress(`exporting the log (GET /ledger/export?size=${total})`);
    const exported = await runClient({ kind: 'download', url: `${baseUrl}/ledger/export?size=${total}`, token, file: exportFile });
    if (exported.status !== 200) throw new Error(`GET /ledger/export answered ${exported.status}: ${exported.error}`);
    if (exported.lines !== total) throw new Error(`the export holds ${exported.lines} lines; the log has ${total} events`);
    progress(
      `exported ${(exported.bytes / 2 ** 20).toFixed(0)} MiB in ${exported.seconds.toFixed(1)} s (${Math.round(total / exported.seconds).toLocaleString('en-US')} events/s)`,
    );
    const ledgerBytes = fileBytes(join(dataDir, 'ledger.db'));

    closed = true;
    await app.close(); // the verifier runs alone on the machine

    const keyFile = join(dataDir, 'ledger.vkey');
    const checkpointFile = join(dataDir, 'checkpoint.txt');
    writeFileSync(keyFile, key);
    writeFileSync(checkpointFile, note);
    progress(`samverkan-audit verify-log over the export (${total.toLocaleString('en-US')} events)`);
    // The verifier as the package an auditor installs holds it: one compiled file (built here, not timed).
    const cli = join(dataDir, 'samverkan-audit.js');
    bundleAudit(cli);
    const verify = await verifyLog(cli, exportFile, keyFile, checkpointFile);
    rmSync(exportFile, { force: true });
    if (verify.exitCode !== 0) throw new Error(`samverkan-audit verify-log exited with ${verify.exitCode}:\n${verify.output}`);
    progress(`verified in ${verify.seconds.toFixed(1)} s: ${verify.summary}`);

    const { sampleIds: _ids, lastEventId: _last, ...log } = built;
    return {
      log: { ...log, storeBytes },
      ingest: {
        events: total,
        seconds: ingestSeconds,
        eventsPerSecond: total / ingestSeconds,
        caseIndexSeconds,
        listeningSeconds,
        ledgerBytes,
        rssMiB: { ledgerDone: mib(rssAtLedgerDone), idle: mib(rssWhenIdle) },
      },
      checkpoint: { size: checkpoint.size, signMs },
      proofs: {
        requests: lat.length,
        statusCodes: gets.statusCodes,
        latencyMs: {
          p50: percentile(lat, 0.5),
          p90: percentile(lat, 0.9),
          p99: percentile(lat, 0.99),
          max: Math.max(...lat),
          mean: lat.reduce((a, b) => a + b, 0) / lat.length,
        },
        proofHashes: sample.proof.length,
      },
      export: {
        events: exported.lines,
        bytes: exported.bytes,
        seconds: exported.seconds,
        eventsPerSecond: exported.lines / exported.seconds,
        megabytesPerSecond: exported.bytes / 2 ** 20 / exported.seconds,
      },
      verify: { events: total, seconds: verify.seconds, eventsPerSecond: total / verify.seconds, exitCode: verify.exitCode, summary: verify.summary },
    };
  } finally {
    if (!closed) await app.close();
  }
}

/** Runs the audit CLI as an auditor would, timing the whole process (start-up included). */
function verifyLog(
  cli: string,
  exportFile: string,
  keyFile: string,
  checkpointFile: string,
): Promise<{ exitCode: number; seconds: number; output: string; summary: string }> {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    execFile(
      process.execPath,
      [cli, 'verify-log', exportFile, '--key', keyFile, '--checkpoint', checkpointFile],
      { cwd: root, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const output = `${stdout}${stderr}`;
        const summary = stdout.trim().split('\n').pop() ?? '';
        resolvePromise({ exitCode, seconds, output, summary });
      },
    );
  });
}

/** The process manager's log follower (a private field): the benchmark waits for it to finish reading the log. */
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

function fileBytes(file: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += statSync(`${file}${suffix}`).size;
    } catch {
      // no WAL
    }
  }
  return bytes;
}

/** Resolves with the time (performance.now()) at which `done` first held, asked every 20 ms. */
async function pollUntil(done: () => Promise<boolean>): Promise<number> {
  while (!(await done())) await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
  return performance.now();
}
