import { ProofError } from '@samverkan/ledger';
import { Command, errorMessage, EXIT_OK, Findings, parseCommand, UsageError } from './cli';
import { proveConsistent, serverToken } from './consistency-proof';
import { describeCheckpoint, OpenedCheckpoint, openCheckpointFile, originMismatch, readInputFile, readVerifierKey } from './inputs';

export const verifyConsistencyUsage = `usage: samverkan-audit verify-consistency <old-checkpoint> <new-checkpoint> --key <ledger verifier key, or a file holding it>
                                          [--proof <file> | --server <url> [--token <jwt>]]

Checks that the newer checkpoint extends the older one: both signatures with --key, both origins (the name
of --key), and the RFC 9162 consistency proof between their sizes, read from --proof (the JSON of
GET /ledger/proofs/consistency) or fetched from --server with a bearer token (--token, or the SAMVERKAN_TOKEN
environment variable). Checkpoints of equal size need no proof, only equal roots.`;

export const verifyConsistencyCommand: Command = async (args, io) => {
  const cli = parseCommand(args, {
    usage: verifyConsistencyUsage,
    options: { key: { type: 'string' }, proof: { type: 'string' }, server: { type: 'string' }, token: { type: 'string' } },
    required: ['key'],
    positionals: [2, 2],
  });
  if (cli.help) {
    io.out(verifyConsistencyUsage);
    return EXIT_OK;
  }
  if (cli.values.proof && cli.values.server) throw new UsageError('give either --proof or --server, not both', verifyConsistencyUsage);
  const key = readVerifierKey(cli.values.key!, '--key');
  const findings = new Findings(io);

  const opened: OpenedCheckpoint[] = [];
  for (const file of cli.positionals) {
    const note = readInputFile(file, 'the checkpoint');
    let checkpoint: OpenedCheckpoint;
    try {
      checkpoint = openCheckpointFile(file, note, key.verifier);
    } catch (error) {
      findings.fail(describeCheckpoint(file), `is not a checkpoint signed by the ledger key ${key.text}: ${errorMessage(error)}`);
      continue;
    }
    const foreign = originMismatch(checkpoint.checkpoint, key.verifier);
    if (foreign) findings.fail(describeCheckpoint(file, checkpoint.checkpoint), foreign.problem, foreign);
    else opened.push(checkpoint);
  }
  if (opened.length < 2) return findings.finish('');

  const [older, newer] = opened;
  const subject = describeCheckpoint(newer.file, newer.checkpoint);
  try {
    const how = await proveConsistent(older.checkpoint, newer.checkpoint, {
      file: cli.values.proof,
      server: cli.values.server,
      token: serverToken(cli.values.token, io),
    });
    return findings.finish(`${subject} extends ${describeCheckpoint(older.file, older.checkpoint)}: ${how}`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const reason = error instanceof ProofError ? `${error.reason}: ` : '';
    findings.fail(subject, `is not proven to extend ${describeCheckpoint(older.file, older.checkpoint)}: ${reason}${errorMessage(error)}`);
    return findings.finish('');
  }
};
