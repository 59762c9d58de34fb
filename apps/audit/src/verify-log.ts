import { createReadStream, statSync } from 'node:fs';
import { eventLeafHash, MerkleFrontier, ProofError, toHex } from '@samverkan/ledger';
import { SealedEnvelope } from '@samverkan/sealing';
import { Command, describeEvent, errorMessage, EXIT_OK, Findings, parseCommand, UsageError } from './cli';
import { proveConsistent } from './consistency-proof';
import { envelopeShapeProblem, hashMismatch, StreamHeads } from './envelope-check';
import { describeCheckpoint, OpenedCheckpoint, openCheckpointFile, originMismatch, readInputFile, readVerifierKey } from './inputs';
import { ProgressBar } from './progress';
import { fetchText, serverToken, serverUrl, ServerUnavailable } from './server';

export const verifyLogUsage = `usage: samverkan-audit verify-log <export.ndjson> --key <ledger verifier key, or a file holding it>
                                  [--checkpoint <file> ...] [--server <url> [--token <jwt>]]

Checks a full export of the ledger (GET /ledger/export) in one pass, without holding it in memory: every
event's hash recomputed from its envelope, every stream's chain (from revision 0, in order, no gaps, each
linked to the one before), leaf indexes from 0 without gaps, and the RFC 6962 root recomputed at the size of
each checkpoint and compared with the root it signed. A checkpoint counts only if --key signed it and its
origin is the key's name.

Hashes and chains that check out prove nothing by themselves (anyone can write a chain-correct log), so at
least one checkpoint is required: files given with --checkpoint (GET /ledger/checkpoints?size=<n>), and/or
the server's latest, fetched with --server and a bearer token (--token, or SAMVERKAN_TOKEN) from
GET /ledger/checkpoint. Every event must lie within the largest checkpoint: events after it fail, naming the
first one and how many there are. A --checkpoint larger than the export fails (events were removed or the log
truncated); the server's latest checkpoint may be larger, when the log grew after the export was taken, and
then a consistency proof fetched from the server must show that the export is the start of the log it signed.
Shows progress on a terminal.`;

/** A checkpoint to compare the log with: a --checkpoint file, or the server's latest (`latest`). */
interface LogCheckpoint extends OpenedCheckpoint {
  readonly latest?: boolean;
}

export const verifyLog: Command = async (args, io) => {
  const cli = parseCommand(args, {
    usage: verifyLogUsage,
    options: { key: { type: 'string' }, checkpoint: { type: 'string', multiple: true }, server: { type: 'string' }, token: { type: 'string' } },
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

  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new UsageError(`cannot read the export ${file}: ${errorMessage(error)}`);
  }

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
  let unsigned: { leaf: number; line: number; event?: SealedEnvelope; count: number } | undefined;
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
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const progress = io.terminal ? new ProgressBar(io.terminal, size || undefined) : undefined;
  let lineNumber = 0;
  for await (const line of linesOf(input)) {
    lineNumber += 1;
    const leaf = leaves++;
    const event = checkLine(line, lineNumber, leaf);
    if (event && !unreadable) frontier.append(eventLeafHash(event.hash));
    else unreadable ??= { leaf, line: lineNumber };
    if (leaf >= signedSize) {
      unsigned ??= { leaf, line: lineNumber, event, count: 0 };
      unsigned.count += 1;
    }
    compareCheckpoints();
    progress?.tick(leaves, () => input.bytesRead);
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

  /** Checks one line; returns the event if its hash can go into the tree (even if the event failed a check). */
  function checkLine(line: string, lineNumber: number, leaf: number): SealedEnvelope | undefined {
    const where = `line ${lineNumber} (leaf ${leaf})`;
    let record: { index?: unknown; event?: unknown };
    try {
      record = JSON.parse(line);
    } catch (error) {
      findings.fail(where, line.trim() === '' ? 'is empty; every line of an export is one event' : `is not JSON: ${errorMessage(error)}`);
      return undefined;
    }
    const shape = typeof record === 'object' && record !== null ? envelopeShapeProblem(record.event) : 'is not a JSON object';
    if (shape) {
      findings.fail(where, `${shape}; it cannot be checked`);
      return undefined;
    }
    const event = record.event as SealedEnvelope;
    const subject = () => describeEvent(event, leaf); // only a failure names it
    if (record.index !== leaf) {
      findings.fail(subject(), `is numbered ${JSON.stringify(record.index)}, but it is line ${lineNumber}: leaf indexes run from 0 without gaps`, {
        expected: leaf,
        found: JSON.stringify(record.index),
      });
    }
    // The line is `{"index":<leaf>,"event":<the event's stored bytes>}` as the service exports it.
    const prefix = `{"index":${leaf},"event":`;
    const stored = line.startsWith(prefix) && line.endsWith('}') ? line.slice(prefix.length, -1) : undefined;
    const mismatch = hashMismatch(event, stored);
    if (mismatch) findings.fail(subject(), 'its content does not hash to its stored hash: the event was changed after it was sealed', mismatch);
    const broken = heads.advance(event);
    if (broken) findings.fail(subject(), broken.problem, broken);
    return event;
  }
};

/**
 * The lines of the export, as they come: split on LF (a CR before it is dropped), decoded as UTF-8 a line at a
 * time, the last one whether or not a newline ends it. (node:readline does the same a callback and a string
 * concatenation per line, a sixth of the time of a check.)
 */
async function* linesOf(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest: Buffer | undefined;
  for await (const chunk of input) {
    const bytes: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let end = bytes.indexOf(0x0a); end >= 0; start = end + 1, end = bytes.indexOf(0x0a, start)) {
      lines.push(bytes.toString('utf8', start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end));
    }
    rest = start < bytes.length ? bytes.subarray(start) : undefined;
    yield* lines;
  }
  if (rest) yield rest.toString('utf8', 0, rest[rest.length - 1] === 0x0d ? rest.length - 1 : rest.length);
}
