import { AgencyKind, OPERATIONAL_KINDS } from '../agencies/agency';
import { CONTENT_ACCESS, EVENT_CATEGORY, INFO_CATEGORIES, READ_VIEWS, READER_STANDINGS, VIEW_ACCESS } from './case.access';
import { caseDecider } from './case.decider';
import { caseSummaryFor, DisclosableEvent, discloseEvent, share, standingOf } from './case.disclosure';
import { CaseEvent, CaseState, CONSENT_SCOPES, ConsentScope, SupportKind } from './case.model';
import { CASE_EVENT_VERSIONS } from './case.upcast';

type Agency = { agencyId: string; kind: AgencyKind };
const police: Agency = { agencyId: 'polisen-malmo', kind: 'police' };
const social: Agency = { agencyId: 'socialtjansten-malmo', kind: 'social-services' };
const migration: Agency = { agencyId: 'migrationsverket-goteborg', kind: 'migration' };
const prosecutor: Agency = { agencyId: 'aklagare-internationella', kind: 'prosecution' };
const coordinator: Agency = { agencyId: 'mika-malmo', kind: 'coordinator' };
const auditor: Agency = { agencyId: 'internrevisionen', kind: 'auditor' };

/** A case event as the store holds it: recorded by `by` (the lead unless said), at its revision in the story. */
type Step = { event: CaseEvent; by?: Agency };

const opened = (ageGroup: 'child' | 'adult' = 'adult'): Step => ({
  event: {
    type: 'CaseOpened',
    data: {
      caseId: 'c-1',
      subject: { subjectId: 's-1', category: 'victim', ageGroup, gender: 'female', originRegion: 'baltic', originCountry: null, municipality: null },
      city: 'malmo',
      exploitation: 'sexual-exploitation',
      contact: null,
      summary: 'met at a shelter',
      leadAgency: police.agencyId,
      leadAgencyKind: 'police',
      openedAt: '2026-03-01T09:00:00Z',
    },
  },
});
const joined = (a: Agency, via: 'opened' | 'added' | 'referral' = 'added'): Step => ({
  event: { type: 'AgencyJoinedCase', data: { agencyId: a.agencyId, agencyKind: a.kind, via, referralId: null, reason: null, addedBy: police.agencyId } },
});
const left = (a: Agency): Step => ({ event: { type: 'AgencyLeftCase', data: { agencyId: a.agencyId, reason: 'done', removedBy: police.agencyId } } });
const referred = (to: Agency, referralId = 'r-1'): Step => ({
  event: {
    type: 'CaseReferred',
    data: {
      referralId,
      fromAgency: police.agencyId,
      toAgency: to.agencyId,
      toAgencyKind: to.kind,
      reason: 'needs support',
      urgency: 'urgent',
      dueBy: null,
      automatic: false,
    },
  },
});
const support = (kind: SupportKind, by: Agency = social): Step => ({
  event: { type: 'SupportProvided', data: { supportId: `s-${kind}`, kind, providedOn: '2026-03-02', providedBy: by.agencyId } },
  by,
});
const consent = (scope: ConsentScope, given = true): Step => ({
  event: given
    ? { type: 'ConsentGiven', data: { scope, givenBy: 'person', givenOn: '2026-03-02', recordedBy: social.agencyId } }
    : { type: 'ConsentWithdrawn', data: { scope, withdrawnBy: 'person', withdrawnOn: '2026-03-03', recordedBy: social.agencyId } },
  by: social,
});
const investigation: Step = { event: { type: 'InvestigationOpened', data: { investigationId: 'i-1', reference: '5000-K1-26', openedBy: police.agencyId } } };
const cooperation: Step = { event: { type: 'VictimCooperationRecorded', data: { status: 'willing', recordedBy: police.agencyId } } };
const evidence = (by: Agency = police): Step => ({
  event: { type: 'EvidenceRegistered', data: { evidenceId: 'e-1', description: 'phone seized at the address', contentSha256: null, holder: by.agencyId } },
  by,
});

