/**
 * The service with `DATABASE_URL` set keeps its read models in PostgreSQL: worklists and agency feeds come
 * from the case index there, nothing of it is written to the data directory, and it is the same after a
 * restart, down to the feed cursors agencies poll with.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { AgencyClient, eventually, RunningService } from './support/running-service';

jest.setTimeout(60_000);

describeWithPostgres('the read models in PostgreSQL', () => {
  const schema = freshSchemaName();
  let service: RunningService;
  let police: AgencyClient;
  let social: AgencyClient;

  const start = async (dataDir?: string) => {
    service = await RunningService.start({ env: { EVENT_STORE: 'postgres', DATABASE_URL: postgresUrl, SAMVERKAN_DATABASE_SCHEMA: schema }, dataDir });
    police = await service.as('polisen-stockholm');
    social = await service.as('socialtjansten-stockholm');
  };

  beforeAll(() => start());
  afterAll(async () => {
    await service?.stop();
    await dropSchemas([schema]);
  });

  it('serves the worklist and the feed from PostgreSQL, the same after a restart', async () => {
    const { caseId } = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body;
    const { referralId } = (await police.post(`/cases/${caseId}/referrals`, { toAgency: 'socialtjansten-stockholm', reason: 'support', urgency: 'routine' }))
      .body;

    const awaiting = await eventually(async () => {
      const list = (await social.get('/agencies/me/worklist')).body.referralsAwaitingAnswer;
      return list.length > 0 ? list : undefined;
    }, 'the referral in the worklist of its addressee');
    expect(awaiting).toEqual([expect.objectContaining({ caseId, referralId, fromAgency: 'polisen-stockholm' })]);
    const feed = (await police.get('/agencies/me/feed')).body.events;
    expect(feed.map((e: { type: string }) => e.type)).toEqual(['CaseOpened', 'AgencyJoinedCase', 'CaseReferred']);

    expect(existsSync(join(service.config.dataDir, 'case-index.db'))).toBe(false);
    const client = new Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${schema}".case_index_cases WHERE case_id = $1`, [caseId]);
      expect(rows[0].n).toBe(1);
    } finally {
      await client.end();
    }

    await service.stop({ keepData: true });
    await start(service.config.dataDir);
    expect((await police.get('/agencies/me/feed')).body.events).toEqual(feed);
    expect((await social.get('/agencies/me/worklist')).body.referralsAwaitingAnswer).toEqual(awaiting);
  });
});
