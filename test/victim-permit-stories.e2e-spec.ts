import 'reflect-metadata';
import { CASE_EVENT_VERSIONS } from '../apps/coordinator/src/cases/case.upcast';
import { swedishDate } from '../apps/coordinator/src/cases/case.decider';
import { AgencyClient, RunningService } from './support/running-service';

/**
 * Two victims through a reflection period and a residence permit (utlänningslagen 5 kap. 15 §): a Nigerian
 * woman, a third-country national, who is granted both; and an Estonian woman, an EU citizen, who is granted a
 * reflection period but needs no permit, since she has a right of residence (uppehållsrätt).
 */
describe('victims through a reflection period and a residence permit', () => {
  let service: RunningService;
  let police: AgencyClient;
  let social: AgencyClient;
  let migration: AgencyClient;

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-goteborg');
    social = await service.as('socialtjansten-goteborg');
    migration = await service.as('migrationsverket-goteborg');
  });
  afterAll(() => service.stop());

  const today = () => swedishDate(new Date().toISOString());
  const monthsAhead = (months: number) => {
    const [y, m, d] = today().split('-').map(Number) as [number, number, number];
    return new Date(Date.UTC(y, m - 1 + months, d)).toISOString().slice(0, 10);
  };

  async function victim(citizenship: string): Promise<string> {
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult', gender: 'female' }, exploitation: 'sexual-exploitation' }))
      .body.caseId;
    for (const agencyId of ['socialtjansten-goteborg', 'migrationsverket-goteborg']) {
      expect((await police.post(`/cases/${caseId}/team`, { agencyId, reason: 'victim support and residence' })).status).toBe(201);
    }
    expect((await police.post(`/cases/${caseId}/citizenship`, { citizenship })).status).toBe(201);
    // Social services apply for the reflection period; the Migration Agency grants it, 30 days.
    expect((await social.post(`/cases/${caseId}/reflection-period/application`, {})).status).toBe(201);
    expect((await migration.post(`/cases/${caseId}/reflection-period`, { granted: true })).status).toBe(201);
    expect((await police.post(`/cases/${caseId}/cooperation`, { status: 'willing' })).status).toBe(201);
    return caseId;
  }

  const conditions = { presenceNeeded: true, willToCooperate: true, tiesBroken: true };

  it('grants a third-country national a permit of at least six months, on the application of the head of the investigation', async () => {
    const caseId = await victim('NG');
    expect((await migration.post(`/cases/${caseId}/residence-permit`, { granted: true, until: monthsAhead(6) })).status).toBe(409); // no application yet
    expect((await social.post(`/cases/${caseId}/residence-permit/application`, conditions)).status).toBe(403); // not social services
    expect((await police.post(`/cases/${caseId}/residence-permit/application`, conditions)).status).toBe(201);
    const short = await migration.post(`/cases/${caseId}/residence-permit`, { granted: true, until: monthsAhead(3) });
    expect({ status: short.status, rule: short.body.rule }).toEqual({ status: 422, rule: 'permit-shorter-than-six-months' });
    expect((await migration.post(`/cases/${caseId}/residence-permit`, { granted: true, until: monthsAhead(6) })).status).toBe(201);
    const summary = (await police.get(`/cases/${caseId}`)).body;
    expect(summary).toMatchObject({
      citizenship: { country: 'NG', group: 'third-country' },
      residencePermit: { granted: true, until: monthsAhead(6) },
      permitApplication: { ...conditions, decided: true, appliedBy: 'polisen-goteborg' },
      reflectionApplication: { decision: 'granted', appliedBy: 'socialtjansten-goteborg' },
    });
  });

  it('grants an EU citizen a reflection period but no permit: she has a right of residence', async () => {
    const caseId = await victim('EE');
    expect((await police.get(`/cases/${caseId}`)).body.reflectionPeriodUntil).toEqual(expect.any(String));
    expect((await police.post(`/cases/${caseId}/residence-permit/application`, conditions)).status).toBe(201);
    const granted = await migration.post(`/cases/${caseId}/residence-permit`, { granted: true, until: monthsAhead(6) });
    expect({ status: granted.status, rule: granted.body.rule }).toEqual({ status: 422, rule: 'no-permit-needed' });
    expect(granted.body.detail).toMatch(/citizen of EE, an EU or EEA state or Switzerland, with a right to stay in Sweden/);
    expect((await migration.post(`/cases/${caseId}/residence-permit`, { granted: false })).status).toBe(201);
    expect((await police.get(`/cases/${caseId}`)).body).toMatchObject({
      citizenship: { country: 'EE', group: 'eu-eea' },
      residencePermit: { granted: false, until: null },
    });
  });
});

describe("a subject's origin", () => {
  let service: RunningService;
  let police: AgencyClient;

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-malmo');
  });
  afterAll(() => service.stop());

  const open = (subject: Record<string, unknown>) => police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult', ...subject } });

  it.each([
    ['NG', 'west-africa'],
    ['RO', 'eastern-europe'],
    ['LT', 'baltic'],
    ['SE', 'sweden'],
    ['TH', 'other'],
  ])('is recorded as the country %s, with the region %s derived from it', async (originCountry, originRegion) => {
    const reply = await open({ originCountry });
    expect(reply.status).toBe(201);
    expect((await police.get(`/cases/${reply.body.caseId}`)).body.subject).toMatchObject({ originCountry, originRegion });
    const [opened] = (await police.get(`/cases/${reply.body.caseId}/timeline`)).body.events;
    expect(opened).toMatchObject({ type: 'CaseOpened', schemaVersion: CASE_EVENT_VERSIONS.CaseOpened });
  });

  it('keeps the region alone where the country is not known', async () => {
    const reply = await open({ originRegion: 'baltic' });
    expect((await police.get(`/cases/${reply.body.caseId}`)).body.subject).toMatchObject({ originCountry: null, originRegion: 'baltic' });
  });

  it('refuses a region that contradicts the country, and writes nothing', async () => {
    const reply = await open({ originCountry: 'NG', originRegion: 'baltic' });
    expect({ status: reply.status, rule: reply.body.rule }).toEqual({ status: 400, rule: 'origin-contradicts' });
  });
});
