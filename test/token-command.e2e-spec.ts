import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { devPrivateKey, tokenCommand } from '../apps/coordinator/src/auth/dev-keys';
import { AuditRun, runProcess, scratchDir } from './support/audit-cli';
import { RunningService } from './support/running-service';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '..');

/** `npm run -s token -- <args>` as a person runs it in the repository, with only the settings given. */
function tokenCli(args: string[], settings: Record<string, string>): Promise<AuditRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...settings };
  return runProcess(process.execPath, ['scripts/run-ts.js', 'apps/coordinator/src/auth/token.cli.ts', ...args], { cwd: ROOT, env });
}

/**
 * The token trap: a service started with SAMVERKAN_DATA_DIR, and `npm run token` run without it. The command
 * reads the keys the service made and never makes keys of its own; a token the running service would refuse is
 * not printed, and the command says why. The service's start-up line names the settings the command needs.
 */
describe('npm run token beside a running service', () => {
  let service: RunningService;
  let port: string;

  beforeAll(async () => {
    service = await RunningService.start();
    port = new URL(service.baseUrl).port;
  });
  afterAll(() => service?.stop());

  it("prints a token the service takes, given the service's data directory", async () => {
    const run = await tokenCli(['polisen-malmo', 'officer-7'], { SAMVERKAN_DATA_DIR: service.config.dataDir, PORT: port });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const me = await fetch(`${service.baseUrl}/agencies/me`, { headers: { authorization: `Bearer ${run.stdout.trim()}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: 'polisen-malmo', actorId: 'officer-7' });
  });

  it('refuses, saying why, where the data directory holds no keys, and makes none', async () => {
    const empty = scratchDir('no-keys');
    const run = await tokenCli(['polisen-malmo'], { SAMVERKAN_DATA_DIR: empty, PORT: port });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`no development key for polisen-malmo in ${empty}/dev-keys`);
    expect(run.stderr).toContain('SAMVERKAN_DATA_DIR=');
    expect(existsSync(`${empty}/dev-keys`)).toBe(false);
  });

  it("refuses a token the running service would refuse: another directory's keys", async () => {
    const other = scratchDir('other-keys');
    devPrivateKey(other, 'polisen-malmo');
    const run = await tokenCli(['polisen-malmo'], { SAMVERKAN_DATA_DIR: other, PORT: port });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`the service at http://127.0.0.1:${port} refuses a token signed with the development key in ${other}`);
    // Where no service answers, the token is printed: it is for a service started later on that directory.
    const offline = await tokenCli(['polisen-malmo', '--url', 'http://127.0.0.1:9'], { SAMVERKAN_DATA_DIR: other });
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it("names in the service's start-up line the settings the command needs", () => {
    const config = { dataDir: '/srv/samverkan', port: 3100, agenciesFile: '/etc/samverkan/agencies.yaml' };
    expect(tokenCommand(config, { SAMVERKAN_DATA_DIR: '/srv/samverkan', PORT: '3100' })).toBe(
      'SAMVERKAN_DATA_DIR=/srv/samverkan PORT=3100 npm run -s token -- polisen-malmo officer-1',
    );
    expect(tokenCommand(config, {})).toBe('npm run -s token -- polisen-malmo officer-1');
  });
});
