/**
 * The service with `DATABASE_URL` set keeps the ledger's tree in PostgreSQL: no ledger.db in the data
 * directory, inclusion and consistency proofs that verify against its signed checkpoints, and the same tree,
 * growing on from where it was, after a restart. Reads are sealed too (the access log), so the tree grows with
 * every read: sizes are compared as at least, and the consistency proof is what shows it grew on.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { fromHex, openCheckpoint, parseVerifierKey, verifyConsistency } from '@samverkan/ledger';
import { expectIncluded, untilSealed } from './support/ledger-proofs';
import { AgencyClient, RunningService } from './support/running-service';

jest.setTimeout(60_000);

describeWithPostgres('the ledger in PostgreSQL', () => {
  const schema = freshSchemaName();
  let service: RunningService;
  let police: AgencyClient;

  const start = async (dataDir?: string) => {
    service = await RunningService.start({ env: { EVENT_STORE: 'postgres', DATABASE_URL: postgresUrl, SAMVERKAN_DATABASE_SCHEMA: schema }, dataDir });
    police = await service.as('polisen-stockholm');
  };

  const signNow = async () => {
    const verifier = parseVerifierKey((await (await fetch(`${service.baseUrl}/ledger/key`)).text()).trim());
    const response = await fetch(`${service.baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${police.token}` } });
    expect(response.status).toBe(200);
    return openCheckpoint(await response.text(), verifier).checkpoint;
  };

  const openCase = async () => {
    const { caseId } = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body;
    return (await police.get(`/cases/${caseId}/timeline`)).body.events as Array<{ id: string; hash: string }>;
  };

  beforeAll(() => start());
  afterAll(async () => {
    await service?.stop();
    await dropSchemas([schema]);
  });

  it('seals into PostgreSQL, proves inclusion and consistency, and grows on after a restart', async () => {
    const first = await openCase();
    await untilSealed(police, first);
    const before = await signNow();
    await expectIncluded(police, first, before);

    expect(existsSync(join(service.config.dataDir, 'ledger.db'))).toBe(false);
    const client = new Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${schema}".ledger_leaves`);
      expect(rows[0].n).toBeGreaterThanOrEqual(before.size);
    } finally {
      await client.end();
    }

    await service.stop({ keepData: true });
    await start(service.config.dataDir);
    const restarted = (await service.health()).body.ledger;
    expect(restarted.size).toBeGreaterThanOrEqual(before.size);
    expect(restarted.checkpoint).toBeGreaterThanOrEqual(before.size);
    await expectIncluded(police, first, before); // proofs against the checkpoint signed before the restart

    const second = await openCase();
    await untilSealed(police, second); // the reads of the proofs above are sealed too, before the new case
    const after = await signNow();
    expect(after.size).toBeGreaterThanOrEqual(before.size + second.length);
    await expectIncluded(police, [...first, ...second], after);
    const consistency = (await police.get(`/ledger/proofs/consistency?from=${before.size}&to=${after.size}`)).body;
    verifyConsistency(
      before.size,
      after.size,
      before.root,
      after.root,
      consistency.proof.map((h: string) => fromHex(h, 'proof')),
    );
    expect(existsSync(join(service.config.dataDir, 'ledger.db'))).toBe(false);
  });
});
