import 'reflect-metadata';
import { swedishDate } from '../apps/coordinator/src/cases/case.decider';
import { RunningService } from './support/running-service';

/**
 * A reflection period as utlänningslagen 5 kap. 15 § andra stycket has it, over the HTTP API: applied for by
 * the head of the preliminary investigation or social services, decided by the Migration Agency for 30 days
 * from the decision, extended only on request for special reasons, each step its own event.
 */
describe('a reflection period', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await RunningService.start();
  });
  afterAll(() => service.stop());

  it('is applied for by social services, granted for 30 days, and extended with its reasons kept', async () => {
    const police = await service.as('polisen-malmo');
    const social = await service.as('socialtjansten-malmo');
    const migration = await service.as('migrationsverket-goteborg');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    for (const agencyId of ['socialtjansten-malmo', 'migrationsverket-goteborg']) await police.post(`/cases/${caseId}/team`, { agencyId, reason: 'support' });

    // A length of one's own is not taken: the law sets it.
    expect((await migration.post(`/cases/${caseId}/reflection-period`, { granted: true, until: '2031-01-01' })).status).toBe(400);
    // Nothing to decide before someone applies.
    expect((await migration.post(`/cases/${caseId}/reflection-period`, { granted: true })).status).toBe(409);

    const applied = await social.post(`/cases/${caseId}/reflection-period/application`, {});
    expect(applied.status).toBe(201);
    expect(applied.body.applicationId).toEqual(expect.any(String));
    const decided = await migration.post(`/cases/${caseId}/reflection-period`, { granted: true });
    expect(decided.status).toBe(201);
    const summary = (await police.get(`/cases/${caseId}`)).body;
    const today = swedishDate(new Date().toISOString());
    const in30 = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    expect(summary.reflectionPeriodUntil).toBe(in30);

    const later = new Date(Date.parse(`${in30}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    expect((await migration.post(`/cases/${caseId}/reflection-period/extension`, { until: later, reason: 'recovering from surgery' })).status).toBe(201);
    const events = (await police.get(`/cases/${caseId}/timeline`)).body.events as Array<{ type: string; agency: string; data: Record<string, unknown> }>;
    const steps = events.filter((e) => e.type.startsWith('ReflectionPeriod'));
    expect(steps.map((e) => `${e.agency} ${e.type}`)).toEqual([
      'socialtjansten-malmo ReflectionPeriodApplied',
      'migrationsverket-goteborg ReflectionPeriodDecided',
      'migrationsverket-goteborg ReflectionPeriodExtended',
    ]);
    expect(steps[1]!.data).toMatchObject({ granted: true, from: today, until: in30 });
    expect(steps[2]!.data).toMatchObject({ until: later, reason: 'recovering from surgery' });
    expect((await police.get(`/cases/${caseId}`)).body.reflectionPeriodUntil).toBe(later);
  });
});
