import { AgencyKind } from '../agencies/agency';
import { caseDecider } from '../cases/case.decider';
import { CaseEvent, CaseState } from '../cases/case.model';
import { share, SHARING_TABLE } from './sharing.policy';

type Agency = { agencyId: string; kind: AgencyKind };
const police: Agency = { agencyId: 'polisen-malmo', kind: 'police' };
const social: Agency = { agencyId: 'socialtjansten-malmo', kind: 'social-services' };
const migration: Agency = { agencyId: 'migrationsverket-goteborg', kind: 'migration' };
const prosecutor: Agency = { agencyId: 'aklagare-internationella', kind: 'prosecution' };
const coordinator: Agency = { agencyId: 'mika-malmo', kind: 'coordinator' };

const opened: CaseEvent = {
  type: 'CaseOpened',
  data: {
    caseId: 'c-1',
    subject: { subjectId: 's-1', category: 'victim', ageGroup: 'child', gender: 'female', originRegion: 'baltic' },
    city: 'malmo',
    exploitation: 'sexual-exploitation',
    summary: 'met at a shelter',
    leadAgency: police.agencyId,
    leadAgencyKind: 'police',
    openedAt: '2026-03-01T09:00:00Z',
  },
};
const joined = (a: Agency, via: 'opened' | 'added' | 'referral' = 'added'): CaseEvent => ({
  type: 'AgencyJoinedCase',
  data: { agencyId: a.agencyId, agencyKind: a.kind, via, referralId: null, reason: null, addedBy: police.agencyId },
});
const left = (a: Agency): CaseEvent => ({ type: 'AgencyLeftCase', data: { agencyId: a.agencyId, reason: 'done', removedBy: police.agencyId } });
const referred = (to: Agency, referralId = 'r-1'): CaseEvent => ({
  type: 'CaseReferred',
  data: { referralId, fromAgency: police.agencyId, toAgency: to.agencyId, toAgencyKind: to.kind, reason: 'needs support', urgency: 'urgent', dueBy: null, automatic: false },
});
const support = (kind: 'shelter' | 'psychological' | 'health-care', by: Agency = social): CaseEvent => ({
  type: 'SupportProvided',
  data: { supportId: `s-${kind}`, kind, providedOn: '2026-03-02', providedBy: by.agencyId },
});
const evidence: CaseEvent = { type: 'EvidenceRegistered', data: { evidenceId: 'e-1', description: 'phone seized at the address', contentSha256: null, holder: police.agencyId } };

/** Folds the story and returns, for each event, who receives it. */
function deliveries(story: CaseEvent[]) {
  let state: CaseState = caseDecider.initialState();
  return story.map((event) => {
    const before = state;
    state = caseDecider.evolve(state, event);
    return share(event, before, state);
  });
}
const recipientsOf = (story: CaseEvent[]) => deliveries(story).map((ds) => ds.map((d) => d.agencyId).sort());

