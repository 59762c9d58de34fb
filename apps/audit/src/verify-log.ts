import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { eventLeafHash, MerkleFrontier, toHex } from '@samverkan/ledger';
import { SealedEnvelope } from '@samverkan/sealing';
import { Command, describeEvent, errorMessage, EXIT_OK, Findings, parseCommand, UsageError } from './cli';
import { envelopeShapeProblem, hashMismatch, StreamHeads } from './envelope-check';
import { describeCheckpoint, OpenedCheckpoint, openCheckpointFile, readInputFile, readVerifierKey } from './inputs';
import { ProgressBar } from './progress';

export const verifyLogUsage = `usage: samverkan-audit verify-log <export.ndjson> --key <ledger verifier key, or a file holding it> [--checkpoint <file> ...]

Checks a full export of the ledger (GET /ledger/export) in one pass, without holding it in memory: every
event's hash recomputed from its envelope, every stream's chain (from revision 0, in order, no gaps, each
linked to the one before), leaf indexes from 0 without gaps, and the RFC 6962 root recomputed at the size of
each given checkpoint (whose signature is checked with --key) and compared with the root it signed. Without
--checkpoint it reports the size and root of the export for you to compare. Shows progress on a terminal.`;

export const verifyLog: Command = async (args, io) => {
  const cli = parseCommand(args, {
    usage: verifyLogUsage,
    options: { key: { type: 'string' }, checkpoint: { type: 'string', multiple: true } },
    required: ['key'],
    positionals: [1, 1],
  });
  if (cli.help) {
    io.out(verifyLogUsage);
    return EXIT_OK;
  }
  const [file] = cli.positionals;
  const key = readVerifierKey(cli.values.key!, '--key');
  const findings = new Findings(io);

  const checkpoints: OpenedCheckpoint[] = [];
  for (const cpFile of cli.values.checkpoint ?? []) {
    const note = readInputFile(cpFile, 'the checkpoint');
    try {
      checkpoints.push(openCheckpointFile(cpFile, note, key.verifier));
    } catch (error) {
      findings.fail(describeCheckpoint(cpFile), `is not a checkpoint signed by the ledger key ${key.text}: ${errorMessage(error)}`);
    }
  }
  checkpoints.sort((a, b) => a.checkpoint.size - b.checkpoint.size);

  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new UsageError(`cannot read the export ${file}: ${errorMessage(error)}`);
  }

  const frontier = new MerkleFrontier();
  const heads = new StreamHeads();
  let leaves = 0;
  let unreadable: { leaf: number; line: number } | undefined; // from here on the root cannot be recomputed
  let matched = 0;
  let nextCheckpoint = 0;

  const compareCheckpoints = () => {
    while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint].checkpoint.size === leaves) {
      const { file: cpFile, checkpoint } = checkpoints[nextCheckpoint++];
      const subject = describeCheckpoint(cpFile, checkpoint);
      if (unreadable) {
        findings.fail(subject, `cannot be checked: line ${unreadable.line} (leaf ${unreadable.leaf}) could not be read, so the root of the first ${leaves} events is unknown`);
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
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    const leaf = leaves++;
    const event = checkLine(line, lineNumber, leaf);
    if (event && !unreadable) frontier.append(eventLeafHash(event.hash));
    else unreadable ??= { leaf, line: lineNumber };
    compareCheckpoints();
    progress?.tick(leaves, () => input.bytesRead);
  }
  progress?.done(leaves);

  for (const { file: cpFile, checkpoint } of checkpoints.slice(nextCheckpoint)) {
    findings.fail(
      describeCheckpoint(cpFile, checkpoint),
      `the log ends after ${leaves} events, but this checkpoint signed a log of ${checkpoint.size}: events were removed or the log was truncated`,
      { expected: `${checkpoint.size} events`, found: `${leaves} events` },
    );
  }

  io.out(`size ${leaves}`);
  io.out(unreadable ? `root unknown (line ${unreadable.line} could not be read)` : `root ${toHex(frontier.root())}`);
  const against =
    checkpoints.length === 0
      ? 'no checkpoint given: compare the size and root above with a checkpoint you trust'
      : `${matched} checkpoint${matched === 1 ? '' : 's'} matched`;
  return findings.finish(`log ${file}: ${leaves} events in ${heads.streams} stream${heads.streams === 1 ? '' : 's'}, every hash and chain verified; ${against}`);

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
    const subject = describeEvent(event, leaf);
    if (record.index !== leaf) {
      findings.fail(subject, `is numbered ${JSON.stringify(record.index)}, but it is line ${lineNumber}: leaf indexes run from 0 without gaps`, {
        expected: leaf,
        found: JSON.stringify(record.index),
      });
    }
    const mismatch = hashMismatch(event);
    if (mismatch) findings.fail(subject, 'its content does not hash to its stored hash: the event was changed after it was sealed', mismatch);
    const broken = heads.advance(event);
    if (broken) findings.fail(subject, broken.problem, broken);
    return event;
  }
};
