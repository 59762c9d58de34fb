/**
 * `npm run bench`: in one process, on this machine,
 *   1. HTTP commands against the real service on the embedded SQLite store,
 *   2. a bare Nest + Fastify POST with the same validation, for comparison,
 *   3. sealed appends straight to the store, no HTTP, alone and while the service's ledger follows the log,
 *   4. replaying a 10,000-event case (read, parse, fold),
 *   5. the ledger at scale on a 1,000,000-event log: the service's ledger ingesting it, inclusion proofs
 *      served over HTTP, the export, and samverkan-audit verify-log over that export,
 * then prints a table and writes bench/results/latest.json plus a dated copy.
 * `npm run bench -- --quick` shortens every phase, to check that the benchmark itself works.
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { benchAppendWithLedger } from './append-with-ledger.bench';
import { benchBarePost } from './bare-post.bench';
import { benchHttpCommands } from './http-commands.bench';
import { benchLedger } from './ledger.bench';
import { LoadResult } from './load';
import { benchRawAppend } from './raw-append.bench';
import { benchReplay } from './replay.bench';
import { formatTable, machineInfo, Row, writeResults } from './report';

const quick = process.argv.includes('--quick');
const supportBody = { kind: 'shelter', providedOn: '2026-01-15' };
const ledgerCases = quick ? 50 : 1000;

const parameters = {
  quick,
  http: {
    connections: 50,
    warmupSeconds: quick ? 1 : 3,
    durationSeconds: quick ? 2 : 10,
    loadGenerator: 'autocannon in a worker thread of this process, in chunks of a fixed number of requests sized to fill the duration, so that no request is abandoned in flight',
  },
  commands: {
    cases: quick ? 50 : 500,
    agencyId: 'polisen-malmo',
    subject: 'adult victim (no automatic referral)',
    route: 'POST /cases/:id/support, case id drawn at random per request',
    body: supportBody,
  },
  barePost: { route: 'POST /items/:id/support', body: supportBody, validation: 'ValidationPipe whitelist + forbidNonWhitelisted + transform' },
  rawAppend: { writers: 50, durationSeconds: quick ? 1 : 5, eventsPerAppend: 1, serialWriterSeconds: quick ? 1 : 2 },
  appendWithLedger: { writers: 50, durationSeconds: quick ? 1 : 5, eventsPerAppend: 1, checkpointIntervalMs: 1000 },
  replay: { events: quick ? 2_000 : 10_000, runs: 5, buildBatch: 500 },
  ledger: {
    log: { cases: ledgerCases, eventsPerCase: 1000, eventsPerAppend: 100 },
    events: ledgerCases * 1000,
    proofRequests: quick ? 500 : 2000,
    proofWarmup: 100,
    proofRoute: 'GET /ledger/proofs/inclusion?eventId=<random event>&treeSize=<checkpoint size>, sequential, one keep-alive connection, client in a worker thread',
    auditor: 'internrevisionen',
    verifier: 'node apps/audit/bin/samverkan-audit.js verify-log <export> --key <key file> --checkpoint <checkpoint file>, wall time of the child process',
  },
};

/**
 * Disk the ledger phase needs at most, per event of its log: the store (~1.2 kB with its indexes), the
 * ledger's file (~0.3 kB), the case index with the agencies' feeds (~0.7 kB), and the export (~0.8 kB), with
 * room to spare.
 */
