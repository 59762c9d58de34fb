import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = resolve(__dirname, '..', '..');

/**
 * The verifier as one compiled file: the CLI with the common, ledger and sealing libraries and canonicalize
 * (RFC 8785) inside it, needing nothing but Node. What the package an auditor installs holds (pack.ts), and what
 * the benchmark runs as an auditor runs it.
 */
export function bundleAudit(outfile: string): void {
  buildSync({
    entryPoints: [join(__dirname, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    alias: Object.fromEntries(['common', 'ledger', 'sealing'].map((lib) => [`@samverkan/${lib}`, join(ROOT, 'libs', lib, 'src')])),
    legalComments: 'none',
    logLevel: 'warning',
  });
}
