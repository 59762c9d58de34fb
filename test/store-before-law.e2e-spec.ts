import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgencyClient, RunningService } from './support/running-service';

/**
 * The service on a store written before the lifecycle followed Swedish law (test/fixtures/store-before-law):
 * what was recorded under the old rules keeps its meaning, reads and verifies as sealed, and the new rules go
 * on from there.
 */
describe('a store written before the lifecycle followed Swedish law', () => {
  const CASE = 'ee567703-4faa-5735-9676-498aa3f2a0b9';
  let service: RunningService;
  let police: AgencyClient;
  let migration: AgencyClient;
  let social: AgencyClient;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-store-before-law-'));
    for (const file of ['events.db', 'keys.db', 'master-key', 'case-index.db']) cpSync(join(__dirname, 'fixtures/store-before-law', file), join(dataDir, file));
    service = await RunningService.start({ dataDir });
    police = await service.as('polisen-goteborg');
    migration = await service.as('migrationsverket-goteborg');
    social = await service.as('socialtjansten-goteborg');
  });
  afterAll(() => service?.stop());

  it('verifies every event as it was sealed, the version 1 sentencing outcome included', async () => {
    expect((await police.get(`/cases/${CASE}/verify`)).body).toMatchObject({ result: 'ok' });
    const events = (await police.get(`/cases/${CASE}/timeline`)).body.events as Array<{ type: string; schemaVersion: number; data: Record<string, unknown> }>;
    const sentencing = events.find((e) => e.type === 'SentencingOutcomeRecorded')!;
    expect(sentencing.schemaVersion).toBe(1);
    expect(sentencing.data).not.toHaveProperty('expulsion');
  });

  it('reads what the old rules recorded with its meaning kept', async () => {
    const summary = (await police.get(`/cases/${CASE}`)).body;
    expect(summary).toMatchObject({
      status: 'closed',
      summary: 'woman found in a flat in Angered',
      reflectionPeriodUntil: '2027-01-15T00:00:00Z',
      reflectionApplication: null,
      residencePermit: { granted: true, until: '2027-06-30' },
      permitApplication: null,
      investigations: [expect.objectContaining({ outcome: 'charges-filed', openedBy: 'polisen-goteborg' })],
      sentencing: [expect.objectContaining({ verdict: 'convicted', expulsion: null, damagesToVictimSek: null })],
    });
    // A case closed by its lead alone was closed for every agency on it.
    expect(summary.team.map((m: { partClosed: boolean }) => m.partClosed)).toEqual([true, true, true, true]);
  });

  it('goes on under the new rules: reopened for the whole team, parts closed one by one, the old period extended', async () => {
    expect((await police.post(`/cases/${CASE}/reopen`, { reason: 'the victim made contact again' })).status).toBe(201);
    expect((await migration.post(`/cases/${CASE}/reflection-period/extension`, { until: '2027-02-15', reason: 'new contact, needs time' })).status).toBe(201);
    expect((await police.post(`/cases/${CASE}/close`, { outcome: 'nothing more for the police' })).status).toBe(201);
    expect((await social.post(`/cases/${CASE}/support`, { kind: 'shelter', providedOn: '2026-12-01' })).status).toBe(201);
    const summary = (await police.get(`/cases/${CASE}`)).body;
    expect(summary).toMatchObject({ status: 'open', reflectionPeriodUntil: '2027-02-15' });
    expect((await police.get(`/cases/${CASE}/verify`)).body).toMatchObject({ result: 'ok' });
  });
});