const LEDGER_BYTES_PER_EVENT = 4_000;

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function main(): Promise<void> {
  const date = new Date();
  const started = performance.now();
  const loadAtStart = loadavg();
  const needed = parameters.ledger.events * LEDGER_BYTES_PER_EVENT;
  const free = freeBytes(tmpdir());
  if (free < needed) {
    throw new Error(`the ledger phase needs about ${gib(needed)} GiB in ${tmpdir()}; ${gib(free)} GiB are free (set TMPDIR to a larger disk)`);
  }
  progress(`${gib(free)} GiB free in ${tmpdir()}; the ledger phase needs about ${gib(needed)} GiB`);
  const workDir = mkdtempSync(join(tmpdir(), 'samverkan-bench-'));
  const cleanUp = () => rmSync(workDir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });

  const { http } = parameters;
  let results;
  try {
    progress(`opening ${parameters.commands.cases} cases, then support commands at ${http.connections} connections: ${http.warmupSeconds} s warm-up, then about ${http.durationSeconds} s`);
    const commands = await benchHttpCommands(join(workDir, 'service'), { ...parameters.commands, ...http });

    progress(`bare Nest + Fastify POST at ${http.connections} connections: ${http.warmupSeconds} s warm-up, then about ${http.durationSeconds} s`);
    const bare = await benchBarePost({ ...http, body: supportBody });

    const { rawAppend } = parameters;
    progress(`raw sealed appends: ${rawAppend.writers} writers for ${rawAppend.durationSeconds} s, then 1 writer for ${rawAppend.serialWriterSeconds} s`);
    const raw = await benchRawAppend(join(workDir, 'raw', 'events.db'), rawAppend);
    const serial = await benchRawAppend(join(workDir, 'raw-serial', 'events.db'), { writers: 1, durationSeconds: rawAppend.serialWriterSeconds });

    const { appendWithLedger } = parameters;
    progress(`sealed appends while the ledger follows: ${appendWithLedger.writers} writers for ${appendWithLedger.durationSeconds} s, then until the ledger has them all`);
    const withLedger = await benchAppendWithLedger(join(workDir, 'append-with-ledger'), appendWithLedger);

    progress(`replay: building a ${parameters.replay.events}-event case, then ${parameters.replay.runs} timed replays`);
    const replay = await benchReplay(join(workDir, 'replay', 'events.db'), parameters.replay);

    const { ledger: ledgerParameters } = parameters;
    progress(`ledger at scale: building a ${ledgerParameters.events.toLocaleString('en-US')}-event log (${ledgerParameters.log.cases} cases)`);
    const ledgerDir = join(workDir, 'ledger');
    const ledger = await benchLedger(ledgerDir, ledgerParameters, progress);
    rmSync(ledgerDir, { recursive: true, force: true });

    results = { commands, bare, raw, serial, withLedger, replay, ledger };
  } finally {
    cleanUp();
  }

  const { commands, bare, raw, serial, withLedger, replay, ledger } = results;
  const events = ledger.log.events.toLocaleString('en-US');
  const rows: Row[] = [
    { key: 'commands_per_s', value: commands.load.okPerSecond, unit: '/s', note: `2xx only, ${loadNote(commands.load)}` },
    { key: 'command_p50_ms', value: commands.load.latencyMs.p50, unit: 'ms' },
    { key: 'command_p99_ms', value: commands.load.latencyMs.p99, unit: 'ms' },
    { key: 'command_non2xx', value: commands.load.non2xx, unit: '', note: statusNote(commands.load.statusCodes) },
    { key: 'command_errors', value: commands.load.errors + commands.load.timeouts, unit: '', note: 'no response (connection errors, timeouts)' },
    { key: 'projection_catchup_ms', value: commands.projectionCatchUpMs, unit: 'ms', note: 'from the last response until the case index had the last event' },
    { key: 'bare_post_per_s', value: bare.load.okPerSecond, unit: '/s', note: `no store, no auth; ${loadNote(bare.load)}` },
    { key: 'bare_post_p50_ms', value: bare.load.latencyMs.p50, unit: 'ms' },
    { key: 'bare_post_p99_ms', value: bare.load.latencyMs.p99, unit: 'ms' },
    { key: 'raw_append_per_s', value: raw.eventsPerSecond, unit: '/s', note: `${raw.writers} writers, 1 sealed event per append, own streams` },
    {
      key: 'append_with_ledger_per_s',
      value: withLedger.eventsPerSecond,
      unit: '/s',
      note: `as raw_append while the ledger follows and seals each as a leaf; until the ledger had all ${withLedger.events}; appends alone ${Math.round(withLedger.appendsPerSecond)}/s, p99 ${withLedger.appendMs.p99.toFixed(1)} ms`,
    },
    { key: 'append_with_ledger_lag_ms', value: withLedger.ledgerLagMs, unit: 'ms', note: `from the last append until the ledger had it; ${withLedger.checkpoints} checkpoint${withLedger.checkpoints === 1 ? '' : 's'} signed` },
    { key: 'raw_append_p50_ms', value: raw.appendMs.p50, unit: 'ms' },
    { key: 'raw_append_p99_ms', value: raw.appendMs.p99, unit: 'ms' },
    { key: 'raw_append_serial_per_s', value: serial.eventsPerSecond, unit: '/s', note: `1 writer: one commit (fsync) per event, p50 ${serial.appendMs.p50.toFixed(2)} ms` },
    { key: 'replay_events_per_s', value: replay.eventsPerSecond, unit: '/s', note: `${replay.events} events read, parsed and folded; best of ${parameters.replay.runs}` },
    { key: 'replay_ms', value: replay.bestMs, unit: 'ms', note: `median ${replay.medianMs.toFixed(1)} ms` },
    { key: 'replay_read_only_events_per_s', value: replay.readOnlyEventsPerSecond, unit: '/s', note: 'readStream + JSON parse, no fold' },
    { key: 'replay_fold_only_events_per_s', value: replay.foldOnlyEventsPerSecond, unit: '/s', note: 'caseDecider.evolve over envelopes in memory' },
    {
      key: 'ledger_ingest_events_per_s',
      value: ledger.ingest.eventsPerSecond,
      unit: '/s',
      note: `service started on a ${events}-event log until its ledger had all (${ledger.ingest.seconds.toFixed(1)} s); case index done after ${ledger.ingest.caseIndexSeconds.toFixed(1)} s, HTTP listening after ${ledger.ingest.listeningSeconds.toFixed(1)} s`,
    },
    {
      key: 'inclusion_proof_ms',
      value: ledger.proofs.latencyMs.p99,
      unit: 'ms',
      note: `p99 of ${ledger.proofs.requests} sequential GET /ledger/proofs/inclusion, random events, tree of ${events}; p90 ${ledger.proofs.latencyMs.p90.toFixed(2)}, max ${ledger.proofs.latencyMs.max.toFixed(1)} ms`,
    },
    { key: 'inclusion_proof_p50_ms', value: ledger.proofs.latencyMs.p50, unit: 'ms', note: `${ledger.proofs.proofHashes} hashes a proof; as ${parameters.ledger.auditor}` },
    {
      key: 'export_events_per_s',
      value: ledger.export.eventsPerSecond,
      unit: '/s',
      note: `GET /ledger/export?size=${ledger.log.events} streamed to a file: ${mib(ledger.export.bytes)} MiB in ${ledger.export.seconds.toFixed(1)} s (${ledger.export.megabytesPerSecond.toFixed(0)} MiB/s)`,
    },
    {
      key: 'verify_events_per_s',
      value: ledger.verify.eventsPerSecond,
      unit: '/s',
      note: `samverkan-audit verify-log over that export, ${events} events in ${ledger.verify.seconds.toFixed(1)} s wall (process start included), exit ${ledger.verify.exitCode}`,
    },
  ];
  const runSeconds = (performance.now() - started) / 1000;
  const figures = Object.fromEntries(rows.map((row) => [row.key, row.value]));
  const files = writeResults(join(__dirname, 'results'), date, {
    date: date.toISOString(),
    ...figures,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadavg() },
    parameters,
    runSeconds,
    details: results,
  });

  console.log(formatTable(rows));
  console.log(`\nnode ${process.version}, ${machineInfo().cpus} cpus, ${date.toISOString()}, ${runSeconds.toFixed(1)} s`);
  console.log(`load average (1, 5, 15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`ledger log: ${events} events in ${ledger.log.cases} cases, built in ${ledger.log.seconds.toFixed(1)} s; ${mib(ledger.log.storeBytes)} MiB store, ${mib(ledger.ingest.ledgerBytes)} MiB ledger`);
  console.log(`written: ${relative(process.cwd(), files.latest)}, ${relative(process.cwd(), files.dated)}`);
  if (commands.load.non2xx > 0 || commands.warmup.non2xx > 0) {
    console.log(`warning: the service answered non-2xx: load ${statusNote(commands.load.statusCodes)}; warm-up ${statusNote(commands.warmup.statusCodes)}`);
  }
  if (commands.eventsStored !== commands.eventsExpected) {
    console.log(`warning: the store holds ${commands.eventsStored} events; the 2xx answers account for ${commands.eventsExpected}`);
  }
}

function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function loadNote(load: LoadResult): string {
  return `${load.responses} requests in ${load.durationSeconds.toFixed(1)} s, ${load.chunks} chunk${load.chunks === 1 ? '' : 's'}`;
}

function statusNote(codes: Readonly<Record<string, number>>): string {
  return Object.entries(codes)
    .map(([code, count]) => `${code}: ${count}`)
    .join(', ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
