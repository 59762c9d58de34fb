/**
 * Makes a signing key pair for an agency's system, for a deployment without development keys:
 *   npm run agency-key -- <agencyId> [--out <file>]
 * writes the private key (PKCS#8 PEM, mode 0600) to <agencyId>.private.pem or --out, for the agency's system,
 * and prints the public key as the `publicKeys` entry to add to the agency in config/agencies.yaml.
 * `npm run token -- <agencyId> <officer> --key <file>` then signs a token with it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { AgencyRegistry } from '../agencies/agency-registry';
import { loadConfig } from '../config/app-config';

function main(): void {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args.splice(outAt, 2)[1] : undefined;
  const [agencyId] = args;
  const { agenciesFile } = loadConfig();
  const registry = AgencyRegistry.fromFile(agenciesFile);
  if (!agencyId || !registry.get(agencyId)) {
    process.stderr.write(
      `usage: npm run agency-key -- <agencyId> [--out file]\nagencies: ${registry
        .all()
        .map((a) => a.id)
        .join(', ')}\n`,
    );
    process.exit(2);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const file = resolve(out ?? `${agencyId}.private.pem`);
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { flag: 'wx', mode: 0o600 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'EdDSA', use: 'sig' };
  process.stderr.write(`private key for ${agencyId}'s system: ${file} (keep it there; it signs as ${agencyId})\n`);
  process.stderr.write(`add to ${agencyId} in ${agenciesFile}, then restart the service:\n`);
  process.stdout.write(stringify({ publicKeys: [jwk] }));
}

main();
