/**
 * `npm run pack:audit`: the verifier as a package an auditor installs on a machine of their own, away from this
 * repository: `npm install ./samverkan-audit-<version>.tgz`, then `npx samverkan-audit …`. It is one compiled
 * file with the ledger and sealing libraries and canonicalize (RFC 8785) inside it, so the package depends on
 * nothing but Node and installs without a registry. Writes apps/audit/dist/samverkan-audit-<version>.tgz and prints its path.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleAudit } from './bundle';

const ROOT = resolve(__dirname, '..', '..');
// Beside the sources, not in the service's dist/, which every build of the service empties.
const OUT = join(__dirname, 'dist');

function packAudit(): string {
  const source = JSON.parse(readFileSync(join(__dirname, 'package.json'), 'utf8')) as { name: string; version: string; description: string; license: string };
  // Assembled outside the repository: a second package.json of the same name inside it would confuse tools.
  const stage = mkdtempSync(join(tmpdir(), 'samverkan-audit-package-'));
  mkdirSync(OUT, { recursive: true });
  bundleAudit(join(stage, 'samverkan-audit.js'));
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify(
      {
        name: source.name,
        version: source.version,
        description: source.description,
        license: source.license,
        bin: { 'samverkan-audit': 'samverkan-audit.js' },
        engines: { node: '>=20' },
        files: ['samverkan-audit.js', 'README.md', 'THIRD-PARTY-NOTICES'],
      },
      null,
      2,
    )}\n`,
  );
  copyFileSync(join(__dirname, 'README.md'), join(stage, 'README.md'));
  // The one library compiled in, with its licence, as the Apache License 2.0 asks.
  const canonicalize = join(ROOT, 'node_modules', 'canonicalize');
  const { version } = JSON.parse(readFileSync(join(canonicalize, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(
    join(stage, 'THIRD-PARTY-NOTICES'),
    `samverkan-audit contains canonicalize ${version} (RFC 8785 JSON canonicalisation), under this licence:\n\n${readFileSync(join(canonicalize, 'LICENSE'), 'utf8')}`,
  );
  try {
    const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', OUT], { cwd: stage, encoding: 'utf8' }).trim().split('\n').pop()!;
    return join(OUT, file);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

process.stdout.write(`${packAudit()}\n`);
