/**
 * Records a believable year of a city like Malmö through the running service's API (see demo-year.ts):
 *   npm run demo:year [-- --seed N] [--scale F] [--url http://127.0.0.1:3000]
 * It signs as each agency with the development keys in SAMVERKAN_DATA_DIR, as `npm run token` does, so run it
 * with the same settings as the service. The same seed records the same year (in new cases each time).
 */
import { loadConfig } from '../config/app-config';
import { existingDevPrivateKey, signToken } from '../auth/dev-keys';
import { apiOverHttp, planYear, recordYear } from './demo-year';

const USAGE = 'usage: npm run demo:year [-- --seed N] [--scale F] [--url http://127.0.0.1:3000]\n';

function parse(args: string[]): { seed: number; scale: number; url: string } {
  const options = { seed: 2026, scale: 1, url: `http://127.0.0.1:${process.env.PORT ?? 3000}` };
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1] ?? ''];
    if (name === '--seed' && /^\d{1,9}$/.test(value)) options.seed = Number(value);
    else if (name === '--scale' && /^\d{1,3}(\.\d{1,3})?$/.test(value) && Number(value) > 0) options.scale = Number(value);
    else if (name === '--url' && /^https?:\/\/\S+$/.test(value)) options.url = value.replace(/\/$/, '');
    else {
      process.stderr.write(`${name} ${value} is not an option of the demo\n${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const { seed, scale, url } = parse(process.argv.slice(2));
  const config = loadConfig();
  const tokens = new Map<string, string>();
  const tokenOf = async (agencyId: string) => {
    if (!tokens.has(agencyId)) tokens.set(agencyId, await signToken(existingDevPrivateKey(config.dataDir, agencyId), agencyId, 'demo-officer', 900));
    return tokens.get(agencyId)!;
  };
  const plan = planYear(seed, scale);
  const started = Date.now();
  const cases = await recordYear(plan, apiOverHttp(url, tokenOf));
  const byGroup = new Map<string, number>();
  for (const person of plan.people) byGroup.set(person.category, (byGroup.get(person.category) ?? 0) + 1);
  process.stdout.write(
    `recorded ${cases.size} cases (seed ${seed}, scale ${scale}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${[...byGroup].map(([group, n]) => `${n} ${group}`).join(', ')}\n` +
      `read the figures with: curl -s "${url}/statistics?year=${new Date().getUTCFullYear()}&region=skane" -H "Authorization: Bearer $(npm run -s token -- mika-malmo)"\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
