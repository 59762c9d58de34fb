import { ChildProcess, spawn } from 'node:child_process';
import { holdToContract } from './api-contract';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { signDevToken } from '../../apps/coordinator/src/auth/dev-keys';
import { AgencyClient, eventually } from './running-service';

const root = resolve(__dirname, '../..');

/**
 * The service as a real process of its own (`apps/coordinator/src/main.ts` through scripts/run-ts.js), on a
 * free loopback port, with the environment given: for tests of several processes sharing a store, and of
 * what happens when one is killed.
 */
export class ServiceProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly dataDir: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
  }

  /** Starts the process and resolves once it answers /health. */
  static async start(dataDir: string, env: Record<string, string>): Promise<ServiceProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'scripts/run-ts.js'), 'apps/coordinator/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        SAMVERKAN_DEV_KEYS: 'true',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        SAMVERKAN_DATA_DIR: dataDir,
        SAMVERKAN_ESCALATION_INTERVAL_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`, dataDir);
    let exited = false;
    void service.exited.then(() => (exited = true));
    await eventually(
      async () => {
        if (exited) throw new Error(`the service process exited while starting:\n${service.output}`);
        return (await service.health().catch(() => undefined))?.status !== undefined ? true : undefined;
      },
      `the service on port ${port} to answer /health`,
      60_000,
    );
    // The document this process serves: its answers to the tests' clients are held to it (api-contract.ts).
    holdToContract(service.baseUrl, (await (await fetch(`${service.baseUrl}/docs/openapi.json`)).json()) as object);
    return service;
  }

  async health(): Promise<{ status: string; roles: Record<string, string>; ledger: { size: number; checkpoint: number; halted?: Record<string, unknown> } }> {
    const token = await signDevToken(this.dataDir, 'polisen-malmo', 'health-probe');
    return (await fetch(`${this.baseUrl}/health`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<
      Awaited<ReturnType<ServiceProcess['health']>>
    >;
  }

  async as(agencyId: string, actorId = 'officer-1'): Promise<AgencyClient> {
    return new AgencyClient(this.baseUrl, await signDevToken(this.dataDir, agencyId, actorId));
  }

  /** SIGKILL: no shutdown hook runs, as when a machine dies. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, and waits for a clean exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  get log(): string {
    return this.output;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
