// samverkan-audit: checks samverkan's ledger without trusting the server. Depends on the ledger and sealing
// libraries and Node only; it touches the network only when given --server. bin/samverkan-audit.js runs this.
import { isMainThread } from 'node:worker_threads';
import { errorMessage, EXIT_FAILED, Io } from './cli';
import { main } from './audit';

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  terminal: process.stderr.isTTY ? process.stderr : undefined,
  env: process.env,
  now: () => Math.floor(Date.now() / 1000),
};
// The packed verifier is one file, which its own worker threads load too (line-checkers.ts): they only check lines.
if (isMainThread) {
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`samverkan-audit: ${errorMessage(error)}\n`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