/** The story as stored events, each with the states around it. */
function told(story: Step[]) {
  let state: CaseState = caseDecider.initialState();
  return story.map(({ event, by }, revision) => {
    const before = state;
    state = caseDecider.evolve(state, event);
    const stored: DisclosableEvent = {
      ...event,
      schemaVersion: CASE_EVENT_VERSIONS[event.type] ?? 1,
      revision,
      metadata: { agencyId: (by ?? police).agencyId },
    };
    return { stored, before, after: state };
  });
}
const deliveries = (story: Step[]) => told(story).map(({ stored, before, after }) => share(stored, before, after));
const recipientsOf = (story: Step[]) => deliveries(story).map((ds) => ds.map((d) => d.agencyId).sort());
/** What one reader sees of each event of the story (undefined: nothing). */
const seenBy = (reader: Agency, story: Step[]) => told(story).map(({ stored, before, after }) => discloseEvent(stored, before, after, reader));
const stateAfter = (story: Step[]) => told(story).at(-1)!.after;

describe('the access table', () => {
  it('puts every event type the case record writes in a category', () => {
    const types: CaseEvent['type'][] = [
      'CaseOpened',
      'AgencyJoinedCase',
      'AgencyLeftCase',
      'CaseReferred',
      'ReferralAccepted',
      'ReferralDeclined',
      'ReferralWithdrawn',
      'ReferralEscalated',
      'SupportProvided',
      'ConsentGiven',
      'ConsentWithdrawn',
      'ReflectionPeriodGranted',
      'ReflectionPeriodApplied',
      'ReflectionPeriodDecided',
      'ReflectionPeriodExtended',
      'SubjectCitizenshipRecorded',
      'ResidencePermitApplied',
      'ResidencePermitDecided',
      'VictimCooperationRecorded',
      'VictimIdentified',
      'ChildRepresentativeRecorded',
      'ChildUnaccompaniedRecorded',
      'InvestigationOpened',
      'InvestigationClosed',
      'ProsecutionInitiated',
      'SentencingOutcomeRecorded',
      'ProsecutorDecisionRecorded',
      'EvidenceRegistered',
      'EvidenceTransferred',
      'CaseClosed',
      'CaseReopened',
      'AgencyPartClosed',
      'AgencyPartReopened',
    ];
    expect(Object.keys(EVENT_CATEGORY).sort()).toEqual([...types].sort());
  });

  it('has a row for every category and every kind of agency on a team', () => {
    expect(Object.keys(CONTENT_ACCESS).sort()).toEqual(Object.keys(INFO_CATEGORIES).sort());
    for (const row of Object.values(CONTENT_ACCESS)) expect(Object.keys(row.grants).sort()).toEqual([...OPERATIONAL_KINDS].sort());
  });

  it('says for every view and every standing whether it is shown, and on which basis', () => {
    expect(Object.keys(VIEW_ACCESS).sort()).toEqual([...READ_VIEWS].sort());
    for (const view of READ_VIEWS) {
      expect(Object.keys(VIEW_ACCESS[view]).sort()).toEqual([...READER_STANDINGS].sort());
      for (const row of Object.values(VIEW_ACCESS[view])) expect(row.basis === null).toBe(row.access === 'refused');
      // Only a search by what identifies a person is open to an agency with no standing yet: it is how it finds the record.
      expect({ view, outsider: VIEW_ACCESS[view].outsider.access }).toEqual({ view, outsider: view === 'person-search' ? 'redacted' : 'refused' });
    }
  });

  it('reads every consent scope somewhere: a scope that gated nothing would be a promise not kept', () => {
    const read = new Set(
      Object.values(CONTENT_ACCESS).flatMap((row) =>
        Object.values(row.grants)
          .flat()
          .flatMap((g) => (g.basis === 'consent' ? g.scopes : [])),
      ),
    );
    expect([...read].sort()).toEqual([...CONSENT_SCOPES].sort());
  });
});

