/**
 * Prints a token for an agency: signed with its development key (the embedded default), or with the private
 * key `npm run agency-key` made for it (`--key <file>`, for a deployment without development keys):
 *   npm run token -- <agencyId> [actorId] [--ttl seconds] [--key file]
 */
import { AgencyRegistry } from '../agencies/agency-registry';
import { loadConfig } from '../config/app-config';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { devPrivateKey, signToken } from './dev-keys';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ttlAt = args.indexOf('--ttl');
  const ttl = ttlAt >= 0 ? Number(args.splice(ttlAt, 2)[1]) : 900;
  const keyAt = args.indexOf('--key');
  const keyFile = keyAt >= 0 ? args.splice(keyAt, 2)[1] : undefined;
  const [agencyId, actorId = 'dev-officer'] = args;
  const config = loadConfig();
  const registry = AgencyRegistry.fromFile(config.agenciesFile);
  if (!agencyId || !registry.get(agencyId)) {
    const known = registry.all().map((a) => `  ${a.id} (${a.kind})`).join('\n');
    process.stderr.write(`usage: npm run token -- <agencyId> [actorId] [--ttl seconds] [--key file]\nagencies:\n${known}\n`);
    process.exit(2);
  }
  if (!Number.isInteger(ttl) || ttl <= 0) {
    process.stderr.write('--ttl must be a positive number of seconds\n');
    process.exit(2);
  }
  const key = keyFile ? createPrivateKey(readFileSync(keyFile)) : devPrivateKey(config.dataDir, agencyId);
  process.stdout.write(`${await signToken(key, agencyId, actorId, ttl)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
