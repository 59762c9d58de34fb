/**
 * `npm run bench`: in one process, on this machine,
 *   1. HTTP commands against the real service on the embedded SQLite store,
 *   2. a bare Nest + Fastify POST with the same validation, for comparison,
 *   3. sealed appends straight to the store, no HTTP,
 *   4. replaying a 10,000-event case (read, parse, fold),
 * then prints a table and writes bench/results/latest.json plus a dated copy.
 * `npm run bench -- --quick` shortens every phase, to check that the benchmark itself works.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { benchBarePost } from './bare-post.bench';
import { benchHttpCommands } from './http-commands.bench';
import { LoadResult } from './load';
import { benchRawAppend } from './raw-append.bench';
import { benchReplay } from './replay.bench';
import { formatTable, machineInfo, Row, writeResults } from './report';

const quick = process.argv.includes('--quick');
const supportBody = { kind: 'shelter', providedOn: '2026-01-15' };

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
  replay: { events: quick ? 2_000 : 10_000, runs: 5, buildBatch: 500 },
};

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function main(): Promise<void> {
  const date = new Date();
  const started = performance.now();
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

    progress(`replay: building a ${parameters.replay.events}-event case, then ${parameters.replay.runs} timed replays`);
    const replay = await benchReplay(join(workDir, 'replay', 'events.db'), parameters.replay);

    results = { commands, bare, raw, serial, replay };
  } finally {
    cleanUp();
  }

  const { commands, bare, raw, serial, replay } = results;
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
    { key: 'raw_append_p50_ms', value: raw.appendMs.p50, unit: 'ms' },
    { key: 'raw_append_p99_ms', value: raw.appendMs.p99, unit: 'ms' },
    { key: 'raw_append_serial_per_s', value: serial.eventsPerSecond, unit: '/s', note: `1 writer: one commit (fsync) per event, p50 ${serial.appendMs.p50.toFixed(2)} ms` },
    { key: 'replay_events_per_s', value: replay.eventsPerSecond, unit: '/s', note: `${replay.events} events read, parsed and folded; best of ${parameters.replay.runs}` },
    { key: 'replay_ms', value: replay.bestMs, unit: 'ms', note: `median ${replay.medianMs.toFixed(1)} ms` },
    { key: 'replay_read_only_events_per_s', value: replay.readOnlyEventsPerSecond, unit: '/s', note: 'readStream + JSON parse, no fold' },
    { key: 'replay_fold_only_events_per_s', value: replay.foldOnlyEventsPerSecond, unit: '/s', note: 'caseDecider.evolve over envelopes in memory' },
  ];
  const runSeconds = (performance.now() - started) / 1000;
  const figures = Object.fromEntries(rows.map((row) => [row.key, row.value]));
  const files = writeResults(join(__dirname, 'results'), date, {
    date: date.toISOString(),
    ...figures,
    machine: machineInfo(),
    parameters,
    runSeconds,
    details: results,
  });

  console.log(formatTable(rows));
  console.log(`\nnode ${process.version}, ${machineInfo().cpus} cpus, ${date.toISOString()}, ${runSeconds.toFixed(1)} s`);
  console.log(`written: ${relative(process.cwd(), files.latest)}, ${relative(process.cwd(), files.dated)}`);
  if (commands.load.non2xx > 0 || commands.warmup.non2xx > 0) {
    console.log(`warning: the service answered non-2xx: load ${statusNote(commands.load.statusCodes)}; warm-up ${statusNote(commands.warmup.statusCodes)}`);
  }
  if (commands.eventsStored !== commands.eventsExpected) {
    console.log(`warning: the store holds ${commands.eventsStored} events; the 2xx answers account for ${commands.eventsExpected}`);
  }
}

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