describe('what an agency sees of a case event', () => {
  it('shows a case to its lead from the opening on', () => {
    expect(recipientsOf([opened(), joined(police, 'opened')])).toEqual([[police.agencyId], [police.agencyId]]);
  });

  it('shows an agency a case only while it is on the team: its joining, what follows, and its leaving', () => {
    const story = [
      opened(),
      joined(police, 'opened'),
      support('shelter', police),
      joined(prosecutor),
      support('shelter', police),
      left(prosecutor),
      support('shelter', police),
    ];
    expect(recipientsOf(story).map((r) => r.includes(prosecutor.agencyId))).toEqual([false, false, false, true, true, true, false]);
  });

  it('shows the addressee of a referral the referral, with the case as it needs it to decide, and nothing else before it answers', () => {
    const story = [opened(), joined(police, 'opened'), support('shelter', police), referred(social), support('shelter', police)];
    expect(deliveries(story).map((ds) => ds.some((d) => d.agencyId === social.agencyId))).toEqual([false, false, false, true, false]);
    const toSocial = seenBy(social, story)[3]!;
    expect(toSocial.basis).toBe('mandate');
    expect(toSocial.case).toEqual({
      caseId: 'c-1',
      revision: 3,
      status: 'open',
      city: 'malmo',
      leadAgency: police.agencyId,
      subject: { category: 'victim', ageGroup: 'adult' },
      exploitation: 'sexual-exploitation',
      referrals: [expect.objectContaining({ referralId: 'r-1', toAgency: social.agencyId })],
      basis: 'mandate',
    });
    expect(seenBy(police, story)[3]!.case).toBeUndefined();
  });

  it('gives an agency that joins the case as it stands, as it may see it, with its joining', () => {
    const story = [opened(), joined(police, 'opened'), investigation, support('psychological'), joined(social)];
    const joining = seenBy(social, story)[4]!;
    expect(joining.case).toEqual(caseSummaryFor(stateAfter(story), 4, social));
    expect(joining.case).toMatchObject({ status: 'open', team: [expect.anything(), expect.anything()], support: { total: 1, byKind: { psychological: 1 } } });
    expect(joining.case).not.toHaveProperty('investigations');
    expect(seenBy(police, story)[4]!.case).toBeUndefined();
  });

  it('shows a declined referral to the agency that declined it, and nothing after', () => {
    const story: Step[] = [
      opened(),
      joined(police, 'opened'),
      referred(social),
      { event: { type: 'ReferralDeclined', data: { referralId: 'r-1', agencyId: social.agencyId, reason: 'not ours' } }, by: social },
      support('shelter', police),
    ];
    expect(recipientsOf(story).slice(3)).toEqual([[police.agencyId, social.agencyId].sort(), [police.agencyId]]);
  });

  it('shows an escalated referral to the coordinator it was escalated to, with the case descriptors', () => {
    const story: Step[] = [
      opened(),
      joined(police, 'opened'),
      referred(social),
      {
        event: {
          type: 'ReferralEscalated',
          data: {
            referralId: 'r-1',
            toAgency: social.agencyId,
            coordinator: coordinator.agencyId,
            dueBy: '2026-03-02T09:00:00Z',
            escalatedAt: '2026-03-03T09:00:00Z',
          },
        },
      },
    ];
    expect(recipientsOf(story)[3]).toEqual([coordinator.agencyId, police.agencyId, social.agencyId].sort());
    expect(seenBy(coordinator, story)[3]!.case).toMatchObject({ city: 'malmo', subject: { category: 'victim' } });
  });

  it('gives evidence descriptions to police and prosecution only; the others get the event without it', () => {
    const story = [opened(), joined(police, 'opened'), joined(prosecutor), joined(social), joined(migration), evidence()];
    const registered = Object.fromEntries(deliveries(story)[5].map((d) => [d.agencyId, d]));
    expect(registered[police.agencyId].data).toMatchObject({ description: 'phone seized at the address' });
    expect(registered[prosecutor.agencyId].withheldFields).toEqual([]);
    for (const other of [social, migration]) {
      expect(registered[other.agencyId].data).not.toHaveProperty('description');
      expect(registered[other.agencyId].data).toMatchObject({ evidenceId: 'e-1', holder: police.agencyId });
      expect(registered[other.agencyId].withheldFields).toEqual(['description']);
    }
  });

  it('always shows an agency in full what it recorded itself', () => {
    const story = [opened(), joined(police, 'opened'), joined(social), joined(migration), evidence(social), support('shelter', migration)];
    expect(seenBy(social, story)[4]).toMatchObject({ withheldFields: [], basis: 'mandate', data: { description: 'phone seized at the address' } });
    expect(seenBy(migration, story)[5]).toMatchObject({ basis: 'mandate', data: { kind: 'shelter' } });
  });

  it('shows auditors every event in full, on their remit', () => {
    const story = [opened(), joined(police, 'opened'), support('psychological'), evidence()];
    for (const seen of seenBy(auditor, story)) expect(seen).toMatchObject({ withheldFields: [], basis: 'auditor-remit' });
    expect(seenBy(auditor, story)[3]!.data).toHaveProperty('description');
  });

  it('shows nothing to an agency that is neither on the team nor a party to a referral', () => {
    const story = [opened(), joined(police, 'opened'), referred(social), support('shelter', police), evidence()];
    for (const recipients of recipientsOf(story)) expect(recipients).not.toContain(migration.agencyId);
    expect(seenBy(migration, story).every((seen) => seen === undefined)).toBe(true);
  });
});

