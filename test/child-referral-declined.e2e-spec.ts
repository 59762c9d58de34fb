import 'reflect-metadata';
import { swedishDate } from '../apps/coordinator/src/cases/case.decider';
import { eventually, RunningService } from './support/running-service';

/**
 * A child's case never loses social services in silence, and reaches those of the municipality it stays in. A subject of unknown age is presumed a child
 * (Directive 2011/36/EU art. 13.2) and referred to social services on its own; when they decline, the case
 * is referred again and that referral escalated to the coordinator of the case's city at once, who finds it
 * in its worklist and can step in.
 */
describe('a child whose referral to social services was declined', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await RunningService.start();
  });
  afterAll(() => service.stop());

  it('is referred again, and the coordinator is told at once', async () => {
    const police = await service.as('polisen-malmo');
    const social = await service.as('socialtjansten-malmo');
    const coordinator = await service.as('mika-malmo');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'unknown' }, city: 'malmo' })).body.caseId;

    const awaiting = async () =>
      (
        (await social.get('/agencies/me/worklist')).body.referralsAwaitingAnswer as Array<{ caseId: string; referralId: string; escalatedTo: string | null }>
      ).filter((r) => r.caseId === caseId);
    const first = await eventually(async () => (await awaiting())[0], 'the automatic referral of a subject of unknown age');
    expect((await social.post(`/cases/${caseId}/referrals/${first.referralId}/decline`, { reason: 'no capacity this month' })).status).toBe(201);

    const again = await eventually(async () => (await awaiting()).find((r) => r.referralId !== first.referralId), 'the referral after the decline');
    expect(again.escalatedTo).toBe('mika-malmo');
    const escalated = await eventually(
      async () =>
        ((await coordinator.get('/agencies/me/worklist')).body.escalatedReferrals as Array<{ referralId: string }>).find(
          (r) => r.referralId === again.referralId,
        ),
      'the escalation in the coordinator worklist',
    );
    expect(escalated).toBeDefined();

    // The coordinator steps in; the timeline shows what happened, in order, by the service.
    expect((await coordinator.post(`/cases/${caseId}/team`, { agencyId: 'mika-malmo', reason: 'child without social services' })).status).toBe(201);
    // Social services, on the case once they accept the new referral, record that the child came alone and its god man.
    expect((await social.post(`/cases/${caseId}/referrals/${again.referralId}/accept`, {})).status).toBe(201);
    expect((await social.post(`/cases/${caseId}/unaccompanied`, { unaccompanied: true })).status).toBe(201);
    const appointedOn = swedishDate(new Date().toISOString());
    expect((await social.post(`/cases/${caseId}/child-representatives`, { role: 'god-man', appointedOn })).status).toBe(201);
    expect((await police.get(`/cases/${caseId}`)).body).toMatchObject({
      unaccompanied: true,
      childRepresentatives: [{ role: 'god-man', personId: null, appointedOn }],
    });

    const types = ((await police.get(`/cases/${caseId}/timeline`)).body.events as Array<{ type: string; agency: string }>).map((e) => `${e.agency} ${e.type}`);
    expect(types).toEqual(
      expect.arrayContaining(['samverkan CaseReferred', 'socialtjansten-malmo ReferralDeclined', 'samverkan ReferralEscalated', 'mika-malmo AgencyJoinedCase']),
    );
  });

  it("is referred to the social services of the municipality the child stays in, and escalated to the case's own coordinator", async () => {
    const police = await service.as('polisen-malmo');
    const lund = await service.as('socialtjansten-lund');
    const malmo = await service.as('socialtjansten-malmo');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'child', municipality: 'lund' } })).body.caseId;
    const referralTo = async (social: typeof lund) =>
      ((await social.get('/agencies/me/worklist')).body.referralsAwaitingAnswer as Array<{ caseId: string; referralId: string }>).find(
        (r) => r.caseId === caseId,
      );
    const referral = await eventually(() => referralTo(lund), 'the referral to the social services of Lund');
    expect(await referralTo(malmo)).toBeUndefined();
    expect((await police.get(`/cases/${caseId}`)).body).toMatchObject({ city: 'malmo', subject: { municipality: 'lund' } });
    expect((await lund.post(`/cases/${caseId}/referrals/${referral.referralId}/decline`, { reason: 'the child has moved on' })).status).toBe(201);
    const again = await eventually(async () => {
      const next = await referralTo(lund);
      return next && next.referralId !== referral.referralId ? next : undefined;
    }, 'the referral to Lund after the decline');
    // Malmö's case: its unanswered referrals go to Malmö's coordinator, wherever the child stays.
    expect(again).toMatchObject({ escalatedTo: 'mika-malmo' });
  });

  it('refuses a municipality that is not listed, and writes nothing', async () => {
    const police = await service.as('polisen-malmo');
    for (const body of [
      { subject: { category: 'victim', ageGroup: 'child', municipality: 'atlantis' } },
      { subject: { category: 'victim', ageGroup: 'adult' }, city: 'atlantis' },
    ]) {
      const reply = await police.post('/cases', body);
      expect({ status: reply.status, rule: reply.body.rule, detail: reply.body.detail }).toEqual({
        status: 400,
        rule: 'unknown-municipality',
        detail: expect.stringMatching(/^atlantis is not a listed municipality \(stockholm, solna, goteborg, malmo, lund\)/),
      });
    }
  });
});
