import { RunningService } from './support/running-service';

describe('an auditor', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await RunningService.start();
  });
  afterAll(() => service.stop());

  it('reads and verifies any case, but acts on none', async () => {
    const police = await service.as('polisen-goteborg');
    const auditor = await service.as('internrevisionen', 'auditor-1');
    const caseId = (await police.post('/cases', { subject: { category: 'sex-seller', ageGroup: 'adult' } })).body.caseId;

    const timeline = await auditor.get(`/cases/${caseId}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.events.map((e: { type: string }) => e.type)).toEqual(['CaseOpened', 'AgencyJoinedCase']);
    expect((await auditor.get(`/cases/${caseId}/verify`)).body).toMatchObject({ result: 'ok', events: 2 });
    expect((await auditor.get(`/cases/${caseId}`)).body).toMatchObject({ caseId, leadAgency: 'polisen-goteborg' });

    const opening = await auditor.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
    expect(opening.status).toBe(403);
    expect(opening.body.detail).toMatch(/internrevisionen is auditor/);
    const support = await auditor.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-01' });
    expect(support.status).toBe(403);
    expect((await auditor.get(`/cases/${caseId}/timeline`)).body.revision).toBe(1);
  });
});
