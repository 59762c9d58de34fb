/**
 * The service as `npm start` runs it on the embedded default: the API on the process's main thread, the
 * followers of the log (ledger, projector) on a thread of their own (SAMVERKAN_FOLLOWER_THREAD, on by default).
 * From outside it is one service, as it is with everything on one thread: /health and /metrics tell the
 * followers' roles, what is recorded reaches the worklist and the ledger, "sign now" signs what was recorded,
 * a halt of the ledger on the follower thread is the API's answer at once, and SIGTERM stops both cleanly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseStream } from '@samverkan/sealing';
import { AgencyClient, eventually } from './support/running-service';
import { ServiceProcess } from './support/service-process';
import { editFirstEventAndDropLedger } from './support/store-file';

jest.setTimeout(120_000);

const adultVictim = { subject: { category: 'victim', ageGroup: 'adult' } };

async function signNow(service: ServiceProcess, client: AgencyClient): Promise<{ status: number; text: string }> {
  const reply = await fetch(`${service.baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${client.token}` } });
  return { status: reply.status, text: await reply.text() };
}

/** The size a signed note (C2SP checkpoint) states on its second line. */
const sizeOf = (note: string) => Number(note.split('\n')[1]);

describe.each([
  ['on a thread of their own (the default)', {}],
  ['on the API thread (SAMVERKAN_FOLLOWER_THREAD=false)', { SAMVERKAN_FOLLOWER_THREAD: 'false' }],
])('the followers of the log %s', (_, env: Record<string, string>) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-follower-thread-'));
  let service: ServiceProcess | undefined;
  let signedSize = 0;
  afterAll(async () => {
    await service?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('are one service with the API: roles, worklist, ledger and metrics', async () => {
    service = await ServiceProcess.start(dataDir, env);
    expect((await service.health()).roles).toEqual({ api: 'active', ledger: 'active', projector: 'active', relay: 'off' });
    const police = await service.as('polisen-malmo');
    const caseIds: string[] = [];
    for (let i = 0; i < 5; i++) caseIds.push((await police.post('/cases', adultVictim)).body.caseId);

    await eventually(async () => {
      const listed = ((await police.get('/agencies/me/worklist')).body.cases as Array<{ caseId: string }>).map((c) => c.caseId);
      return caseIds.every((id) => listed.includes(id)) ? true : undefined;
    }, 'the worklist to list every case opened');
    // Each opened case recorded three events (the subject's person record, the opening, the lead joining), and
    // the reads of the worklist are logged too; "sign now" seals what the log has delivered to the ledger.
    signedSize = await eventually(async () => {
      const reply = await signNow(service!, police);
      return reply.status === 200 && sizeOf(reply.text) >= 15 ? sizeOf(reply.text) : undefined;
    }, 'a checkpoint of the 15 events the cases recorded');
    expect((await service.health()).ledger.checkpoint).toBeGreaterThanOrEqual(signedSize);

    const metrics = await eventually(async () => {
      const text = await (await fetch(`${service!.baseUrl}/metrics`)).text();
      return /^samverkan_follower_lag_events\{follower="case-index"\} 0$/m.test(text) ? text : undefined;
    }, 'the case index to have no lag');
    expect(metrics).toMatch(/^samverkan_role_active\{role="ledger"\} 1$/m);
    expect(metrics).toMatch(/^samverkan_role_active\{role="projector"\} 1$/m);
    expect(Number(/^samverkan_ledger_leaves (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(signedSize);
  });

  it("count the process managers' commands in /metrics too", async () => {
    const police = await service!.as('polisen-malmo');
    // A child victim: the child-protection process manager requires social services on the case.
    await police.post('/cases', { subject: { category: 'victim', ageGroup: 'child' } });
    await eventually(async () => {
      const text = await (await fetch(`${service!.baseUrl}/metrics`)).text();
      return /^samverkan_commands_total\{type="RequireSocialServices",outcome="recorded"\} 1$/m.test(text) ? true : undefined;
    }, "the process manager's command counted");
  });

  it('stop cleanly on SIGTERM, and a restart seals on from where the ledger was', async () => {
    await service!.stop();
    expect(await service!.exited).toEqual({ code: null, signal: 'SIGTERM' }); // Nest's hooks ran, then the signal ends it
    service = await ServiceProcess.start(dataDir, env);
    const police = await service.as('polisen-malmo');
    await police.post('/cases', adultVictim);
    await eventually(async () => {
      const reply = await signNow(service!, police);
      return reply.status === 200 && sizeOf(reply.text) >= signedSize + 3 ? true : undefined;
    }, 'a checkpoint of the events before the restart and the 3 after');
  });

  it('answer with the halt of the ledger at once when a stored event no longer verifies', async () => {
    const police = await service!.as('polisen-malmo');
    const caseId = (await police.post('/cases', adultVictim)).body.caseId as string;
    await service!.kill();
    const eventId = editFirstEventAndDropLedger(dataDir, caseId);

    service = await ServiceProcess.start(dataDir, env);
    const health = await eventually(async () => {
      const reply = await service!.health();
      return reply.status === 'ledger-halted' ? reply : undefined;
    }, 'the ledger to halt');
    expect(health).toMatchObject({ ledger: { halted: { eventId, stream: caseStream(caseId), revision: 0 } } });
    const refused = await signNow(service, await service.as('polisen-malmo'));
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.text).detail).toMatch(/halted/);
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^samverkan_ledger_halted 1$/m);
  });

  it('do not start, nor does the API, when the ledger refuses its key, and the process says why', async () => {
    await service!.kill();
    rmSync(join(dataDir, 'ledger-key.pem')); // a new key is made at start, not the one that signed before
    await expect(ServiceProcess.start(dataDir, env)).rejects.toThrow(/exited while starting[\s\S]*the ledger key is not the one that signed its checkpoints/);
  });
});
