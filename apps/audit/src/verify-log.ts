import { Stats, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { HASH_SIZE, MerkleFrontier, ProofError, toHex } from '@samverkan/ledger';
import { Command, describeEvent, errorMessage, EXIT_OK, Findings, parseCommand, UsageError } from './cli';
import { proveConsistent } from './consistency-proof';
import { StreamHeads } from './envelope-check';
import { CheckedLines } from './export-lines';
import { describeCheckpoint, OpenedCheckpoint, openCheckpointFile, originMismatch, readInputFile, readVerifierKey } from './inputs';
import { inThisThread, lineCheckers } from './line-checkers';
import { ProgressBar } from './progress';
import { fetchText, serverToken, serverUrl, ServerUnavailable } from './server';

export const verifyLogUsage = `usage: samverkan-audit verify-log <export.ndjson> --key <ledger verifier key, or a file holding it>
                                  [--checkpoint <file> ...] [--server <url> [--token <jwt>]] [--threads <n>]

Checks a full export of the ledger (a file saved from GET /ledger/export) in one pass, without holding it
in memory: every event's hash recomputed from its envelope, every stream's chain (from revision 0, in order,
no gaps, each linked to the one before), leaf indexes from 0 without gaps, and the RFC 6962 root recomputed
at the size of each checkpoint and compared with the root it signed. A checkpoint counts only if --key signed
it and its origin is the key's name.

Hashes and chains that check out prove nothing by themselves (anyone can write a chain-correct log), so at
least one checkpoint is required: files given with --checkpoint (GET /ledger/checkpoints?size=<n>), and/or
the server's latest, fetched with --server and a bearer token (--token, or SAMVERKAN_TOKEN) from
GET /ledger/checkpoint. Every event must lie within the largest checkpoint: events after it fail, naming the
first one and how many there are. A --checkpoint larger than the export fails (events were removed or the log
truncated); the server's latest checkpoint may be larger, when the log grew after the export was taken, and
then a consistency proof fetched from the server must show that the export is the start of the log it signed.
The checks of single events (JSON, hash) run on a thread per core for an export over 8 MiB; --threads <n>
sets how many (1: the reading thread only). Shows progress on a terminal.`;

/** A checkpoint to compare the log with: a --checkpoint file, or the server's latest (`latest`). */
interface LogCheckpoint extends OpenedCheckpoint {
  readonly latest?: boolean;
}

export const verifyLog: Command = async (args, io) => {
  const cli = parseCommand(args, {
    usage: verifyLogUsage,
    options: {
      key: { type: 'string' },
      checkpoint: { type: 'string', multiple: true },
      server: { type: 'string' },
      token: { type: 'string' },
      threads: { type: 'string' },
    },
    required: ['key'],
    positionals: [1, 1],
  });
  if (cli.help) {
    io.out(verifyLogUsage);
    return EXIT_OK;
  }
  const [file] = cli.positionals;
  const { server } = cli.values;
  const checkpointFiles = cli.values.checkpoint ?? [];
  if (checkpointFiles.length === 0 && server === undefined) {
    throw new UsageError(
      'no checkpoint given: hashes and chains that check out prove nothing until a checkpoint signed by the ledger key covers them ' +
        '(anyone can write a chain-correct log); give --checkpoint <file>, or --server <url> [--token <jwt>] to fetch the latest (GET /ledger/checkpoint)',
      verifyLogUsage,
    );
  }
  if (cli.values.token !== undefined && server === undefined) throw new UsageError('--token is only used with --server', verifyLogUsage);
  const key = readVerifierKey(cli.values.key!, '--key');
  const token = serverToken(cli.values.token, io);
  const threadsAsked = cli.values.threads === undefined ? undefined : threadCount(cli.values.threads);
  const findings = new Findings(io);

  /** Opens a checkpoint and checks its origin; reports why not and returns undefined if it does not count. */
  const open = (source: string, note: string): OpenedCheckpoint | undefined => {
    let opened: OpenedCheckpoint;
    try {
      opened = openCheckpointFile(source, note, key.verifier);
    } catch (error) {
      findings.fail(describeCheckpoint(source), `is not a checkpoint signed by the ledger key ${key.text}: ${errorMessage(error)}`);
      return undefined;
    }
    const foreign = originMismatch(opened.checkpoint, key.verifier);
    if (foreign) {
      findings.fail(describeCheckpoint(source, opened.checkpoint), foreign.problem, foreign);
      return undefined;
    }
    return opened;
  };

  const checkpoints: LogCheckpoint[] = [];
  for (const cpFile of checkpointFiles) {
    const opened = open(cpFile, readInputFile(cpFile, 'the checkpoint'));
    if (opened) checkpoints.push(opened);
  }

  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new UsageError(`cannot read the export ${file}: ${errorMessage(error)}`);
  }
  // Its threads read ranges of it, each where it likes: a pipe cannot be read so.
  if (!stats.isFile()) throw new UsageError(`the export ${file} is not a file: save it first (curl -o, or > ledger.ndjson), then check the file`);
  const { size } = stats;
  const threads = threadsAsked ?? (size >= THREADS_FROM_BYTES ? availableParallelism() : 1);

  if (server !== undefined) {
    const url = serverUrl(server, 'ledger/checkpoint');
    try {
      const opened = open(`from GET ${url}`, await fetchText(url, token, 'text/plain'));
      if (opened) checkpoints.push({ ...opened, latest: true });
    } catch (error) {
      if (!(error instanceof ServerUnavailable)) throw error;
      findings.fail("the server's latest checkpoint", `could not be fetched: ${error.message}`);
    }
  }
  checkpoints.sort((a, b) => a.checkpoint.size - b.checkpoint.size);
  /** Events from this leaf on are covered by no checkpoint signed by the ledger key. */
  const largest = checkpoints[checkpoints.length - 1];
  const signedSize = largest?.checkpoint.size ?? 0;

  const frontier = new MerkleFrontier();
  const heads = new StreamHeads();
  let leaves = 0;
  let unreadable: { leaf: number; line: number } | undefined; // from here on the root cannot be recomputed
  let unsigned: { leaf: number; line: number; event?: { id: string; stream: string; revision: number }; count: number } | undefined;
  let matched = 0;
  let nextCheckpoint = 0;

  const compareCheckpoints = () => {
    while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint].checkpoint.size === leaves) {
      const { file: cpFile, checkpoint } = checkpoints[nextCheckpoint++];
      const subject = describeCheckpoint(cpFile, checkpoint);
      if (unreadable) {
        findings.fail(
          subject,
          `cannot be checked: line ${unreadable.line} (leaf ${unreadable.leaf}) could not be read, so the root of the first ${leaves} events is unknown`,
        );
        continue;
      }
      const root = frontier.root();
      if (root.equals(checkpoint.root)) {
        matched += 1;
        io.out(`ok   ${subject}: the first ${leaves} events of the log have the root it signed`);
      } else {
        findings.fail(
          subject,
          `the first ${leaves} events of the log do not have the root it signed: events were changed, removed, reordered or inserted before leaf ${leaves}, or the history was rewritten`,
          { expected: toHex(checkpoint.root), found: toHex(root) },
        );
      }
    }
  };

  compareCheckpoints(); // a checkpoint of the empty log
  const progress = io.terminal ? new ProgressBar(io.terminal, size || undefined) : undefined;
  let taken = 0; // bytes of the export whose lines have been taken
  /** Takes the line checks of a range in order, and does the checks that need the lines' numbers or every line before. */
  const take = (checked: CheckedLines) => {
    const { indexes, ids, streams, revisions, prevs, hashes, findings: found } = checked;
    const leafHashes = Buffer.from(checked.leafHashes.buffer, checked.leafHashes.byteOffset, checked.leafHashes.byteLength);
    let f = 0;
    for (let at = 0; at < checked.count; at += 1) {
      const leaf = leaves++;
      const lineNumber = leaf + 1;
      const event = revisions[at] >= 0 ? { id: ids[at], stream: streams[at], revision: revisions[at], prev: prevs[at], hash: hashes[at] } : undefined;
      if (!event) {
        findings.fail(`line ${lineNumber} (leaf ${leaf})`, found[f].problem);
        f += 1;
      } else {
        if (indexes[at] !== leaf) {
          const numbered = typeof indexes[at] === 'number' ? JSON.stringify(indexes[at]) : (indexes[at] as string);
          findings.fail(describeEvent(event, leaf), `is numbered ${numbered}, but it is line ${lineNumber}: leaf indexes run from 0 without gaps`, {
            expected: leaf,
            found: numbered,
          });
        }
        for (; f < found.length && found[f].at === at; f += 1) findings.fail(describeEvent(event, leaf), found[f].problem, found[f].mismatch);
        const broken = heads.advance(event);
        if (broken) findings.fail(describeEvent(event, leaf), broken.problem, broken);
      }
      if (event && !unreadable) frontier.append(leafHashes.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE));
      else unreadable ??= { leaf, line: lineNumber };
      if (leaf >= signedSize) {
        unsigned ??= { leaf, line: lineNumber, event, count: 0 };
        unsigned.count += 1;
      }
      compareCheckpoints();
      progress?.tick(leaves, () => taken);
    }
  };
  const checking = threads > 1 ? lineCheckers(threads, file, size) : inThisThread(file, size);
  const inFlight: Array<{ readonly checked: Promise<CheckedLines>; readonly end: number }> = [];
  const takeNext = async () => {
    const { checked, end } = inFlight.shift()!;
    take(await checked);
    taken = end;
  };
  try {
    for (let start = 0; start < size; start += RANGE_BYTES) {
      const checked = checking.check(start, start + RANGE_BYTES);
      checked.catch(() => undefined); // awaited in turn below; not unhandled meanwhile
      inFlight.push({ checked, end: Math.min(start + RANGE_BYTES, size) });
      while (inFlight.length > RANGES_AHEAD * threads) await takeNext();
    }
    while (inFlight.length > 0) await takeNext();
  } finally {
    await checking.close();
  }
  progress?.done(leaves);

  for (const { file: cpFile, checkpoint, latest } of checkpoints.slice(nextCheckpoint)) {
    const subject = describeCheckpoint(cpFile, checkpoint);
    if (!latest) {
      findings.fail(
        subject,
        `the log ends after ${leaves} events, but this checkpoint signed a log of ${checkpoint.size}: events were removed or the log was truncated`,
        { expected: `${checkpoint.size} events`, found: `${leaves} events` },
      );
      continue;
    }
    // The log grew after the export was taken: the export must be the start of the log the latest checkpoint signed.
    if (unreadable) {
      findings.fail(
        subject,
        `cannot be checked: line ${unreadable.line} (leaf ${unreadable.leaf}) could not be read, so the root of the export's ${leaves} events is unknown`,
      );
      continue;
    }
    const exported = { origin: checkpoint.origin, size: leaves, root: frontier.root(), extensions: [] };
    try {
      const how = await proveConsistent(exported, checkpoint, { server, token });
      matched += 1;
      io.out(
        `ok   ${subject}: the log grew to ${checkpoint.size} events after the export was taken; the export's ${leaves} events are its first ${leaves}: ${how}`,
      );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const reason = error instanceof ProofError ? `${error.reason}: ` : '';
      findings.fail(
        subject,
        `is larger than the export (${leaves} events), and the export is not proven to be the first ${leaves} events of the log it signed ` +
          `(export root ${toHex(exported.root)}): ${reason}${errorMessage(error)}`,
      );
    }
  }

  if (unsigned) {
    const subject = unsigned.event ? describeEvent(unsigned.event, unsigned.leaf) : `line ${unsigned.line} (leaf ${unsigned.leaf})`;
    const more = unsigned.count === 1 ? 'it is the only one' : `it and the ${unsigned.count - 1} after it, ${unsigned.count} events in all`;
    const why = largest
      ? `the largest checkpoint signed by the ledger key, ${describeCheckpoint(largest.file, largest.checkpoint)}, signs only the first ${signedSize} events${signedSize > 0 ? ` (leaves 0 to ${signedSize - 1})` : ''}`
      : 'there is no checkpoint signed by the ledger key to cover any event';
    findings.fail(subject, `is the first event no signature covers: ${why}; ${more}. Events past a signed checkpoint may have been appended by anyone`, {
      expected: `${signedSize} signed events`,
      found: `${leaves} events`,
    });
  }

  io.out(`size ${leaves}`);
  io.out(unreadable ? `root unknown (line ${unreadable.line} could not be read)` : `root ${toHex(frontier.root())}`);
  return findings.finish(
    `log ${file}: ${leaves} events in ${heads.streams} stream${heads.streams === 1 ? '' : 's'}, every hash and chain verified; ` +
      `${matched} checkpoint${matched === 1 ? '' : 's'} matched, and every event lies within the largest, of size ${signedSize}`,
  );
};

/** The bytes of the export a thread reads and checks at a time: the lines that begin in them. */
const RANGE_BYTES = 1 << 20;

/** Ranges asked of each thread before the first answer is taken: enough that no thread waits for the next. */
const RANGES_AHEAD = 4;

/** An export from this size on is checked on a thread per core, unless --threads says otherwise. */
const THREADS_FROM_BYTES = 8 << 20;

function threadCount(text: string): number {
  const threads = Number(text);
  if (!/^[0-9]+$/.test(text) || threads < 1 || threads > 256) {
    throw new UsageError(`--threads is a whole number from 1 to 256; got ${JSON.stringify(text)}`, verifyLogUsage);
  }
  return threads;
}
