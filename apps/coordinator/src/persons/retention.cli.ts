/**
 * The retention job: `npm run retention [-- --dry-run] [--at YYYY-MM-DD]`. Erases the person records whose
 * retention period has ended (persons/retention.ts), as the service itself, and prints what it did as JSON;
 * with --dry-run, what it would do. --at judges as of another day (to see what falls due then). Reads the
 * configuration as the service does (EVENT_STORE, DATABASE_URL, SAMVERKAN_DATA_DIR, the master key); it may run
 * beside a running service, e.g. nightly from cron.
 */
import { loadConfig } from '../config/app-config';
import { openEventStore } from '../config/event-store.provider';
import { AgencyRegistry } from '../agencies/agency-registry';
import { openKeyVault } from './open-key-vault';
import { runRetention } from './retention.job';

const USAGE = 'usage: npm run retention [-- --dry-run] [--at YYYY-MM-DD]\n';

function parse(args: string[]): { dryRun: boolean; now: Date } {
  let dryRun = false;
  let now = new Date();
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--dry-run') dryRun = true;
    else if (args[i] === '--at' && /^\d{4}-\d{2}-\d{2}$/.test(args[i + 1] ?? '') && !Number.isNaN(Date.parse(args[i + 1])))
      now = new Date(`${args[++i]}T00:00:00Z`);
    else if (args[i] === '--help' || args[i] === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      process.stderr.write(`${args[i]} is not an option of the retention job (--at takes a date as YYYY-MM-DD)\n${USAGE}`);
      process.exit(2);
    }
  }
  return { dryRun, now };
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const config = loadConfig();
  const registry = AgencyRegistry.fromFile(config.agenciesFile);
  const store = await openEventStore(config);
  const vault = await openKeyVault(config);
  try {
    const report = await runRetention(store, vault, (id) => registry.get(id)?.kind, options);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await vault.close();
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`retention: ${(error as Error).message}\n`);
  process.exit(1);
});
