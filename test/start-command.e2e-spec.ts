import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signDevToken } from '../apps/coordinator/src/auth/dev-keys';
import { eventually } from './support/running-service';

/**
 * The README's first command, `npm start`, as a new user runs it: it builds the service and runs what it
 * built, which the other tests (run from the sources) never do. A module the build cannot resolve is found here.
 */
describe('npm start', () => {
  const root = resolve(__dirname, '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-start-'));
  let child: ChildProcess;
  let output = '';

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.on('exit', done));
      // npm, its shell and node are one process group of their own: end them all.
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds, starts on the embedded default, and takes a command', async () => {
    // Below the ports the system hands out to `listen(0)` (32768 on), which every other test's server takes while
    // this one builds: a port chosen among them was taken from under it now and then.
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    child = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SAMVERKAN_DATA_DIR: dataDir, SAMVERKAN_DEV_KEYS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const base = `http://127.0.0.1:${port}`;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
        return (await fetch(`${base}/health`).catch(() => undefined))?.status === 200 ? true : undefined;
      },
      'npm start to answer /health',
      180_000,
    );
    // Said while the service starts, before it answers; its log is written asynchronously, so it can reach this
    // pipe a moment after /health has answered (CI once read the output before it had).
    await eventually(async () => (/DEVELOPMENT KEYS ARE ON/.test(output) ? true : undefined), 'npm start to warn that development keys are on');
    expect(output).toMatch(/DEVELOPMENT KEYS ARE ON/);
    const token = await signDevToken(dataDir, 'polisen-malmo', 'officer-1');
    const reply = await fetch(`${base}/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: { category: 'victim', ageGroup: 'adult' } }),
    });
    expect({ status: reply.status, output: reply.status === 201 ? '' : output }).toEqual({ status: 201, output: '' });
  }, 240_000);
});
