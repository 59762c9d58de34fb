import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ProofError, verifyConsistency, verifyInclusion } from '@samverkan/ledger';
import { Command, errorMessage, EXIT_FAILED, EXIT_OK, parseCommand, UsageError } from './cli';
import { looseHex } from './inputs';

export const proofCheckUsage = `usage: samverkan-audit proof-check <file.jsonl>

Verifies one proof per line and prints one line per input line, in order: \`ok\` or \`reject: <reason>\`.
Each line is a JSON object, either
  {"kind":"inclusion","leafIndex":n,"treeSize":n,"leafHash":hex,"proof":[hex],"root":hex}
or
  {"kind":"consistency","size1":n,"size2":n,"root1":hex,"root2":hex,"proof":[hex]}
A line that is not such an object is rejected with the reason; it never stops the run. Exit code 0 only if
every line is ok.`;

export const proofCheck: Command = async (args, io) => {
  const cli = parseCommand(args, { usage: proofCheckUsage, options: {}, positionals: [1, 1] });
  if (cli.help) {
    io.out(proofCheckUsage);
    return EXIT_OK;
  }
  const [file] = cli.positionals;
  await access(file).catch((error) => {
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  });
  let rejected = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    const verdict = checkProofLine(line);
    if (verdict !== 'ok') rejected += 1;
    io.out(verdict);
  }
  return rejected === 0 ? EXIT_OK : EXIT_FAILED;
};

/** `ok`, or `reject: <reason>` where reason is the verifier's stable name of the failed check and why. */
export function checkProofLine(line: string): string {
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(line);
  } catch (error) {
    return `reject: bad-json: ${line.trim() === '' ? 'the line is empty' : errorMessage(error)}`;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'reject: bad-input: a line must be a JSON object';
  try {
    if (input.kind === 'inclusion') {
      const leafIndex = count(input, 'leafIndex');
      const treeSize = count(input, 'treeSize');
      verifyInclusion(hash(input, 'leafHash'), leafIndex, treeSize, hashes(input), hash(input, 'root'));
    } else if (input.kind === 'consistency') {
      const size1 = count(input, 'size1');
      const size2 = count(input, 'size2');
      verifyConsistency(size1, size2, hash(input, 'root1'), hash(input, 'root2'), hashes(input));
    } else {
      return `reject: bad-input: kind must be "inclusion" or "consistency", not ${JSON.stringify(input.kind)}`;
    }
    return 'ok';
  } catch (error) {
    if (error instanceof ProofError) return `reject: ${error.reason}: ${error.message}`;
    if (error instanceof BadField) return `reject: bad-input: ${error.message}`;
    return `reject: error: ${errorMessage(error)}`;
  }
}

class BadField extends Error {}

// Numbers are passed on as they are (a fraction, a negative or 2^64-1 included): refusing them is the verifier's job.
function count(input: Record<string, unknown>, field: string): number {
  if (typeof input[field] !== 'number') throw new BadField(`${field} must be a number, not ${JSON.stringify(input[field]) ?? 'missing'}`);
  return input[field] as number;
}

function hash(input: Record<string, unknown>, field: string): Buffer {
  return hexHash(input[field], field);
}

function hashes(input: Record<string, unknown>): Buffer[] {
  if (!Array.isArray(input.proof)) throw new BadField(`proof must be a list of hex strings, not ${JSON.stringify(input.proof) ?? 'missing'}`);
  return input.proof.map((value, i) => hexHash(value, `proof[${i}]`));
}

function hexHash(value: unknown, what: string): Buffer {
  const bytes = looseHex(value);
  if (!bytes) throw new BadField(`${what} must be a hex string, not ${JSON.stringify(value) ?? 'missing'}`);
  return bytes;
}
