/**
 * `npm run bench`: in one process, on this machine,
 *   1. HTTP commands against the real service, on the embedded SQLite store, then on PostgreSQL,
 *   2. a bare Nest + Fastify POST with the same validation, for comparison,
 *   3. sealed appends straight to the store, no HTTP, on SQLite and then PostgreSQL, and on SQLite while the
 *      service's ledger follows the log,
 *   4. replaying a 10,000-event case (read, parse, fold), on SQLite, then PostgreSQL,
 *   5. the ledger at scale on a 1,000,000-event log: the service's ledger ingesting it, inclusion proofs
 *      served over HTTP, the export, and samverkan-audit verify-log over that export,
 *   6. the relay against a real Kafka broker: its throughput over a generated multi-agency log, and the lag
 *      from a command's acknowledgement to its event being readable by a `read_committed` consumer,
 *   7. case reads (timelines) with and without the access log, in the process and over HTTP, on SQLite, then
 *      PostgreSQL,
 *   8. commands with free text, encrypted under the subject's key and left in clear, on SQLite, then PostgreSQL,
 *   9. GET /statistics over `npm run demo:year`'s year at growing scales (the figures of the country and its
 *      regions suppressed together), in the process and over HTTP,
 * then prints a table and writes bench/results/latest.json plus a dated copy.
 * PostgreSQL is `DATABASE_URL`, else the local server on 127.0.0.1:5432; each phase on it has a fresh schema,
 * dropped at the end. Its figures are SQLite's keys with `_postgres` appended, each next to SQLite's, and say
 * `skipped: <reason>` when the server cannot be reached.
 * `npm run bench -- --quick` shortens every phase, to check that the benchmark itself works; like a partial
 * run, it writes only the dated copy.
 * `npm run bench -- --only relay,replay` runs only those phases (names in PHASES) and writes only the dated copy.
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
import { benchRelay, RelayBenchResult } from './relay.bench';
import { benchEncryption, EncryptionResult } from './encryption.bench';
import { benchReads, ReadsResult } from './reads.bench';
import { benchReplay } from './replay.bench';
import { benchStatistics, StatisticsAtScale } from './statistics.bench';
import { formatTable, machineInfo, Row, writeResults } from './report';
import { benchProjectionRebuild, RebuildResult } from './rebuild.bench';
import { REBUILD_BATCH_SIZE } from '../apps/coordinator/src/projections/rebuild';
import { BenchStore, postgresStores, sqliteStores } from './stores';

const PHASES = [
  'commands',
  'bare-post',
  'raw-append',
  'append-with-ledger',
  'replay',
  'reads',
  'encryption',
  'ledger',
  'relay',
  'rebuild',
  'statistics',
] as const;
type Phase = (typeof PHASES)[number];
/** The phases that run on each event store adapter in turn. */
const STORE_PHASES: readonly Phase[] = ['commands', 'raw-append', 'append-with-ledger', 'replay', 'reads', 'encryption', 'rebuild'];

const quick = process.argv.includes('--quick');
const only = onlyPhases(process.argv);
const runs = (phase: Phase) => only === undefined || only.includes(phase);
const supportBody = { kind: 'shelter', providedOn: '2026-01-15' };
const ledgerCases = quick ? 50 : 1000;

