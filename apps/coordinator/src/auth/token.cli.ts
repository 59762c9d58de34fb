/**
 * Prints a token for an agency: signed with its development key (the embedded default), or with the private
 * key `npm run agency-key` made for it (`--key <file>`, for a deployment without development keys):
 *   npm run token -- <agencyId> [actorId] [--ttl seconds] [--key file] [--url http://127.0.0.1:3000]
 *
 * A development key is read from the data directory a service made it in (SAMVERKAN_DATA_DIR, ./data by
 * default), never made here; and where a service answers at --url (default: this machine, PORT or 3000) the
 * token is shown to it first. A token that service would refuse is not printed: the command says why instead.
 */
import { AgencyRegistry } from '../agencies/agency-registry';
import { loadConfig } from '../config/app-config';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { existingDevPrivateKey, signToken } from './dev-keys';

const USAGE = 'usage: npm run token -- <agencyId> [actorId] [--ttl seconds] [--key file] [--url http://127.0.0.1:3000]\n';

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ttl = Number(option(args, '--ttl') ?? 900);
  const keyFile = option(args, '--key');
  const url = (option(args, '--url') ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  const [agencyId, actorId = 'dev-officer'] = args;
  const config = loadConfig();
  const registry = AgencyRegistry.fromFile(config.agenciesFile);
  if (!agencyId || !registry.get(agencyId)) {
    const known = registry
      .all()
      .map((a) => `  ${a.id} (${a.kind})`)
      .join('\n');
    process.stderr.write(`${USAGE}agencies:\n${known}\n`);
    process.exit(2);
  }
  if (!Number.isInteger(ttl) || ttl <= 0) {
    process.stderr.write('--ttl must be a positive number of seconds\n');
    process.exit(2);
  }
  if (!/^https?:\/\/\S+$/.test(url)) {
    process.stderr.write(`--url must be an http(s) URL, not ${url}\n${USAGE}`);
    process.exit(2);
  }
  const key = keyFile ? createPrivateKey(readFileSync(keyFile)) : existingDevPrivateKey(config.dataDir, agencyId);
  const token = await signToken(key, agencyId, actorId, ttl);
  if (!keyFile) {
    const refusal = await refusedBy(url, token);
    if (refusal !== undefined) {
      process.stderr.write(
        `the service at ${url} refuses a token signed with the development key in ${config.dataDir} (${refusal}): it was started ` +
          'with another data directory. Give this command the one it was started with (SAMVERKAN_DATA_DIR=<that directory>, as the ' +
          "service's start-up line shows), or --url for another service.\n",
      );
      process.exit(1);
    }
  }
  process.stdout.write(`${token}\n`);
}

/** The problem the service at `url` answers the token with; undefined when it takes it, or no service answers. */
async function refusedBy(url: string, token: string): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(`${url}/agencies/me`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
  } catch {
    return undefined;
  }
  if (response.status !== 401) return undefined;
  const body = (await response.json().catch(() => ({}))) as { detail?: string };
  return body.detail ?? 'HTTP 401';
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
