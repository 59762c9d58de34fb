import { readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AuditRun, checkpointOfWholeStore, fetchText, runProcess, saveFile, scratchDir } from './support/audit-cli';
import { RunningService } from './support/running-service';

jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '..');

/** A command in a folder, with a clean HOME and npm cache there and nothing else of this machine's settings. */
function run(command: string, args: string[], cwd: string, home: string): Promise<AuditRun> {
  return runProcess(command, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: home, npm_config_cache: join(home, '.npm'), npm_config_update_notifier: 'false' },
  });
}

/**
 * The verifier as an auditor gets it: `npm run pack:audit` in this repository, the tarball installed with
 * `npm install ./samverkan-audit-x.y.z.tgz` in an empty folder with a clean HOME (no registry needed), and each
 * of the README's flows run with `npx samverkan-audit` there against a running service.
 */
describe('the samverkan-audit package, installed from its tarball away from the repository', () => {
  let service: RunningService;
  let home: string;
  let folder: string;
  const audit = (...args: string[]) => run('npx', ['--offline', 'samverkan-audit', ...args], folder, home);

  beforeAll(async () => {
    const packed = await run('npm', ['run', '-s', 'pack:audit'], ROOT, scratchDir('pack-home'));
    expect(packed).toMatchObject({ code: 0, stderr: '' });
    const tarball = packed.stdout.trim();
    expect(tarball).toMatch(/samverkan-audit-\d+\.\d+\.\d+\.tgz$/);
    home = scratchDir('auditor-home');
    folder = join(home, 'audit');
    renameSync(scratchDir('audit'), folder);
    expect((await run('npm', ['init', '-y'], folder, home)).code).toBe(0);
    const installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], folder, home);
    expect(installed).toMatchObject({ code: 0 });
    expect(installed.stderr).not.toMatch(/EBADENGINE|ERR!/);
    service = await RunningService.start({ env: { SAMVERKAN_CHECKPOINT_INTERVAL_MS: '0' } });
  });
  afterAll(() => service?.stop());

  it('depends on nothing and explains itself', async () => {
    const manifest = JSON.parse(readFileSync(join(folder, 'node_modules', 'samverkan-audit', 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    const help = await audit('--help');
    expect(help.code).toBe(0);
    for (const command of ['verify-bundle', 'verify-log', 'verify-consistency', 'witness', 'witness-key', 'proof-check'])
      expect(help.stdout).toContain(command);
  });

  it("runs every flow of the README against the service's record", async () => {
    const police = await service.as('polisen-malmo', 'officer-17');
    const auditor = await service.as('internrevisionen', 'auditor-1');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' }, exploitation: 'forced-labour' })).body.caseId;
    expect((await police.post(`/cases/${caseId}/cooperation`, { status: 'willing' })).status).toBe(201);
    const save = (name: string, text: string) => saveFile(folder, name, text);
    const ok = async (what: Promise<AuditRun>) => {
      const result = await what;
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      return result;
    };

    save('ledger.vkey', (await fetchText(service, '/ledger/key')).text);
    const old = await checkpointOfWholeStore(service, auditor.token);
    save('old.checkpoint', old.note);
    const bundle = (await fetchText(service, `/cases/${caseId}/audit-bundle`, { token: police.token })).text;
    save('case.json', bundle);
    await ok(audit('verify-bundle', 'case.json', '--key', 'ledger.vkey', '--case', caseId, '--server', service.baseUrl, '--token', police.token));

    expect((await police.post(`/cases/${caseId}/investigations`, { reference: '5000-K1-26' })).status).toBe(201);
    const now = await checkpointOfWholeStore(service, auditor.token);
    save('now.checkpoint', now.note);
    save('ledger.ndjson', (await fetchText(service, '/ledger/export', { token: auditor.token })).text);
    await ok(audit('verify-log', 'ledger.ndjson', '--key', 'ledger.vkey', '--checkpoint', 'now.checkpoint'));
    // The packed file is also what its worker threads run: the same verdict on two of them.
    const spread = await ok(audit('verify-log', 'ledger.ndjson', '--key', 'ledger.vkey', '--checkpoint', 'now.checkpoint', '--threads', '2'));
    expect(spread.stdout).toMatch(/^OK log ledger\.ndjson: /m);
    await ok(audit('verify-consistency', 'old.checkpoint', 'now.checkpoint', '--key', 'ledger.vkey', '--server', service.baseUrl, '--token', auditor.token));

    await ok(audit('witness-key', '--name', 'witness.polisen-malmo', '--out', 'witness.pem'));
    const witnessed = await ok(
      audit(
        'witness',
        '--state',
        './witness-state',
        '--key',
        'witness.pem',
        '--name',
        'witness.polisen-malmo',
        '--log-key',
        'ledger.vkey',
        'now.checkpoint',
        '--server',
        service.baseUrl,
        '--token',
        auditor.token,
      ),
    );
    expect(witnessed.stdout).toContain('— witness.polisen-malmo ');

    const eventId = JSON.parse(bundle).events[0].event.id;
    const inclusion = JSON.parse((await fetchText(service, `/ledger/proofs/inclusion?eventId=${eventId}`, { token: auditor.token })).text);
    const consistency = JSON.parse((await fetchText(service, `/ledger/proofs/consistency?from=${old.size}&to=${now.size}`, { token: auditor.token })).text);
    save('proofs.jsonl', `${JSON.stringify({ ...inclusion, kind: 'inclusion' })}\n${JSON.stringify({ ...consistency, kind: 'consistency' })}\n`);
    expect((await ok(audit('proof-check', 'proofs.jsonl'))).stdout).toBe('ok\nok\n');
  });

  it('fails, naming what, on an edited export', async () => {
    const exported = readFileSync(join(folder, 'ledger.ndjson'), 'utf8');
    expect(exported).toContain('"willing"');
    saveFile(folder, 'edited.ndjson', exported.replace('"willing"', '"declined"'));
    const failed = await audit('verify-log', 'edited.ndjson', '--key', 'ledger.vkey', '--checkpoint', 'now.checkpoint');
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toMatch(/event .*(hash|changed)/i);
  });
});
