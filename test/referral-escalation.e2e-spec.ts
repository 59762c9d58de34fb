import { ManualClock } from '@samverkan/common';
import { ReferralEscalationProcess } from '../apps/coordinator/src/process-managers/referral-escalation.process';
import { eventually, RunningService } from './support/running-service';

/** A referral unanswered past its due time goes to the coordinator of the case's city, once, even across a restart. */
describe('escalating an unanswered referral', () => {
  const clock = new ManualClock(new Date());
  let service: RunningService;

  afterAll(() => service.stop());

  it('escalates to the coordinator of the city after the due time, once, and survives a restart', async () => {
    service = await RunningService.start({ clock });
    const police = await service.as('polisen-malmo');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    const dueBy = new Date(clock.now().getTime() + 48 * 3600_000).toISOString();
    const referred = await police.post(`/cases/${caseId}/referrals`, {
      toAgency: 'migrationsverket-goteborg',
      reason: 'reflection period',
      urgency: 'urgent',
      dueBy,
    });
    expect(referred.status).toBe(201);
    const referralId = referred.body.referralId;

    const migration = await service.as('migrationsverket-goteborg');
    await eventually(async () => {
      const list = (await migration.get('/agencies/me/worklist')).body.referralsAwaitingAnswer;
      return list.find((r: { referralId: string }) => r.referralId === referralId);
    }, 'the referral in the addressee worklist');

    // Before the due time nothing happens.
    expect(await service.app.get(ReferralEscalationProcess).check()).toBe(0);

    // The service stops with the referral still unanswered; time passes; it starts again.
    const dataDir = service.config.dataDir;
    await service.stop({ keepData: true });
    clock.advance(49 * 3600_000);
    service = await RunningService.start({ clock, dataDir });

    const coordinator = await service.as('mika-malmo');
    const police2 = await service.as('polisen-malmo');
    const migration2 = await service.as('migrationsverket-goteborg');
    const escalated = await eventually(async () => {
      const events = (await police2.get(`/cases/${caseId}/timeline`)).body.events;
      return events.find((e: { type: string }) => e.type === 'ReferralEscalated');
    }, 'the escalation after restart');
    expect(escalated).toMatchObject({ agency: 'samverkan', data: { referralId, coordinator: 'mika-malmo', toAgency: 'migrationsverket-goteborg' } });

    // Checking again escalates nothing more.
    expect(await service.app.get(ReferralEscalationProcess).check()).toBe(0);
    const events = (await police2.get(`/cases/${caseId}/timeline`)).body.events;
    expect(events.filter((e: { type: string }) => e.type === 'ReferralEscalated')).toHaveLength(1);

    // The coordinator finds it in its worklist; the addressee sees that it was escalated.
    await eventually(async () => {
      const list = (await coordinator.get('/agencies/me/worklist')).body.escalatedReferrals;
      return list.find((r: { referralId: string }) => r.referralId === referralId);
    }, 'the escalation in the coordinator worklist');
    const awaiting = (await migration2.get('/agencies/me/worklist')).body.referralsAwaitingAnswer;
    expect(awaiting.find((r: { referralId: string }) => r.referralId === referralId)).toMatchObject({ escalatedTo: 'mika-malmo' });
  });
});