const parameters = {
  quick,
  only: only ?? null,
  http: {
    connections: 50,
    warmupSeconds: quick ? 1 : 3,
    durationSeconds: quick ? 2 : 10,
    loadGenerator:
      'autocannon in a worker thread of this process, in chunks of a fixed number of requests sized to fill the duration, so that no request is abandoned in flight',
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
  replay: { events: quick ? 2_000 : 10_000, warmup: quick ? 1 : 5, runs: quick ? 2 : 10, buildBatch: 500 },
  reads: {
    cases: quick ? 50 : 500,
    eventsPerCase: 8,
    agencyId: 'polisen-malmo',
    concurrency: 50,
    ratesPerSecond: [50, 500],
    warmupSeconds: quick ? 1 : 2,
    durationSeconds: quick ? 2 : 8,
    what: "the timeline of a case drawn at random (10 events, the lead reading): CaseService.read in the service's process with an access log that records nothing (plain), then with the service's access log; then GET /cases/:id/timeline over HTTP (autocannon in a worker thread)",
  },
  encryption: {
    cases: quick ? 50 : 500,
    agencyId: 'polisen-malmo',
    concurrency: 50,
    warmupSeconds: quick ? 1 : 2,
    durationSeconds: quick ? 2 : 8,
    description: 'phone found at the address, with messages from the recruiter in Estonian and Swedish; seized by officer 17',
    what: "RegisterEvidence with a description, in the service's process: CaseService.execute (the text encrypted under the subject's key) against CommandPath.execute (the text in clear), alternated",
  },
  ledger: {
    log: { cases: ledgerCases, eventsPerCase: 1000, eventsPerAppend: 100 },
    events: ledgerCases * 1000,
    proofRequests: quick ? 500 : 2000,
    proofWarmup: 100,
    proofRoute:
      'GET /ledger/proofs/inclusion?eventId=<random event>&treeSize=<checkpoint size>, sequential, one keep-alive connection, client in a worker thread',
    auditor: 'internrevisionen',
    verifier:
      'node samverkan-audit.js verify-log <export> --key <key file> --checkpoint <checkpoint file> (the compiled file the package of npm run pack:audit holds), wall time of the child process',
  },
  rebuild: {
    log: { cases: quick ? 20 : 1000, eventsPerCase: 1000, eventsPerAppend: 100 },
    batchSize: REBUILD_BATCH_SIZE,
    what: "npm run projections:rebuild --from-scratch as its function: a PostgreSQL event store filled with the ledger phase's kind of log, then the case index rebuilt into PostgreSQL read models in the same schema; timed from the rebuild's start to its last commit",
  },
  statistics: {
    seed: 2026,
    scales: quick ? [0.5] : [1, 10],
    requests: quick ? 3 : 9,
    region: 'skane',
    reader: 'mika-malmo',
    what: "npm run demo:year's year (one city, Malmö) at each scale recorded through the service on SQLite; then the median of the requests: the case index's facts read and the figures computed in the process, and GET /statistics for the country and for the region over HTTP, one at a time",
  },
  relay: {
    broker: "KAFKA_BROKERS if set, else a broker of this run from scripts/kafka-local.sh (state in the run's temporary directory, stopped at the end)",
    throughput: { events: quick ? 3_000 : 50_000, cases: quick ? 150 : 2_500, writers: 8, batchSize: 2_000, partitions: 3, warmupPasses: quick ? 0 : 2 },
    generator:
      'apps/coordinator/src/cases/testing/case-stories.ts: seeded stories over all agencies through the command path (referrals accepted and declined, agencies added and removed, support, evidence, 5% events of another category), one writer per seed',
    throughputTiming:
      "from Relay.start() resolving (topics created, producer initialised, position read) until the committed position is the log's head; fresh topic prefix; after warmupPasses untimed passes over the same log, each to topics of its own (a fresh broker's JVM is still compiling)",
    lag: {
      agencyId: 'polisen-malmo',
      cases: quick ? 20 : 50,
      route: 'POST /cases/:id/support as the lead agency of each case (its only member), cases in turn',
      body: supportBody,
      ratePerSecond: 100,
      warmupSeconds: quick ? 0.5 : 2,
      durationSeconds: quick ? 2 : 10,
      timeoutSeconds: 30,
      consumerMaxWaitMs: 100,
    },
    lagTiming:
      "the real service (as npm start builds it: the relay on the follower thread; KAFKA_BROKERS set, fresh data dir, transactional id of its own, default topic prefix); commands sent open-loop from a worker thread that also runs a kafkajs read_committed consumer (fresh group, from the live end) on the agency's topic; lag = consumer reading the event (matched by id) - the command's response read",
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
  if (runs('ledger')) {
    const needed = parameters.ledger.events * LEDGER_BYTES_PER_EVENT;
    const free = freeBytes(tmpdir());
    if (free < needed) {
      throw new Error(`the ledger phase needs about ${gib(needed)} GiB in ${tmpdir()}; ${gib(free)} GiB are free (set TMPDIR to a larger disk)`);
    }
    progress(`${gib(free)} GiB free in ${tmpdir()}; the ledger phase needs about ${gib(needed)} GiB`);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'samverkan-bench-'));
  // What must not outlive an interrupted run, such as a broker this run started.
  const onInterrupt: Array<() => void> = [];
  const cleanUp = () => rmSync(workDir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    for (const stop of onInterrupt.reverse()) stop();
    cleanUp();
    process.exit(130);
  });

  const { http } = parameters;
  // The SQLite results are the top-level ones, where they always were.
  const results: Results = {};
  const stores: Array<{ readonly store: BenchStore; readonly results: StoreResults }> = [{ store: sqliteStores(workDir), results }];
  let postgres: Awaited<ReturnType<typeof postgresStores>> | undefined;
  if (STORE_PHASES.some(runs)) {
    postgres = await postgresStores();
    if ('skipped' in postgres) {
      results.postgres = { skipped: postgres.skipped };
      progress(`PostgreSQL phases skipped: ${postgres.skipped}`);
    } else {
      const { setup } = postgres;
      results.postgres = {};
      stores.push({ store: postgres.stores, results: results.postgres });
      onInterrupt.push(postgres.stores.dropAllNow);
      progress(
        `PostgreSQL ${setup.serverVersion} at ${setup.url} (${setup.sameMachine ? 'this machine' : `another machine, ${setup.serverAddress}`}), synchronous_commit=${setup.synchronousCommit}, fsync=${setup.fsync}`,
      );
    }
  }
  try {
    if (runs('commands')) {
      for (const { store, results: r } of stores) {
        progress(
          `${store.adapter}: opening ${parameters.commands.cases} cases, then support commands at ${http.connections} connections: ${http.warmupSeconds} s warm-up, then about ${http.durationSeconds} s`,
        );
        r.commands = await benchHttpCommands(join(workDir, `service${store.suffix}`), { ...parameters.commands, ...http }, store.serviceEnv('service'));
      }
    }

    if (runs('bare-post')) {
      progress(`bare Nest + Fastify POST at ${http.connections} connections: ${http.warmupSeconds} s warm-up, then about ${http.durationSeconds} s`);
      results.bare = await benchBarePost({ ...http, body: supportBody });
    }

    if (runs('raw-append')) {
      const { rawAppend } = parameters;
      for (const { store, results: r } of stores) {
        progress(
          `${store.adapter}: raw sealed appends: ${rawAppend.writers} writers for ${rawAppend.durationSeconds} s, then 1 writer for ${rawAppend.serialWriterSeconds} s`,
        );
        r.raw = await benchRawAppend(() => store.open('raw'), rawAppend);
        r.serial = await benchRawAppend(() => store.open('raw-serial'), { writers: 1, durationSeconds: rawAppend.serialWriterSeconds });
      }
    }

    if (runs('append-with-ledger')) {
      const { appendWithLedger } = parameters;
      for (const { store, results: r } of stores) {
        progress(
          `${store.adapter}: sealed appends while the ledger follows: ${appendWithLedger.writers} writers for ${appendWithLedger.durationSeconds} s, then until the ledger has them all`,
        );
        r.withLedger = await benchAppendWithLedger(join(workDir, `append-with-ledger${store.suffix}`), appendWithLedger, store);
      }
    }

    if (runs('replay')) {
      for (const { store, results: r } of stores) {
        progress(
          `${store.adapter}: replay: building a ${parameters.replay.events}-event case, then ${parameters.replay.warmup} untimed and ${parameters.replay.runs} timed replays`,
        );
        r.replay = await benchReplay(() => store.open('replay'), parameters.replay);
      }
    }

    if (runs('reads')) {
      for (const { store, results: r } of stores) {
        const { reads } = parameters;
        progress(
          `${store.adapter}: reads: ${reads.cases} cases of ${reads.eventsPerCase + 2} events, then timelines at ${reads.concurrency} at a time without and with the access log, then over HTTP`,
        );
        r.reads = await benchReads(join(workDir, `reads${store.suffix}`), reads, store.serviceEnv('reads'));
      }
    }

    if (runs('encryption')) {
      for (const { store, results: r } of stores) {
        const { encryption } = parameters;
        progress(`${store.adapter}: encryption: commands with free text at ${encryption.concurrency} at a time, encrypted and in clear`);
        r.encryption = await benchEncryption(join(workDir, `encryption${store.suffix}`), encryption, store.serviceEnv('encryption'));
      }
    }

    if (runs('ledger')) {
      const { ledger: ledgerParameters } = parameters;
      progress(`ledger at scale: building a ${ledgerParameters.events.toLocaleString('en-US')}-event log (${ledgerParameters.log.cases} cases)`);
      const ledgerDir = join(workDir, 'ledger');
      results.ledger = await benchLedger(ledgerDir, ledgerParameters, progress);
      rmSync(ledgerDir, { recursive: true, force: true });
    }

    if (runs('relay')) {
      const { relay } = parameters;
      progress(`relay: a ${relay.throughput.events.toLocaleString('en-US')}-event log of case stories relayed to a real broker, then the service's relay lag`);
      results.relay = await benchRelay(join(workDir, 'relay'), relay, progress, (stop) => onInterrupt.push(stop));
      if ('skipped' in results.relay) progress(`relay: skipped: ${results.relay.skipped}`);
    }
    if (runs('statistics')) {
      const { statistics } = parameters;
      results.statistics = await benchStatistics((scale) => join(workDir, `statistics-${scale}`), statistics, progress);
    }
    if (runs('rebuild') && postgres && 'stores' in postgres) {
      const { rebuild } = parameters;
      progress(
        `rebuild: writing a ${(rebuild.log.cases * rebuild.log.eventsPerCase).toLocaleString('en-US')}-event log into PostgreSQL, then rebuilding the case index from it`,
      );
      results.rebuild = await benchProjectionRebuild(postgres.stores, { ...rebuild.log, batchSize: rebuild.batchSize }, progress);
    }
  } finally {
    if (postgres && 'stores' in postgres) await postgres.stores.dropAll();
    cleanUp();
  }

  const { bare, ledger, relay } = results;
  const events = ledger?.log.events.toLocaleString('en-US');
  // Each figure of the store phases for SQLite, then the same for PostgreSQL.
  const bothStores = (phase: Phase, rowsOf: (r: StoreResults, suffix: string) => Row[], headline: readonly string[]): Row[] => {
    const pg = results.postgres;
    if (!runs(phase) || pg === undefined) return rowsOf(results, '');
    if ('skipped' in pg)
      return [
        ...rowsOf(results, ''),
        ...skippedRows(
          headline.map((key) => `${key}_postgres`),
          pg.skipped,
        ),
      ];
    return [...rowsOf(results, ''), ...rowsOf(pg, '_postgres')];
  };
  const rows: Row[] = [
    ...bothStores('commands', commandRows, ['commands_per_s', 'command_p50_ms', 'command_p99_ms']),
    ...(bare
      ? [
          { key: 'bare_post_per_s', value: bare.load.okPerSecond, unit: '/s', note: `no store, no auth; ${loadNote(bare.load)}` },
          { key: 'bare_post_p50_ms', value: bare.load.latencyMs.p50, unit: 'ms' },
          { key: 'bare_post_p99_ms', value: bare.load.latencyMs.p99, unit: 'ms' },
          ...cpuRows('bare_post', bare.load, ''),
        ]
      : []),
    ...bothStores('raw-append', rawAppendRows, ['raw_append_per_s', 'raw_append_p50_ms', 'raw_append_p99_ms']),
    ...bothStores('append-with-ledger', withLedgerRows, ['append_with_ledger_per_s', 'append_with_ledger_lag_ms']),
    ...bothStores('replay', replayRows, ['replay_events_per_s']),
    ...bothStores('reads', readRows, ['read_plain_per_s', 'read_with_access_log_per_s', 'read_with_access_log_p99_ms']),
    ...bothStores('encryption', encryptionRows, ['commands_encrypted_per_s', 'commands_clear_text_per_s']),
    ...(ledger
      ? [
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
          {
            key: 'inclusion_proof_p50_ms',
            value: ledger.proofs.latencyMs.p50,
            unit: 'ms',
            note: `${ledger.proofs.proofHashes} hashes a proof; as ${parameters.ledger.auditor}`,
          },
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
        ]
      : []),
    ...(relay ? relayRows(relay) : []),
    ...rebuildRows(results),
    ...statisticsRows(results.statistics),
  ];
  const runSeconds = (performance.now() - started) / 1000;
  const figures = Object.fromEntries(rows.map((row) => [row.key, row.value]));
  const skipped = {
    ...(results.postgres && 'skipped' in results.postgres ? { postgres: results.postgres.skipped } : {}),
    ...(relay && 'skipped' in relay ? { relay: relay.skipped } : {}),
  };
  const files = writeResults(
    join(__dirname, 'results'),
    date,
    {
      date: date.toISOString(),
      ...figures,
      ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
      machine: machineInfo(),
      loadAverage: { start: loadAtStart, end: loadavg() },
      parameters: { ...parameters, ...(postgres ? { postgres: 'setup' in postgres ? postgres.setup : { skipped: postgres.skipped } } : {}) },
      runSeconds,
      details: results,
    },
    { latest: only === undefined && !quick },
  );

  console.log(formatTable(rows));
  console.log(
    `\nnode ${process.version}, ${machineInfo().cpus} cpus, ${date.toISOString()}, ${runSeconds.toFixed(1)} s${only ? `, only ${only.join(', ')}` : ''}`,
  );
  console.log(
    `load average (1, 5, 15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (ledger) {
    console.log(
      `ledger log: ${events} events in ${ledger.log.cases} cases, built in ${ledger.log.seconds.toFixed(1)} s; ${mib(ledger.log.storeBytes)} MiB store, ${mib(ledger.ingest.ledgerBytes)} MiB ledger`,
    );
  }
  if (relay && !('skipped' in relay)) {
    const { throughput: t } = relay;
    const agencies = Object.entries(t.messagesByAgency)
      .map(([id, n]) => `${id} ${n}`)
      .join(', ');
    console.log(
      `relay log: ${t.log.events.toLocaleString('en-US')} events (${t.log.caseEvents.toLocaleString('en-US')} of ${t.log.cases} cases) written in ${t.log.seconds.toFixed(1)} s; messages by agency: ${agencies}`,
    );
  }
  console.log(`written: ${files.map((file) => relative(process.cwd(), file)).join(', ')}`);
  for (const {
    store,
    results: { commands },
  } of stores) {
    if (commands && (commands.load.non2xx > 0 || commands.warmup.non2xx > 0)) {
      console.log(
        `warning: the service on ${store.adapter} answered non-2xx: load ${statusNote(commands.load.statusCodes)}; warm-up ${statusNote(commands.warmup.statusCodes)}`,
      );
    }
    if (commands && commands.eventsStored !== commands.eventsExpected) {
      console.log(`warning: the ${store.adapter} store holds ${commands.eventsStored} events; the 2xx answers account for ${commands.eventsExpected}`);
    }
  }
  if (relay && !('skipped' in relay)) {
    const { measured } = relay.lag;
    if (measured.unseen > 0 || measured.ok < measured.sent) {
      console.log(
        `warning: relay lag: ${measured.ok} of ${measured.sent} commands acknowledged (${statusNote(measured.statusCodes)}, ${measured.errors} without response); ${measured.unseen} acknowledged events never read within ${parameters.relay.lag.timeoutSeconds} s`,
      );
    }
    if (relay.throughput.relayWarnings.length > 0) console.log(`warning: the relay logged: ${relay.throughput.relayWarnings.slice(0, 3).join('; ')}`);
  }
}

/** What the store phases measured on one adapter. */
interface StoreResults {
  commands?: Awaited<ReturnType<typeof benchHttpCommands>>;
  raw?: Awaited<ReturnType<typeof benchRawAppend>>;
  serial?: Awaited<ReturnType<typeof benchRawAppend>>;
  replay?: Awaited<ReturnType<typeof benchReplay>>;
  withLedger?: Awaited<ReturnType<typeof benchAppendWithLedger>>;
  reads?: ReadsResult;
  encryption?: EncryptionResult;
}

/** The store phases' results on SQLite, with the other phases', and those on PostgreSQL under `postgres`. */
interface Results extends StoreResults {
  bare?: Awaited<ReturnType<typeof benchBarePost>>;
  ledger?: Awaited<ReturnType<typeof benchLedger>>;
  relay?: RelayBenchResult;
  rebuild?: RebuildResult;
  statistics?: StatisticsAtScale[];
  postgres?: StoreResults | { skipped: string };
}

function statisticsRows(statistics: StatisticsAtScale[] | undefined): Row[] {
  return (statistics ?? []).flatMap((s) => {
    const at = `x${String(s.scale).replace('.', '_')}`;
    const year = `${s.people} people, ${s.cases} cases (recorded in ${s.recordSeconds.toFixed(1)} s)`;
    return [
      {
        key: `statistics_country_ms_${at}`,
        value: s.httpCountryMs,
        unit: 'ms',
        note: `GET /statistics?year= at scale ${s.scale}: ${year}; ${s.suppressedCountry} counts suppressed`,
      },
      { key: `statistics_region_ms_${at}`, value: s.httpRegionMs, unit: 'ms', note: `GET /statistics?year=&region=skane at scale ${s.scale}` },
      {
        key: `statistics_compute_ms_${at}`,
        value: s.computeMs,
        unit: 'ms',
        note: `in the process: the figures from the facts; reading the facts took ${s.readFactsMs.toFixed(1)} ms`,
      },
    ];
  });
}

function rebuildRows({ rebuild, postgres }: Results): Row[] {
  if (!runs('rebuild')) return [];
  if (!rebuild) return skippedRows(['projection_rebuild_events_per_s'], postgres && 'skipped' in postgres ? postgres.skipped : 'not run');
  const note =
    `${rebuild.events.toLocaleString('en-US')} events into PostgreSQL read models in ${rebuild.seconds.toFixed(1)} s, batches of ${parameters.rebuild.batchSize}, ` +
    `after ${rebuild.startSeconds.toFixed(1)} s clearing and counting; the log took ${rebuild.buildSeconds.toFixed(1)} s to write`;
  return [{ key: 'projection_rebuild_events_per_s', value: rebuild.eventsPerSecond, unit: '/s', note }];
}

function commandRows({ commands }: StoreResults, suffix: string): Row[] {
  if (!commands) return [];
  return [
    { key: `commands_per_s${suffix}`, value: commands.load.okPerSecond, unit: '/s', note: `2xx only, ${loadNote(commands.load)}` },
    { key: `command_p50_ms${suffix}`, value: commands.load.latencyMs.p50, unit: 'ms' },
    { key: `command_p99_ms${suffix}`, value: commands.load.latencyMs.p99, unit: 'ms' },
    ...cpuRows('command', commands.load, suffix),
    { key: `command_non2xx${suffix}`, value: commands.load.non2xx, unit: '', note: statusNote(commands.load.statusCodes) },
    { key: `command_errors${suffix}`, value: commands.load.errors + commands.load.timeouts, unit: '', note: 'no response (connection errors, timeouts)' },
    {
      key: `projection_catchup_ms${suffix}`,
      value: commands.projectionCatchUpMs,
      unit: 'ms',
      note: 'from the last response until the case index had the last event',
    },
  ];
}

function rawAppendRows({ raw, serial }: StoreResults, suffix: string): Row[] {
  if (!raw || !serial) return [];
  return [
    { key: `raw_append_per_s${suffix}`, value: raw.eventsPerSecond, unit: '/s', note: `${raw.writers} writers, 1 sealed event per append, own streams` },
    { key: `raw_append_p50_ms${suffix}`, value: raw.appendMs.p50, unit: 'ms' },
    { key: `raw_append_p99_ms${suffix}`, value: raw.appendMs.p99, unit: 'ms' },
    {
      key: `raw_append_serial_per_s${suffix}`,
      value: serial.eventsPerSecond,
      unit: '/s',
      note: `1 writer: one commit (fsync) per event, p50 ${serial.appendMs.p50.toFixed(2)} ms`,
    },
  ];
}

function withLedgerRows({ withLedger }: StoreResults, suffix: string): Row[] {
  if (!withLedger) return [];
  const { events, appendsPerSecond, appendMs, checkpoints } = withLedger;
  return [
    {
      key: `append_with_ledger_per_s${suffix}`,
      value: withLedger.eventsPerSecond,
      unit: '/s',
      note: `as raw_append while the ledger follows and seals each as a leaf; until the ledger had all ${events}; appends alone ${Math.round(appendsPerSecond)}/s, p99 ${appendMs.p99.toFixed(1)} ms`,
    },
    {
      key: `append_with_ledger_lag_ms${suffix}`,
      value: withLedger.ledgerLagMs,
      unit: 'ms',
      note: `from the last append until the ledger had it; ${checkpoints} checkpoint${checkpoints === 1 ? '' : 's'} signed`,
    },
  ];
}

function replayRows({ replay }: StoreResults, suffix: string): Row[] {
  if (!replay) return [];
  return [
    {
      key: `replay_events_per_s${suffix}`,
      value: replay.eventsPerSecond,
      unit: '/s',
      note: `${replay.events} events read, parsed and folded; best of ${parameters.replay.runs} after ${parameters.replay.warmup} untimed`,
    },
    { key: `replay_ms${suffix}`, value: replay.bestMs, unit: 'ms', note: `median ${replay.medianMs.toFixed(1)} ms` },
    { key: `replay_read_only_events_per_s${suffix}`, value: replay.readOnlyEventsPerSecond, unit: '/s', note: 'readStream + JSON parse, no fold' },
    { key: `replay_fold_only_events_per_s${suffix}`, value: replay.foldOnlyEventsPerSecond, unit: '/s', note: 'caseDecider.evolve over envelopes in memory' },
  ];
}

function encryptionRows({ encryption }: StoreResults, suffix: string): Row[] {
  if (!encryption) return [];
  const { encrypted, clear } = encryption;
  const within = ((clear.perSecond - encrypted.perSecond) / clear.perSecond) * 100;
  return [
    {
      key: `commands_encrypted_per_s${suffix}`,
      value: encrypted.perSecond,
      unit: '/s',
      note: `RegisterEvidence, description encrypted under the subject's key; p99 ${encrypted.p99Ms.toFixed(1)} ms; ${within.toFixed(1)} % below clear text`,
    },
    {
      key: `commands_clear_text_per_s${suffix}`,
      value: clear.perSecond,
      unit: '/s',
      note: `the same commands into the command path, text in clear; p99 ${clear.p99Ms.toFixed(1)} ms`,
    },
  ];
}