describe('consent that gates sharing', () => {
  const team = [opened(), joined(police, 'opened'), joined(social), joined(migration)];

  it('shares support with the Migration Agency only while the person consents to it, from the consent on', () => {
    const story = [
      ...team,
      support('shelter'),
      consent('share-with-migration'),
      support('shelter'),
      consent('share-with-migration', false),
      support('shelter'),
    ];
    const seen = seenBy(migration, story);
    expect(seen.slice(4).map((s) => s?.basis)).toEqual([undefined, 'mandate', 'consent', 'mandate', undefined]);
    expect(seen[6]).toMatchObject({ basis: 'consent', consentScopes: ['share-with-migration'] });
  });

  it('keeps health and psychological care within social services unless the person consents to share health details', () => {
    const story = [...team, support('psychological'), consent('share-health-details'), support('health-care')];
    expect(
      seenBy(police, story)
        .slice(4)
        .map((s) => s?.basis),
    ).toEqual([undefined, 'mandate', 'consent']);
    expect(seenBy(social, story)[4]).toMatchObject({ basis: 'mandate' });
    // the Migration Agency needs both: consent to share with it, and to share health details
    expect(seenBy(migration, story)[6]).toBeUndefined();
    const both = [...story, consent('share-with-migration'), support('health-care')];
    expect(seenBy(migration, both)[8]).toMatchObject({ basis: 'consent', consentScopes: ['share-with-migration', 'share-health-details'] });
  });

  it("tells social services of an adult's investigation and cooperation only with consent, of a child's on the child-protection duty", () => {
    const adult = [opened('adult'), joined(police, 'opened'), joined(social), investigation, cooperation, consent('share-with-social-services'), cooperation];
    expect(
      seenBy(social, adult)
        .slice(3)
        .map((s) => s?.basis),
    ).toEqual([undefined, undefined, 'mandate', 'consent']);
    const child = [opened('child'), joined(police, 'opened'), joined(social), investigation, cooperation];
    expect(
      seenBy(social, child)
        .slice(3)
        .map((s) => s?.basis),
    ).toEqual(['child-protection', 'child-protection']);
    expect(seenBy(coordinator, [...child.slice(0, 3), joined(coordinator), investigation])[4]).toMatchObject({ basis: 'child-protection' });
  });

  it('does not gate what the mandate covers: the police see the investigation whatever consent says', () => {
    const story = [...team, consent('share-with-social-services'), consent('share-with-social-services', false), investigation];
    expect(seenBy(police, story)[6]).toMatchObject({ basis: 'mandate' });
    expect(seenBy(migration, story)[6]).toMatchObject({ basis: 'mandate' });
  });
});

