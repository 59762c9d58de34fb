import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fromHex, openCheckpoint, parseVerifierKey, verifyConsistency } from '@samverkan/ledger';
import { canonicalJson, caseStream, envelopeHash } from '@samverkan/sealing';
import { eventually, RunningService } from './support/running-service';
import { editFirstEventAndDropLedger, removeLedgerFile } from './support/store-file';

describe('the ledger across restarts', () => {
  it('keeps its tree and key: checkpoints after a restart extend those before', async () => {
    let service = await RunningService.start();
    const dataDir = service.config.dataDir;
    let police = await service.as('polisen-malmo');
    for (let i = 0; i < 5; i++) await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
    const sign = async (s: RunningService, token: string) =>
      (await fetch(`${s.baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).text();
    const before = await sign(service, police.token);
    const key = await (await fetch(`${service.baseUrl}/ledger/key`)).text();
    await service.stop({ keepData: true });

    service = await RunningService.start({ dataDir });
    police = await service.as('polisen-malmo');
    expect(await (await fetch(`${service.baseUrl}/ledger/key`)).text()).toBe(key);
    await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
    const after = await sign(service, police.token);
    const verifier = parseVerifierKey(key.trim());
    const [old, now] = [openCheckpoint(before, verifier).checkpoint, openCheckpoint(after, verifier).checkpoint];
    expect(now.size).toBe(old.size + 3); // the subject's person record, the opening and the lead joining
    const proof = (await police.get(`/ledger/proofs/consistency?from=${old.size}&to=${now.size}`)).body.proof;
    verifyConsistency(
      old.size,
      now.size,
      old.root,
      now.root,
      proof.map((h: string) => fromHex(h, 'proof')),
    );
    await service.stop();
  });

  it('halts, names the event, and signs nothing more when a stored event does not verify', async () => {
    let service = await RunningService.start();
    const dataDir = service.config.dataDir;
    const police = await service.as('polisen-malmo');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    await service.stop({ keepData: true });

    const eventId = editFirstEventAndDropLedger(dataDir, caseId);

    service = await RunningService.start({ dataDir });
    const health = await eventually(async () => {
      const reply = await service.health();
      return reply.status === 503 ? reply.body : undefined;
    }, 'the ledger to halt');
    expect(health).toMatchObject({ status: 'ledger-halted', ledger: { size: 0, halted: { eventId, stream: caseStream(caseId), revision: 0 } } });
    expect(health.ledger.halted.reason).toMatch(/does not hash to its stored hash/);
    const signed = await fetch(`${service.baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${police.token}` } });
    expect(signed.status).toBe(409);
    expect(((await signed.json()) as { detail: string }).detail).toMatch(/halted/);
    await service.stop();
  });

  const signNow = (s: RunningService, token: string) =>
    fetch(`${s.baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  it('will not sign a rewritten history with its own key after its tree file is lost', async () => {
    let service = await RunningService.start();
    const dataDir = service.config.dataDir;
    const police = await service.as('polisen-malmo');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-02' });
    expect((await signNow(service, police.token)).status).toBe(200);
    await service.stop({ keepData: true });

    // The support is rewritten and re-sealed consistently, and the ledger's tree file is removed.
    const db = new Database(join(dataDir, 'events.db'));
    const row = db
      .prepare<[string], { id: string; envelope: string }>('SELECT id, envelope FROM events WHERE stream = ? AND revision = 2')
      .get(caseStream(caseId))!;
    const { hash: _old, ...rest } = JSON.parse(row.envelope);
    const rewritten = { ...rest, data: { ...rest.data, kind: 'protection' } };
    const sealed = { ...rewritten, hash: envelopeHash(rewritten) };
    db.prepare('UPDATE events SET envelope = ?, hash = ? WHERE id = ?').run(canonicalJson(sealed), sealed.hash, row.id);
    db.close();
    removeLedgerFile(dataDir);

    service = await RunningService.start({ dataDir });
    const policeAgain = await service.as('polisen-malmo');
    await policeAgain.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } }); // the tree grows past the signed size
    const health = await eventually(async () => {
      const reply = await service.health();
      return reply.status === 503 ? reply.body : undefined;
    }, 'the ledger to refuse the rewritten history');
    expect(health.ledger.halted).toMatchObject({ checkpointSize: 4 }); // the subject's person record and 3 case events
    expect(health.ledger.halted.reason).toMatch(/no longer has, at size 4, the root the ledger signed/);
    expect((await signNow(service, police.token)).status).toBe(409);
    await service.stop();
  });

  it('halts when the store was restored from an earlier copy, instead of skipping the new events', async () => {
    let service = await RunningService.start();
    const dataDir = service.config.dataDir;
    const police = await service.as('polisen-malmo');
    await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
    await service.stop({ keepData: true });
    const backup = readFileSync(join(dataDir, 'events.db'));

    service = await RunningService.start({ dataDir });
    await (await service.as('polisen-malmo')).post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
    await eventually(async () => ((await service.health()).body.ledger.size === 6 ? true : undefined), 'the ledger to seal 6 events');
    await service.stop({ keepData: true });

    for (const file of ['events.db-wal', 'events.db-shm']) rmSync(join(dataDir, file), { force: true });
    writeFileSync(join(dataDir, 'events.db'), backup);
    service = await RunningService.start({ dataDir });
    const health = await eventually(async () => {
      const reply = await service.health();
      return reply.status === 503 ? reply.body : undefined;
    }, 'the ledger to notice the restored store');
    expect(health.ledger.halted.reason).toMatch(/the store no longer holds the ledger's last leaf 5/);
    await service.stop();
  });

  it('refuses to start with another ledger key unless the rotation is said to be on purpose', async () => {
    const service = await RunningService.start();
    const dataDir = service.config.dataDir;
    const police = await service.as('polisen-malmo');
    await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
    expect((await signNow(service, police.token)).status).toBe(200);
    await service.stop({ keepData: true });

    rmSync(join(dataDir, 'ledger-key.pem'));
    await expect(RunningService.start({ dataDir })).rejects.toThrow(/the ledger key is not the one that signed its checkpoints/);
    const rotated = await RunningService.start({ dataDir, env: { SAMVERKAN_LEDGER_KEY_ROTATION: 'true' } });
    expect((await rotated.health()).status).toBe(200);
    await rotated.stop();
  });
});