describe('the sharing policy', () => {
  it('has a rule for every event type the case record writes', () => {
    const types: CaseEvent['type'][] = ['CaseOpened', 'AgencyJoinedCase', 'AgencyLeftCase', 'CaseReferred', 'ReferralAccepted', 'ReferralDeclined', 'ReferralWithdrawn', 'ReferralEscalated', 'SupportProvided', 'ConsentGiven', 'ConsentWithdrawn', 'ReflectionPeriodGranted', 'ResidencePermitDecided', 'VictimCooperationRecorded', 'InvestigationOpened', 'InvestigationClosed', 'ProsecutionInitiated', 'SentencingOutcomeRecorded', 'EvidenceRegistered', 'EvidenceTransferred', 'CaseClosed', 'CaseReopened'];
    expect(Object.keys(SHARING_TABLE).sort()).toEqual([...types].sort());
  });

  it('shows a case to its lead from the opening on', () => {
    expect(recipientsOf([opened, joined(police, 'opened')])).toEqual([[police.agencyId], [police.agencyId]]);
  });

  it('shows an agency a case only while it is on the team: its joining, what follows, and its leaving', () => {
    const story = [opened, joined(police, 'opened'), support('shelter', police), joined(prosecutor), support('shelter', police), left(prosecutor), support('shelter', police)];
    const seenByProsecutor = recipientsOf(story).map((r) => r.includes(prosecutor.agencyId));
    expect(seenByProsecutor).toEqual([false, false, false, true, true, true, false]);
    expect(recipientsOf(story)[0]).toEqual([police.agencyId]);
  });

  it('shows the addressee of a referral the referral, with the case descriptors, and nothing else before it answers', () => {
    const story = [opened, joined(police, 'opened'), support('shelter', police), referred(social), support('shelter', police)];
    const all = deliveries(story);
    expect(all.map((ds) => ds.some((d) => d.agencyId === social.agencyId))).toEqual([false, false, false, true, false]);
    const toSocial = all[3].find((d) => d.agencyId === social.agencyId)!;
    expect(toSocial.case).toEqual({ subject: { category: 'victim', ageGroup: 'child' }, city: 'malmo', exploitation: 'sexual-exploitation' });
    expect(all[3].find((d) => d.agencyId === police.agencyId)!.case).toBeUndefined();
  });

  it('shows the addressee its answer, and the case from its joining on once it accepted', () => {
    const story: CaseEvent[] = [
      opened,
      joined(police, 'opened'),
      referred(social),
      { type: 'ReferralAccepted', data: { referralId: 'r-1', agencyId: social.agencyId } },
      { ...joined(social, 'referral') },
      support('shelter', police),
    ];
    expect(recipientsOf(story).slice(3)).toEqual([
      [police.agencyId, social.agencyId].sort(),
      [police.agencyId, social.agencyId].sort(),
      [police.agencyId, social.agencyId].sort(),
    ]);
  });

  it('shows a declined referral to the agency that declined it, and nothing after', () => {
    const story: CaseEvent[] = [opened, joined(police, 'opened'), referred(social), { type: 'ReferralDeclined', data: { referralId: 'r-1', agencyId: social.agencyId, reason: 'not ours' } }, support('shelter', police)];
    expect(recipientsOf(story).slice(3)).toEqual([[police.agencyId, social.agencyId].sort(), [police.agencyId]]);
  });

  it('shows an escalated referral to the coordinator it was escalated to, with the case descriptors', () => {
    const story: CaseEvent[] = [
      opened,
      joined(police, 'opened'),
      { ...referred(social), data: { ...(referred(social).data as object), dueBy: '2026-03-02T09:00:00Z' } } as CaseEvent,
      { type: 'ReferralEscalated', data: { referralId: 'r-1', toAgency: social.agencyId, coordinator: coordinator.agencyId, dueBy: '2026-03-02T09:00:00Z', escalatedAt: '2026-03-03T09:00:00Z' } },
    ];
    const escalation = deliveries(story)[3];
    expect(escalation.map((d) => d.agencyId).sort()).toEqual([coordinator.agencyId, police.agencyId, social.agencyId].sort());
    expect(escalation.find((d) => d.agencyId === coordinator.agencyId)!.case).toMatchObject({ city: 'malmo' });
  });

  it('withholds health-care, psychological and counselling support from the Migration Agency, but not shelter', () => {
    const story = [opened, joined(police, 'opened'), joined(migration), joined(social), support('psychological'), support('health-care'), support('shelter')];
    const seenByMigration = recipientsOf(story).map((r) => r.includes(migration.agencyId));
    expect(seenByMigration.slice(4)).toEqual([false, false, true]);
    expect(recipientsOf(story)[4]).toEqual([police.agencyId, social.agencyId].sort());
  });

  it('gives evidence descriptions to police and prosecution only; the others get the event without it', () => {
    const story = [opened, joined(police, 'opened'), joined(prosecutor), joined(social), joined(migration), evidence];
    const registered = deliveries(story)[5];
    const byAgency = Object.fromEntries(registered.map((d) => [d.agencyId, d]));
    expect(byAgency[police.agencyId].data).toMatchObject({ description: 'phone seized at the address' });
    expect(byAgency[prosecutor.agencyId].withheldFields).toEqual([]);
    for (const other of [social, migration]) {
      expect(byAgency[other.agencyId].data).not.toHaveProperty('description');
      expect(byAgency[other.agencyId].data).toMatchObject({ evidenceId: 'e-1', holder: police.agencyId });
      expect(byAgency[other.agencyId].withheldFields).toEqual(['description']);
    }
  });

  it('shows nothing to an agency that is neither on the team nor a party to a referral', () => {
    const story = [opened, joined(police, 'opened'), referred(social), support('shelter', police), evidence];
    for (const recipients of recipientsOf(story)) expect(recipients).not.toContain(migration.agencyId);
  });
});
