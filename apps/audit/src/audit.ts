import { Command, errorMessage, EXIT_FAILED, EXIT_OK, EXIT_USAGE, Io, UsageError } from './cli';
import { proofCheck, proofCheckUsage } from './proof-check';
import { verifyBundle, verifyBundleUsage } from './verify-bundle';
import { verifyConsistencyCommand, verifyConsistencyUsage } from './verify-consistency';
import { verifyLog, verifyLogUsage } from './verify-log';
import { witness, witnessKey, witnessKeyUsage, witnessUsage } from './witness';

const commands: Record<string, { run: Command; usage: string; summary: string }> = {
  'verify-bundle': { run: verifyBundle, usage: verifyBundleUsage, summary: "check a case's audit bundle offline (or against the server's timeline)" },
  'verify-log': { run: verifyLog, usage: verifyLogUsage, summary: 'check a full ledger export against signed checkpoints (at least one)' },
  'verify-consistency': { run: verifyConsistencyCommand, usage: verifyConsistencyUsage, summary: 'check that a newer checkpoint extends an older one' },
  witness: { run: witness, usage: witnessUsage, summary: 'check a checkpoint against the last one accepted, and cosign it' },
  'witness-key': { run: witnessKey, usage: witnessKeyUsage, summary: 'create an Ed25519 witness key and print its verifier key' },
  'proof-check': { run: proofCheck, usage: proofCheckUsage, summary: 'verify inclusion and consistency proofs given as JSON lines' },
};

const usage = `usage: samverkan-audit <command> [arguments]

Verifies samverkan's ledger offline with nothing but the ledger's public key (GET /ledger/key).

commands:
${Object.entries(commands)
  .map(([name, { summary }]) => `  ${name.padEnd(20)}${summary}`)
  .join('\n')}

Run \`samverkan-audit <command> --help\` for its arguments. Exit code: 0 everything verified, 1 something did
not verify (each failure is printed, naming the event or checkpoint), 2 the command line was wrong.`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(usage);
    return EXIT_OK;
  }
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    io.err(name === undefined ? 'samverkan-audit: no command given' : `samverkan-audit: unknown command ${JSON.stringify(name)}`);
    io.err(usage);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`samverkan-audit ${name}: ${error.message}`);
      io.err(error.usage ?? command.usage);
      return EXIT_USAGE;
    }
    io.err(`samverkan-audit ${name}: ${errorMessage(error)}`);
    return EXIT_FAILED;
  }
}