function readRows({ reads }: StoreResults, suffix: string): Row[] {
  if (!reads) return [];
  const { plain, withAccessLog: logged, http } = reads;
  const ms = (n: number) => n.toFixed(2);
  return [
    {
      key: `read_plain_per_s${suffix}`,
      value: plain.readsPerSecond,
      unit: '/s',
      note: `timeline reads in process, no access log; p50 ${ms(plain.latencyMs.p50)}, p99 ${ms(plain.latencyMs.p99)} ms`,
    },
    {
      key: `read_with_access_log_per_s${suffix}`,
      value: logged.readsPerSecond,
      unit: '/s',
      note: `the same, each answered once its access entry is durable; p50 ${ms(logged.latencyMs.p50)} ms`,
    },
    {
      key: `read_with_access_log_p99_ms${suffix}`,
      value: logged.latencyMs.p99,
      unit: 'ms',
      note: `at saturation (${parameters.reads.concurrency} at a time); plain p99 ${ms(plain.latencyMs.p99)} ms`,
    },
    ...reads.atRates.map(({ rate, plain: p, withAccessLog: l }) => ({
      key: `read_with_access_log_at_${rate}_per_s_p99_ms${suffix}`,
      value: l.latencyMs.p99,
      unit: 'ms',
      note: `${rate} reads/s open-loop: the log adds ${ms(l.latencyMs.p99 - p.latencyMs.p99)} ms at p99 (plain ${ms(p.latencyMs.p99)}), ${ms(l.latencyMs.p50 - p.latencyMs.p50)} ms at p50`,
    })),
    {
      key: `read_http_per_s${suffix}`,
      value: http.okPerSecond,
      unit: '/s',
      note: `GET /cases/:id/timeline, access log and all; p50 ${ms(http.latencyMs.p50)}, p99 ${ms(http.latencyMs.p99)} ms; ${loadNote(http)}`,
    },
    { key: `access_entries${suffix}`, value: reads.accessEntries, unit: '', note: `CaseRead events written; ${reads.readsLogged} logged reads made` },
  ];
}