describe('the case summary an agency sees', () => {
  const story = [
    opened(),
    joined(police, 'opened'),
    joined(social),
    joined(migration),
    support('shelter'),
    support('psychological', social),
    investigation,
    evidence(),
  ];

  it('shows the lead every part its kind may see, and says on which basis, part by part', () => {
    const summary = caseSummaryFor(stateAfter(story), 7, police)!;
    expect(summary).toMatchObject({ caseId: 'c-1', revision: 7, status: 'open', investigations: [expect.objectContaining({ investigationId: 'i-1' })] });
    expect(summary.support).toEqual({
      total: 1,
      byKind: { shelter: 1 },
      providers: [social.agencyId],
      firstProvidedOn: '2026-03-02',
      lastProvidedOn: '2026-03-02',
    });
    expect(summary.access).toMatchObject({ case: { basis: 'mandate' }, care: null, investigation: { basis: 'mandate' } });
    expect(summary.evidence).toEqual([expect.objectContaining({ description: 'phone seized at the address' })]);
  });

  it('leaves out, for a member, the parts its kind may not see, and says they were withheld', () => {
    const summary = caseSummaryFor(stateAfter(story), 7, social)!;
    expect(summary).not.toHaveProperty('investigations');
    expect(summary).not.toHaveProperty('cooperation');
    expect(summary.support).toMatchObject({ total: 2, byKind: { shelter: 1, psychological: 1 } });
    expect(summary.evidence).toEqual([{ evidenceId: 'e-1', contentSha256: null, holder: police.agencyId, registeredBy: police.agencyId }]);
    expect(summary.access).toMatchObject({ investigation: null, cooperation: null, care: { basis: 'mandate' } });
    const toMigration = caseSummaryFor(stateAfter(story), 7, migration)!;
    expect(toMigration).not.toHaveProperty('support');
    expect(toMigration.access).toMatchObject({ support: null, care: null, investigation: { basis: 'mandate' } });
  });

  it('counts no support of a kind the reader may not see, not even where it gave some itself', () => {
    const summary = caseSummaryFor(stateAfter([...story, joined(coordinator), support('psychological', coordinator)]), 10, coordinator)!;
    expect(summary.support).toEqual(expect.objectContaining({ byKind: { shelter: 1 } }));
  });

  it('follows consent as it is in force', () => {
    const given = caseSummaryFor(stateAfter([...story, consent('share-with-migration')]), 8, migration)!;
    expect(given.support).toMatchObject({ total: 1, byKind: { shelter: 1 } });
    expect(given.access).toMatchObject({ support: { basis: 'consent', consentScopes: ['share-with-migration'] } });
  });

  it('shows an auditor the whole state, and an outsider nothing', () => {
    const toAuditor = caseSummaryFor(stateAfter(story), 7, auditor)!;
    expect(toAuditor).toMatchObject({
      investigations: [expect.anything()],
      evidence: [expect.objectContaining({ description: 'phone seized at the address' })],
    });
    expect(toAuditor.support).toMatchObject({ total: 2, byKind: { shelter: 1, psychological: 1 } });
    expect(Object.values(toAuditor.access as object)).toEqual(Object.keys(INFO_CATEGORIES).map(() => ({ basis: 'auditor-remit' })));
    expect(caseSummaryFor(stateAfter(story), 7, prosecutor)).toBeUndefined();
  });

  it('takes the standing an agency had in the state it is shown', () => {
    const state = stateAfter(story);
    expect([police, social, prosecutor, auditor].map((a) => standingOf(state, a))).toEqual(['lead', 'member', 'outsider', 'auditor']);
    expect(standingOf(stateAfter([...story, referred(prosecutor)]), prosecutor)).toBe('addressee');
  });
});
