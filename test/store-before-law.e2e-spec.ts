import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { feedOfCase, timelineOf } from './support/reader-paths';
import { AgencyClient, eventually, RunningService } from './support/running-service';

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
      sentencing: [expect.objectContaining({ defendantId: null, verdict: 'convicted', expulsion: null, damagesToVictimSek: null })],
      // Charged before defendants were named: one defendant, whose record is unknown, judged.
      prosecution: { defendants: [expect.objectContaining({ defendantId: null, judged: true })] },
      subject: expect.objectContaining({ originCountry: null, municipality: null }),
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

  it("folds its case index again under this version's rules, so that worklists, feeds and person records follow what happens now", async () => {
    // The index of the fixture holds summaries folded by the earlier version, which lack what this one folds
    // (parts closed, applications, defendants): folded on, they would go wrong at the first new event.
    const worklist = await eventually(async () => {
      const reply = (await social.get('/agencies/me/worklist')).body;
      const found = reply.cases.find((c: { caseId: string }) => c.caseId === CASE);
      return found?.status === 'open' ? reply : undefined;
    }, 'the reopened case in the worklist of social services');
    expect(worklist.cases.find((c: { caseId: string }) => c.caseId === CASE)).toMatchObject({ status: 'open' });
    const mine = (await police.get('/agencies/me/worklist')).body.cases.find((c: { caseId: string }) => c.caseId === CASE);
    expect(mine).toMatchObject({ caseId: CASE, status: 'open' });
    // The case is filed under the person it is about, whose record its team reads through it.
    const { subjectId } = (await police.get(`/cases/${CASE}`)).body.subject;
    const person = await social.get(`/persons/${subjectId}`);
    expect({ status: person.status, cases: person.body.cases }).toMatchObject({ status: 200, cases: [expect.objectContaining({ caseId: CASE })] });
    // The feed follows the timeline, the events of the new rules included.
    const timeline = (await timelineOf(police, CASE))!;
    const feed = await eventually(async () => {
      const entries = await feedOfCase(police, CASE);
      return entries.length >= timeline.length ? entries : undefined;
    }, 'the feed of the police to hold the whole case');
    // What it delivered before keeps the form it was delivered in, as a Kafka topic keeps what was published;
    // from the reopening on, it is what this version discloses.
    const reopened = timeline.findLast((e) => e.type === 'CaseReopened')!.revision;
    const since = (events: typeof timeline) => events.filter((e) => e.revision >= reopened);
    expect(since(feed)).toEqual(since(timeline));
    expect(since(feed).map((e) => e.type)).toEqual(['CaseReopened', 'ReflectionPeriodExtended', 'AgencyPartClosed', 'SupportProvided']);
  });
});