function skippedRows(keys: readonly string[], reason: string): Row[] {
  return keys.map((key) => ({ key, value: null, unit: key.endsWith('_ms') ? 'ms' : '/s', note: `skipped: ${reason}` }));
}

function relayRows(relay: RelayBenchResult): Row[] {
  if ('skipped' in relay) return skippedRows(['relay_events_per_s', 'relay_lag_p50_ms', 'relay_lag_p99_ms'], relay.skipped);
  const { throughput: t, lag } = relay;
  const { measured: m } = lag;
  const lagRun = `${m.seen} of ${m.sent} commands sent open-loop at ${m.sentPerSecond.toFixed(0)}/s`;
  return [
    {
      key: 'relay_events_per_s',
      value: t.eventsPerSecond,
      unit: '/s',
      note: `${t.log.events.toLocaleString('en-US')} log events relayed in ${t.relaySeconds.toFixed(1)} s, ${t.transactions} transactions (batch size ${t.batchSize}; ${t.meanEventsPerTransaction.toFixed(0)} events, p50 ${t.transactionMs.p50.toFixed(0)} and max ${t.transactionMs.max.toFixed(0)} ms a transaction); start ${t.startSeconds.toFixed(1)} s not timed (${t.eventsPerSecondWithStart.toFixed(0)}/s with it)${t.warmup.length > 0 ? `; after ${t.warmup.length} untimed passes` : ''}; the broker's log ${relay.brokerLog}`,
    },
    {
      key: 'relay_main_thread_us',
      value: t.cpuUsPerEvent.mainThread,
      unit: 'µs',
      note: 'the main thread, where the relay runs, busy per event (its event-loop utilisation)',
    },
    {
      key: 'relay_process_cpu_us',
      value: t.cpuUsPerEvent.process,
      unit: 'µs',
      note: "CPU of the process per event, the garbage collector's helper threads included (the broker's not)",
    },
    ...(t.warmup.length > 0
      ? [
          {
            key: 'relay_first_pass_events_per_s',
            value: t.warmup[0].eventsPerSecond,
            unit: '/s',
            note: `the first pass, to a broker as fresh as the run's (untimed passes: ${t.warmup.map((pass) => pass.eventsPerSecond.toFixed(0)).join(', ')}/s; main thread ${t.warmup.map((pass) => pass.cpuUsPerEvent.mainThread.toFixed(0)).join(', ')} µs an event)`,
          },
        ]
      : []),
    {
      key: 'relay_messages_per_s',
      value: t.messagesPerSecond,
      unit: '/s',
      note: `${t.messages.toLocaleString('en-US')} messages to ${Object.keys(t.messagesByAgency).length} agency topics`,
    },
    {
      key: 'relay_fan_out',
      value: t.fanOut,
      unit: '',
      note: `messages a case event (${t.log.caseEvents.toLocaleString('en-US')} case events in ${t.log.cases} cases)`,
    },
    { key: 'relay_lag_p50_ms', value: m.lagMs.p50, unit: 'ms', note: `command response -> read by a read_committed consumer; ${lagRun}` },
    {
      key: 'relay_lag_p99_ms',
      value: m.lagMs.p99,
      unit: 'ms',
      note: `max ${m.lagMs.max.toFixed(1)} ms; command response p50 ${m.responseMs.p50.toFixed(1)}, p99 ${m.responseMs.p99.toFixed(1)} ms; relay ready ${lag.relayReadySeconds.toFixed(1)} s after listening`,
    },
    {
      key: 'relay_lag_unseen',
      value: m.unseen,
      unit: '',
      note: `acknowledged events not read within ${parameters.relay.lag.timeoutSeconds} s (${m.ok} acknowledged, ${m.sent - m.ok} not)`,
    },
  ];
}

function onlyPhases(argv: readonly string[]): Phase[] | undefined {
  const at = argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  if (at < 0) return undefined;
  const value = argv[at].startsWith('--only=') ? argv[at].slice('--only='.length) : argv[at + 1];
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    console.error(`--only takes a comma-separated list of ${PHASES.join(', ')}${unknown.length > 0 ? `; not ${unknown.join(', ')}` : ''}`);
    process.exit(2);
  }
  return names as Phase[];
}

function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** CPU time a request costs: the service's main thread, and the whole process (the load generator with it). */
function cpuRows(name: string, load: LoadResult, suffix: string): Row[] {
  return [
    { key: `${name}_main_thread_us${suffix}`, value: load.cpuUsPerResponse.mainThread, unit: 'µs', note: "the service's main thread busy per request" },
    {
      key: `${name}_process_cpu_us${suffix}`,
      value: load.cpuUsPerResponse.process,
      unit: 'µs',
      note: 'CPU of the process per request, load generator included',
    },
  ];
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
