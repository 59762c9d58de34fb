/**
 * Prints a development token for an agency of the embedded default:
 *   npm run token -- <agencyId> [actorId] [--ttl seconds]
 */
import { AgencyRegistry } from '../agencies/agency-registry';
import { loadConfig } from '../config/app-config';
import { signDevToken } from './dev-keys';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ttlAt = args.indexOf('--ttl');
  const ttl = ttlAt >= 0 ? Number(args.splice(ttlAt, 2)[1]) : 900;
  const [agencyId, actorId = 'dev-officer'] = args;
  const config = loadConfig();
  const registry = AgencyRegistry.fromFile(config.agenciesFile);
  if (!agencyId || !registry.get(agencyId)) {
    const known = registry.all().map((a) => `  ${a.id} (${a.kind})`).join('\n');
    process.stderr.write(`usage: npm run token -- <agencyId> [actorId] [--ttl seconds]\nagencies:\n${known}\n`);
    process.exit(2);
  }
  if (!Number.isInteger(ttl) || ttl <= 0) {
    process.stderr.write('--ttl must be a positive number of seconds\n');
    process.exit(2);
  }
  process.stdout.write(`${await signDevToken(config.dataDir, agencyId, actorId, ttl)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
