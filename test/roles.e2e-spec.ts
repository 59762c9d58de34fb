/**
 * The service as separate processes with roles (`SAMVERKAN_ROLES`) sharing one store: one ledger active at a
 * time, the other standby until the active one is killed; and two `api` processes taking commands on the
 * same case at once. Embedded (SQLite, leases as lock files in the shared data directory) and PostgreSQL
 * (the store and advisory-lock leases in the real server).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { eventually } from './support/running-service';
import { ServiceProcess } from './support/service-process';

jest.setTimeout(180_000);

/** Which of the processes holds the ledger's lease, once exactly one does and the others wait. */
async function activeLedger(processes: ServiceProcess[]): Promise<ServiceProcess> {
  return eventually(
    async () => {
      const states = await Promise.all(processes.map(async (p) => (await p.health()).roles.ledger));
      const active = states.filter((s) => s === 'active').length;
      return active === 1 && states.every((s) => s === 'active' || s === 'standby') ? processes[states.indexOf('active')] : undefined;
    },
    'exactly one active ledger',
    30_000,
  );
}

async function checkpointCovering(reader: ServiceProcess, size: number): Promise<number> {
  return eventually(
    async () => {
      const { ledger } = await reader.health();
      return ledger.checkpoint >= size ? ledger.checkpoint : undefined;
    },
    `a checkpoint of at least ${size} events`,
    30_000,
  );
}

async function logSize(reader: ServiceProcess, caseIds: string[]): Promise<number> {
  const police = await reader.as('polisen-stockholm');
  let events = 0;
  for (const caseId of caseIds) events += (await police.get(`/cases/${caseId}/timeline`)).body.events.length;
  return events;
}

describe('roles in separate processes on the embedded store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-roles-'));
  const processes: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has one active ledger and a standby that takes over when the active one is killed', async () => {
    const api = await ServiceProcess.start(dataDir, { SAMVERKAN_ROLES: 'api' });
    processes.push(api);
    const ledgers = [await ServiceProcess.start(dataDir, { SAMVERKAN_ROLES: 'ledger' }), await ServiceProcess.start(dataDir, { SAMVERKAN_ROLES: 'ledger' })];
    processes.push(...ledgers);
    expect((await api.health()).roles).toEqual({ api: 'active', projector: 'off', ledger: 'off', relay: 'off' });
    const first = await activeLedger(ledgers);

    const police = await api.as('polisen-stockholm');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    for (let i = 0; i < 5; i++) expect((await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-01' })).status).toBe(201);
    const before = await checkpointCovering(api, await logSize(api, [caseId]));

    await first.kill();
    const second = await activeLedger(ledgers.filter((p) => p !== first));
    expect(second).not.toBe(first);
    for (let i = 0; i < 5; i++)
      expect((await police.post(`/cases/${caseId}/support`, { kind: 'counselling-individual', providedOn: '2026-03-02' })).status).toBe(201);
    const after = await checkpointCovering(api, await logSize(api, [caseId]));
    expect(after).toBeGreaterThan(before);
    // the new ledger extended what the old one signed
    const proof = await police.get(`/ledger/proofs/consistency?from=${before}&to=${after}`);
    expect(proof.status).toBe(200);
  });
  it('has one active projector; the rebuild refuses to run beside it and runs once it is gone', async () => {
    const projectors = [
      await ServiceProcess.start(dataDir, { SAMVERKAN_ROLES: 'projector' }),
      await ServiceProcess.start(dataDir, { SAMVERKAN_ROLES: 'projector' }),
    ];
    processes.push(...projectors);
    const states = async () => Promise.all(projectors.map(async (p) => (await p.health()).roles.projector));
    await eventually(async () => ((await states()).sort().join() === 'active,standby' ? true : undefined), 'one active projector and one standby');

    const refused = await rebuild(dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('holds the projector lease');

    await Promise.all(projectors.map((p) => p.kill()));
    const rebuilt = await rebuild(dataDir);
    expect(rebuilt).toMatchObject({ code: 0 });
    expect(rebuilt.stdout).toContain('rebuilt the case index');
  });
});

function rebuild(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(__dirname, '../scripts/run-ts.js'), 'apps/coordinator/src/projections/rebuild.cli.ts'],
      { cwd: join(__dirname, '..'), env: { ...process.env, SAMVERKAN_DATA_DIR: dataDir }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describeWithPostgres('roles in separate processes on the PostgreSQL store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-roles-pg-'));
  const schema = freshSchemaName();
  const env = { EVENT_STORE: 'postgres', DATABASE_URL: postgresUrl, SAMVERKAN_DATABASE_SCHEMA: schema };
  const processes: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchemas([schema]);
  });

  it('takes concurrent commands on one case through two api processes without a fork or a loss, when the process of the active ledger is killed mid-burst', async () => {
    const one = await ServiceProcess.start(dataDir, { ...env, SAMVERKAN_ROLES: 'api,ledger,projector' });
    const two = await ServiceProcess.start(dataDir, { ...env, SAMVERKAN_ROLES: 'api,ledger' });
    processes.push(one, two);
    const active = await activeLedger([one, two]);
    const survivor = active === one ? two : one;

    const [viaOne, viaTwo] = [await one.as('polisen-stockholm'), await two.as('polisen-stockholm')];
    const caseId = (await viaOne.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    const burst = (n: number, clients: (typeof viaOne)[]) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => clients[i % clients.length].post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-01' })),
      );
    const firstBurst = await burst(40, [viaOne, viaTwo]);
    expect(firstBurst.map((r) => r.status)).toEqual(firstBurst.map(() => 201));

    // The active ledger's process is killed in the middle of a second burst through both: what it had
    // acknowledged must be stored; what it had not may be lost, the caller retries with its idempotency key.
    const acked: Array<{ body: { events: Array<{ id: string }> } }> = [];
    const survivorClient = survivor === one ? viaOne : viaTwo;
    const second = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? viaOne : viaTwo).post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-02' }).then(
        (reply) => void (reply.status === 201 && acked.push(reply)),
        () => undefined,
      ),
    );
    await eventually(async () => (acked.length >= 10 ? true : undefined), 'ten acknowledged commands of the second burst');
    await active.kill();
    await Promise.all(second);
    await activeLedger([survivor]);
    const third = await Promise.all(
      Array.from({ length: 10 }, () => survivorClient.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-03' })),
    );
    expect(third.map((r) => r.status)).toEqual(third.map(() => 201));

    const events = (await survivorClient.get(`/cases/${caseId}/timeline`)).body.events as Array<{ id: string; revision: number }>;
    const acknowledged = [...firstBurst, ...acked, ...third].flatMap((r) => r.body.events.map((e: { id: string }) => e.id));
    const stored = new Set(events.map((e) => e.id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    expect((await survivorClient.get(`/cases/${caseId}/verify`)).body).toMatchObject({ result: 'ok', events: events.length });
    await checkpointCovering(survivor, events.length);
  });
});
