import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgencyClient, eventually } from './support/running-service';
import { ServiceProcess } from './support/service-process';

/**
 * What was run by hand before (issue 12), kept: the service as its own process on the embedded default takes
 * a burst of commands, 32 at a time across 50 cases, and is killed with SIGKILL in the middle of it. After a
 * restart every acknowledged command is in the record, by command id and hash, every case's chain verifies,
 * the ledger seals on to the whole log, and a command that was cut off can be retried under its key without
 * ever being recorded twice. Three rounds on one data directory.
 */
describe('kill -9 in the middle of a burst of commands', () => {
  const ROUNDS = 3;
  const CASES = 50;
  const COMMANDS = 3000;
  const CONCURRENCY = 32;
  const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-durability-'));
  let service: ServiceProcess | undefined;

  afterAll(async () => {
    await service?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** command id → the event it was acknowledged with. */
  const acknowledged = new Map<string, { caseId: string; id: string; hash: string }>();
  const cutOff = new Map<string, { caseId: string; body: unknown }>();

  it(`loses no acknowledged command over ${ROUNDS} rounds`, async () => {
    service = await ServiceProcess.start(dataDir, {});
    let police = await service.as('polisen-malmo');
    const caseIds: string[] = [];
    for (let i = 0; i < CASES; i++) caseIds.push((await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId);

    for (let round = 0; round < ROUNDS; round++) {
      const killAt = Math.floor(COMMANDS * (0.3 + 0.4 * Math.random()));
      let next = 0;
      let killed = false;
      const send = async (): Promise<void> => {
        while (next < COMMANDS) {
          const n = next++;
          const caseId = caseIds[n % CASES]!;
          const commandId = `r${round}-c${n}`;
          const body = { kind: 'shelter', providedOn: '2026-11-30' };
          if (!killed && n === killAt) {
            killed = true;
            void service!.kill();
          }
          const reply = await post(police, `/cases/${caseId}/support`, body, commandId);
          if (reply?.status === 201) {
            const [event] = reply.body.events as Array<{ id: string; hash: string }>;
            acknowledged.set(commandId, { caseId, id: event!.id, hash: event!.hash });
          } else if (reply === undefined || reply.status >= 500) {
            cutOff.set(commandId, { caseId, body });
          } else {
            throw new Error(`${commandId}: ${reply.status} ${JSON.stringify(reply.body)}`);
          }
          if (killed && reply === undefined) return;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, send));
      await service.exited;
      expect(killed).toBe(true);

      service = await ServiceProcess.start(dataDir, {});
      police = await service.as('polisen-malmo');
      await expectEveryAcknowledgedCommand(police, caseIds);
    }

    // A command cut off by the kill may or may not have been recorded: retried under its key, it is recorded
    // exactly once, and one that was recorded is answered as a replay.
    for (const [commandId, { caseId, body }] of cutOff) {
      const reply = (await post(police, `/cases/${caseId}/support`, body, commandId))!;
      expect({ commandId, status: [200, 201].includes(reply.status) }).toEqual({ commandId, status: true });
    }
    const counts = new Map<string, number>();
    for (const caseId of caseIds) {
      for (const event of (await police.get(`/cases/${caseId}/timeline`)).body.events as Array<{ commandId: string }>) {
        counts.set(event.commandId, (counts.get(event.commandId) ?? 0) + 1);
      }
    }
    const twice = [...counts].filter(([id, count]) => id.startsWith('r') && count > 1);
    expect(twice).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(ROUNDS * 500);
  }, 600_000);

  async function expectEveryAcknowledgedCommand(police: AgencyClient, caseIds: string[]): Promise<void> {
    const recorded = new Map<string, { id: string; hash: string }>();
    let total = 0;
    for (const caseId of caseIds) {
      expect((await police.get(`/cases/${caseId}/verify`)).body).toMatchObject({ caseId, result: 'ok' });
      const events = (await police.get(`/cases/${caseId}/timeline`)).body.events as Array<{ id: string; hash: string; commandId: string }>;
      for (const event of events) recorded.set(event.commandId, { id: event.id, hash: event.hash });
      total += events.length;
    }
    const missing = [...acknowledged].filter(([commandId, event]) => recorded.get(commandId)?.hash !== event.hash || recorded.get(commandId)?.id !== event.id);
    expect(missing).toEqual([]);
    // The ledger resumes: it seals on until it covers at least every case event (besides person records and the access log).
    await eventually(async () => ((await service!.health()).ledger.size >= total ? true : undefined), 'the ledger to seal the whole log', 60_000);
    expect((await service!.health()).status).toBe('ok');
  }
});

/** POSTs a command; undefined when the connection failed (the process was killed before it answered). */
async function post(client: AgencyClient, path: string, body: unknown, commandId: string) {
  try {
    return await client.post(path, body, { 'idempotency-key': commandId });
  } catch {
    return undefined;
  }
}
