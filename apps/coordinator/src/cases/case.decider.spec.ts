import fc from 'fast-check';
import { ConflictError, ForbiddenError, InvariantError, NotFoundError } from '@samverkan/common';
import { AGENCY_KINDS, AgencyKind, Issuer, SYSTEM_AGENCY_ID } from '../agencies/agency';
import { authorise, caseDecider, decide, evolve, initialState, visibleTo, swedishDate } from './case.decider';
import { CaseCommand, CaseCommandType, CaseEvent, CaseEventType, CaseState, InvestigationOutcome, Offence, Subject } from './case.model';
import { COMMAND_PERMISSIONS } from './case.permissions';
import { CASE_EVENT_VERSIONS, upcastCaseEvent } from './case.upcast';
import { deepFreeze, given } from './testing/given';

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

const CASE = 'c-1';
const AT = '2025-03-10T09:00:00Z';

const police: Issuer = { agencyId: 'polisen-malmo', kind: 'police' };
const prosecutor: Issuer = { agencyId: 'aklagare-malmo', kind: 'prosecution' };
const migration: Issuer = { agencyId: 'migrationsverket-malmo', kind: 'migration' };
const social: Issuer = { agencyId: 'socialtjansten-malmo', kind: 'social-services' };
const coordinator: Issuer = { agencyId: 'lansstyrelsen-skane', kind: 'coordinator' };
const outsider: Issuer = { agencyId: 'polisen-stockholm', kind: 'police' };
const stranger: Issuer = { agencyId: 'polisen-goteborg', kind: 'police' };
const system: Issuer = { agencyId: SYSTEM_AGENCY_ID, kind: 'coordinator' };
const auditor: Issuer = { agencyId: 'internrevisionen', kind: 'auditor' };
const healthCare: Issuer = { agencyId: 'region-skane', kind: 'health-care' };
const ngo: Issuer = { agencyId: 'plattformen-civila-sverige', kind: 'ngo' };
const chiefGuardian: Issuer = { agencyId: 'overformyndaren-malmo', kind: 'chief-guardian' };
const counsel: Issuer = { agencyId: 'malsagandebitrade-malmo', kind: 'injured-party-counsel' };
const methodSupport: Issuer = { agencyId: 'jamstalldhetsmyndigheten-nmt', kind: 'method-support' };

const adultVictim: Subject = {
  subjectId: 'p-1',
  category: 'victim',
  ageGroup: 'adult',
  gender: 'female',
  originRegion: 'eastern-europe',
  originCountry: null,
  municipality: null,
};
const childVictim: Subject = { ...adultVictim, ageGroup: 'child' };
const sexBuyer: Subject = {
  subjectId: 'p-2',
  category: 'sex-buyer',
  ageGroup: 'adult',
  gender: 'male',
  originRegion: 'sweden',
  originCountry: null,
  municipality: null,
};

type CommandOf<T extends CaseCommandType> = Extract<CaseCommand, { type: T }>;
type EventOf<T extends CaseEventType> = Extract<CaseEvent, { type: T }>;

/** A command on case c-1, received at AT unless `at` says otherwise. */
function command<T extends CaseCommandType>(
  type: T,
  issuer: Issuer,
  fields: Omit<CommandOf<T>, 'type' | 'caseId' | 'issuer' | 'at'> & { at?: string },
): CommandOf<T> {
  return { type, caseId: CASE, issuer, at: AT, ...fields } as CommandOf<T>;
}

function event<T extends CaseEventType>(type: T, data: EventOf<T>['data']): EventOf<T> {
  return { type, data } as EventOf<T>;
}

const caseOpened = (subject: Subject = adultVictim, lead: Issuer = police) =>
  event('CaseOpened', {
    caseId: CASE,
    subject,
    city: 'malmo',
    exploitation: 'sexual-exploitation',
    contact: null,
    summary: 'woman found in a flat used for prostitution',
    leadAgency: lead.agencyId,
    leadAgencyKind: lead.kind,
    openedAt: AT,
  });

const joined = (agency: Issuer, via: 'opened' | 'added' | 'referral' = 'added', referralId: string | null = null) =>
  event('AgencyJoinedCase', {
    agencyId: agency.agencyId,
    agencyKind: agency.kind,
    via,
    referralId,
    reason: via === 'opened' ? null : 'needed on the case',
    addedBy: police.agencyId,
  });

const referred = (referralId: string, from: Issuer, to: Issuer, dueBy: string | null = null) =>
  event('CaseReferred', {
    referralId,
    fromAgency: from.agencyId,
    toAgency: to.agencyId,
    toAgencyKind: to.kind,
    reason: 'victim needs shelter',
    urgency: 'urgent',
    dueBy,
    automatic: false,
  });

const investigationOpened = (investigationId = 'i-1') =>
  event('InvestigationOpened', { investigationId, reference: '5000-K123-25', openedBy: police.agencyId });
const investigationClosed = (outcome: InvestigationOutcome, investigationId = 'i-1') =>
  event('InvestigationClosed', { investigationId, outcome, closedBy: police.agencyId });
/** A defendant's person record, and a second one for prosecutions of several. */
const DEFENDANT = 'p-defendant-1';
const CO_DEFENDANT = 'p-defendant-2';
const prosecutionInitiated = (charges: Offence[], defendantId: string = DEFENDANT) =>
  event('ProsecutionInitiated', { defendants: [{ defendantId, charges }], initiatedBy: prosecutor.agencyId });
const evidenceRegistered = (holder: Issuer = police, evidenceId = 'e-1') =>
  event('EvidenceRegistered', { evidenceId, description: 'phone', contentSha256: null, holder: holder.agencyId });
const caseClosed = () => event('CaseClosed', { outcome: 'victim returned home safely', closedBy: police.agencyId });

/** An open case led by polisen-malmo with an adult victim as subject. */
const opened: CaseEvent[] = [caseOpened(), joined(police, 'opened')];
/** The same case with prosecution, migration and a coordinator on the team. */
const staffed: CaseEvent[] = [...opened, joined(prosecutor), joined(migration), joined(coordinator)];
/** `opened`, with an open referral r-1 from the police to social services. */
const referredToSocial: CaseEvent[] = [...opened, referred('r-1', police, social)];

const caseNotFound = /^case c-1 was not found$/;

// ---------------------------------------------------------------------------------------------------------
// Opening, existence and visibility
// ---------------------------------------------------------------------------------------------------------

describe('opening a case', () => {
  const open = command('OpenCase', police, {
    personRecorded: null,
    subject: adultVictim,
    city: 'malmo',
    exploitation: 'sexual-exploitation',
    contact: null,
    summary: 'woman found in a flat used for prostitution',
  });

  it('records the case with the issuer as its lead and first team member', () => {
    given([])
      .when(open)
      .then([
        caseOpened(),
        event('AgencyJoinedCase', {
          agencyId: police.agencyId,
          agencyKind: 'police',
          via: 'opened',
          referralId: null,
          reason: null,
          addedBy: police.agencyId,
        }),
      ]);
  });

  it('refuses to open a case that already exists', () => {
    given(opened).when(open).thenThrows(ConflictError, 'case c-1 already exists');
  });

  it('opens a case about a person record that is there, and refuses one about a record that is not', () => {
    given([])
      .when({ ...open, personRecorded: true })
      .then([caseOpened(), expect.objectContaining({ type: 'AgencyJoinedCase' })]);
    given([])
      .when({ ...open, personRecorded: false })
      .thenThrows(NotFoundError, 'person p-1 was not found: record the person first (POST /persons)');
  });

  it('refuses to open a closed case anew', () => {
    given([...opened, caseClosed()])
      .when(open)
      .thenThrows(ConflictError, 'case c-1 already exists');
  });
});

describe('acting on a case that does not exist', () => {
  it('answers that the case was not found', () => {
    given([])
      .when(command('RecordSupport', police, { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-10' }))
      .thenThrows(NotFoundError, caseNotFound);
  });

  it('answers the same to the service itself', () => {
    given([])
      .when(command('RequireSocialServices', system, { referralId: 'r-auto', socialServices: social, coordinator, dueBy: null }))
      .thenThrows(NotFoundError, caseNotFound);
  });
});

describe('who may see a case', () => {
  const support = (issuer: Issuer) => command('RecordSupport', issuer, { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-10' });

  it('tells an agency outside the case exactly what it would be told if the case did not exist', () => {
    const hidden = given(opened).when(support(outsider)).thenThrows(NotFoundError, caseNotFound);
    const missing = given([]).when(support(outsider)).thenThrows(NotFoundError, caseNotFound);
    expect({ message: hidden.message, rule: hidden.rule, details: hidden.details }).toEqual({
      message: missing.message,
      rule: missing.rule,
      details: missing.details,
    });
  });

  it('lets the addressee of an open referral act on the case', () => {
    given(referredToSocial)
      .when(command('AcceptReferral', social, { referralId: 'r-1' }))
      .then([
        event('ReferralAccepted', { referralId: 'r-1', agencyId: social.agencyId }),
        event('AgencyJoinedCase', {
          agencyId: social.agencyId,
          agencyKind: 'social-services',
          via: 'referral',
          referralId: 'r-1',
          reason: 'victim needs shelter',
          addedBy: police.agencyId,
        }),
      ]);
  });

  it('hides the case again from an addressee once its referral is declined', () => {
    const declined = event('ReferralDeclined', { referralId: 'r-1', agencyId: social.agencyId, reason: 'not our city' });
    given([...referredToSocial, declined])
      .when(command('AcceptReferral', social, { referralId: 'r-1' }))
      .thenThrows(NotFoundError, caseNotFound);
  });

  it('hides the case from an agency that has left the team', () => {
    const left = event('AgencyLeftCase', { agencyId: prosecutor.agencyId, reason: 'no crime', removedBy: police.agencyId });
    given([...staffed, left])
      .when(support(prosecutor))
      .thenThrows(NotFoundError, caseNotFound);
  });

  it('lets the service itself act on a case it is not part of', () => {
    given([caseOpened(childVictim), joined(police, 'opened')])
      .when(command('RequireSocialServices', system, { referralId: 'r-auto', socialServices: social, coordinator, dueBy: null }))
      .then([expect.objectContaining({ type: 'CaseReferred' })]);
  });
});

describe('telling how an agency sees a case', () => {
  it('sees team members as team, addressees of open referrals as addressee, and everyone else as none', () => {
    const state = given([...referredToSocial, referred('r-2', police, prosecutor)]).state();
    expect(visibleTo(state, police.agencyId)).toBe('team');
    expect(visibleTo(state, social.agencyId)).toBe('addressee');
    expect(visibleTo(state, prosecutor.agencyId)).toBe('addressee');
    expect(visibleTo(state, outsider.agencyId)).toBe('none');
  });

  it('stops seeing an addressee once the referral is no longer open', () => {
    const withdrawn = event('ReferralWithdrawn', { referralId: 'r-1', agencyId: police.agencyId });
    expect(visibleTo(given([...referredToSocial, withdrawn]).state(), social.agencyId)).toBe('none');
  });

  it('sees no one on a case that does not exist', () => {
    expect(visibleTo(initialState(), police.agencyId)).toBe('none');
  });
});

// ---------------------------------------------------------------------------------------------------------
// The permission table
// ---------------------------------------------------------------------------------------------------------

/**
 * A child victim's case with something of everything but social services, and one command of each type that
 * an entitled agency may issue on it. The table-driven tests below read COMMAND_PERMISSIONS and these samples.
 */
const busy: CaseEvent[] = [
  caseOpened(childVictim),
  ...staffed.slice(1),
  referred('r-1', police, outsider, '2025-03-05T09:00:00Z'),
  investigationOpened('i-1'),
  evidenceRegistered(police, 'e-1'),
  prosecutionInitiated(['trafficking-in-human-beings', 'procuring']),
  event('SentencingOutcomeRecorded', {
    defendantId: DEFENDANT,
    court: 'malmo-tingsratt',
    verdict: 'convicted',
    offences: ['trafficking-in-human-beings'],
    sentence: { kind: 'prison', months: 48 },
    expulsion: false,
    damagesToVictimSek: null,
    appealed: true,
    decidedOn: '2025-03-01',
    recordedBy: prosecutor.agencyId,
  }),
];

const samples: { readonly [T in CaseCommandType]: CommandOf<T> } = {
  OpenCase: command('OpenCase', police, { subject: adultVictim, personRecorded: null, city: 'malmo', exploitation: null, contact: null, summary: null }),
  AddAgencyToCase: command('AddAgencyToCase', police, { agency: outsider, reason: 'the exploiters live in Stockholm' }),
  RemoveAgencyFromCase: command('RemoveAgencyFromCase', police, { agencyId: migration.agencyId, reason: 'permit decided' }),
  ReferCase: command('ReferCase', police, { referralId: 'r-2', to: stranger, reason: 'help', urgency: 'routine', dueBy: null }),
  AcceptReferral: command('AcceptReferral', outsider, { referralId: 'r-1' }),
  DeclineReferral: command('DeclineReferral', outsider, { referralId: 'r-1', reason: 'no capacity' }),
  WithdrawReferral: command('WithdrawReferral', police, { referralId: 'r-1' }),
  RecordSupport: command('RecordSupport', migration, { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-09' }),
  RecordConsent: command('RecordConsent', police, { scope: 'share-with-migration', given: true, by: 'person', on: '2025-03-10' }),
  ApplyForReflectionPeriod: command('ApplyForReflectionPeriod', police, { applicationId: 'a-2' }),
  DecideReflectionPeriod: command('DecideReflectionPeriod', migration, { granted: true }),
  ExtendReflectionPeriod: command('ExtendReflectionPeriod', migration, { until: '2025-04-20', reason: 'needs more time after surgery' }),
  RecordCitizenship: command('RecordCitizenship', police, { citizenship: 'NG' }),
  ApplyForResidencePermit: command('ApplyForResidencePermit', police, { applicationId: 'p-1', presenceNeeded: true, willToCooperate: true, tiesBroken: true }),
  DecideResidencePermit: command('DecideResidencePermit', migration, { granted: true, until: '2026-03-10' }),
  RecordVictimCooperation: command('RecordVictimCooperation', police, { status: 'willing' }),
  IdentifyVictim: command('IdentifyVictim', migration, { on: '2025-03-10' }),
  RecordChildRepresentative: command('RecordChildRepresentative', migration, { role: 'god-man', personId: null, appointedOn: '2025-03-10' }),
  RecordUnaccompanied: command('RecordUnaccompanied', migration, { unaccompanied: true }),
  OpenInvestigation: command('OpenInvestigation', police, { investigationId: 'i-2', reference: '5000-K999-25' }),
  CloseInvestigation: command('CloseInvestigation', police, { investigationId: 'i-1', outcome: 'handed-to-prosecutor' }),
  InitiateProsecution: command('InitiateProsecution', prosecutor, { defendants: [{ defendantId: DEFENDANT, charges: ['gross-procuring'] }] }),
  RecordProsecutorDecision: command('RecordProsecutorDecision', prosecutor, {
    decision: 'summary-penalty-order',
    suspectId: 'p-suspect-1',
    offences: ['purchase-of-sexual-service'],
    sentence: { kind: 'fine', months: null },
    decidedOn: '2025-03-10',
  }),
  RecordSentencingOutcome: command('RecordSentencingOutcome', prosecutor, {
    defendantId: DEFENDANT,
    court: 'hovratten-over-skane-och-blekinge',
    verdict: 'convicted',
    offences: ['trafficking-in-human-beings'],
    sentence: { kind: 'prison', months: 36 },
    expulsion: false,
    damagesToVictimSek: null,
    appealed: false,
    decidedOn: '2025-03-10',
  }),
  RegisterEvidence: command('RegisterEvidence', police, { evidenceId: 'e-2', description: 'ledger', contentSha256: null }),
  TransferEvidence: command('TransferEvidence', police, { evidenceId: 'e-1', toAgencyId: prosecutor.agencyId, reason: 'for trial' }),
  CloseCase: command('CloseCase', police, { outcome: 'convicted', wholeCase: false }),
  ReopenCase: command('ReopenCase', police, { reason: 'new information' }),
  RequireSocialServices: command('RequireSocialServices', system, { referralId: 'r-auto', socialServices: social, coordinator, dueBy: null }),
  EscalateReferral: command('EscalateReferral', system, { referralId: 'r-1', coordinator }),
};

const commandTypes = Object.keys(COMMAND_PERMISSIONS) as CaseCommandType[];
const orList = (kinds: readonly string[]) => (kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`);
const asIssuedBy = (cmd: CaseCommand, issuer: Issuer): CaseCommand => ({ ...cmd, issuer });

/** What a sample needs besides `busy` to do something: a decision needs an application. */
const preludes: Partial<Record<CaseCommandType, CaseEvent[]>> = {
  DecideReflectionPeriod: [event('ReflectionPeriodApplied', { applicationId: 'a-1', appliedBy: police.agencyId, applicantKind: 'police' })],
  DecideResidencePermit: [
    event('SubjectCitizenshipRecorded', { citizenship: 'NG', group: 'third-country', recordedBy: police.agencyId }),
    event('ResidencePermitApplied', { applicationId: 'p-1', appliedBy: police.agencyId, presenceNeeded: true, willToCooperate: true, tiesBroken: true }),
  ],
  ExtendReflectionPeriod: [
    event('ReflectionPeriodApplied', { applicationId: 'a-1', appliedBy: police.agencyId, applicantKind: 'police' }),
    event('ReflectionPeriodDecided', { applicationId: 'a-1', granted: true, from: '2025-03-10', until: '2025-04-09', decidedBy: migration.agencyId }),
  ],
};

describe('the permission table', () => {
  const teamOfEveryKind: Record<AgencyKind, Issuer> = {
    police,
    prosecution: prosecutor,
    migration,
    'social-services': social,
    coordinator,
    'health-care': healthCare,
    ngo,
    'chief-guardian': chiefGuardian,
    'injured-party-counsel': counsel,
    'method-support': methodSupport,
    auditor,
  };
  const busyWithEveryKind = [
    ...busy,
    joined(social),
    joined(auditor),
    joined(healthCare),
    joined(ngo),
    joined(chiefGuardian),
    joined(counsel),
    joined(methodSupport),
  ];

  const refusals = commandTypes.flatMap((type) => {
    const { kinds } = COMMAND_PERMISSIONS[type];
    return AGENCY_KINDS.filter((kind) => !kinds.includes(kind)).map((kind) => ({ type, kind, allowed: kinds }));
  });

  it('restricts some commands to some agency kinds', () => {
    expect(refusals.length).toBeGreaterThan(0);
  });

  it.each(refusals)('refuses $type to a team member of kind $kind', ({ type, kind, allowed }) => {
    const issuer = teamOfEveryKind[kind];
    const error = given(busyWithEveryKind)
      .when(asIssuedBy(samples[type], issuer))
      .thenThrows(ForbiddenError, new RegExp(`^only ${orList(allowed)} agencies may .+; ${issuer.agencyId} is ${kind}$`));
    expect(error.details).toEqual({ agencyId: issuer.agencyId, kind, allowed });
  });

  // Keeps the samples honest: each one does something on the open case, so refusing it elsewhere means something.
  it.each(commandTypes.filter((t) => t !== 'OpenCase' && t !== 'ReopenCase'))('lets an entitled agency issue %s on an open case', (type) => {
    expect(decide(samples[type], given([...busy, ...(preludes[type] ?? [])]).state()).length).toBeGreaterThan(0);
  });

  it('names the agency, its kind and who may when the kind is wrong', () => {
    given(staffed)
      .when(asIssuedBy(samples.InitiateProsecution, police))
      .thenThrows(ForbiddenError, 'only prosecution agencies may initiate a prosecution; polisen-malmo is police');
    given(staffed)
      .when(asIssuedBy(samples.OpenInvestigation, migration))
      .thenThrows(ForbiddenError, 'only police or prosecution agencies may open an investigation; migrationsverket-malmo is migration');
  });
});

describe('standing on the case', () => {
  it('refuses a team step to the addressee of a referral that has not joined yet', () => {
    given(referredToSocial)
      .when(command('RecordSupport', social, { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-10' }))
      .thenThrows(ForbiddenError, 'only the team of case c-1 may record support; socialtjansten-malmo is not on it');
  });

  it('refuses a closed case to be reopened by a team member that neither leads it nor coordinates', () => {
    given([...staffed, caseClosed()])
      .when(command('ReopenCase', prosecutor, { reason: 'x' }))
      .thenThrows(ForbiddenError, /^only polisen-malmo, the lead agency of case c-1, or a coordinator on its team may reopen a closed case/);
  });

  it('lets a coordinator on the team change the team', () => {
    given(staffed)
      .when(command('AddAgencyToCase', coordinator, { agency: social, reason: 'shelter' }))
      .then([
        event('AgencyJoinedCase', {
          agencyId: social.agencyId,
          agencyKind: 'social-services',
          via: 'added',
          referralId: null,
          reason: 'shelter',
          addedBy: coordinator.agencyId,
        }),
      ]);
  });

  it('refuses changing the team to a member that is neither the lead nor a coordinator', () => {
    given(staffed)
      .when(command('RemoveAgencyFromCase', prosecutor, { agencyId: migration.agencyId, reason: 'done' }))
      .thenThrows(ForbiddenError, /or a coordinator on its team may remove an agency from a case; aklagare-malmo is neither$/);
  });

  it('does not count a coordinator that is only the addressee of a referral', () => {
    given([...opened, referred('r-1', police, coordinator)])
      .when(command('AddAgencyToCase', coordinator, { agency: social, reason: 'shelter' }))
      .thenThrows(ForbiddenError, /lansstyrelsen-skane is neither$/);
  });

  it('refuses an agency the referral was not addressed to', () => {
    given([...staffed, referred('r-12', police, social)])
      .when(command('AcceptReferral', prosecutor, { referralId: 'r-12' }))
      .thenThrows(ForbiddenError, 'referral r-12 was addressed to socialtjansten-malmo; aklagare-malmo cannot accept it');
  });

  it('refuses to withdraw a referral to any agency but the one that made it', () => {
    given([...staffed, referred('r-1', police, social)])
      .when(command('WithdrawReferral', prosecutor, { referralId: 'r-1' }))
      .thenThrows(ForbiddenError, 'referral r-1 was made by polisen-malmo; aklagare-malmo cannot withdraw it');
  });

  it('refuses to move evidence for an agency that does not hold it', () => {
    given([...staffed, evidenceRegistered(police)])
      .when(command('TransferEvidence', prosecutor, { evidenceId: 'e-1', toAgencyId: migration.agencyId, reason: 'x' }))
      .thenThrows(ForbiddenError, 'evidence e-1 is held by polisen-malmo; aklagare-malmo cannot transfer it');
  });

  it('refuses a process-manager command from an agency', () => {
    given(staffed)
      .when(command('EscalateReferral', coordinator, { referralId: 'r-1', coordinator }))
      .thenThrows(ForbiddenError, 'only samverkan itself may escalate a referral; lansstyrelsen-skane may not');
  });

  it('holds the service itself to the standing an ordinary command needs', () => {
    given(staffed)
      .when(command('RecordSupport', system, { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-10' }))
      .thenThrows(ForbiddenError, 'only the team of case c-1 may record support; samverkan is not on it');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Closing and reopening
// ---------------------------------------------------------------------------------------------------------

describe('closing a case', () => {
  const close = (issuer: Issuer, outcome = 'done', wholeCase = false) => command('CloseCase', issuer, { outcome, wholeCase });
  const partClosed = (issuer: Issuer, outcome = 'done') => event('AgencyPartClosed', { agencyId: issuer.agencyId, outcome });

  it('records the outcome and who closed it, when the last part on the team closes', () => {
    const state = given(opened)
      .when(close(police, 'victim returned home safely'))
      .then([partClosed(police, 'victim returned home safely'), caseClosed()]);
    expect(state).toMatchObject({ status: 'closed', outcome: 'victim returned home safely' });
  });

  describe("each agency closes its own part; the case closes when every part is closed (practice: no agency ends another's work)", () => {
    const withSocial = [...opened, joined(social)];

    it('closes only the part of the agency that closes, and the case stays open', () => {
      const state = given(withSocial)
        .when(close(police, 'investigation handed over'))
        .then([partClosed(police, 'investigation handed over')]);
      expect(state).toMatchObject({ status: 'open', closedParts: [police.agencyId] });
    });

    it('lets social services go on recording support after the police have closed their part', () => {
      given([...withSocial, partClosed(police)])
        .when(command('RecordSupport', social, { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-10' }))
        .then([event('SupportProvided', { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-10', providedBy: social.agencyId })]);
    });

    it('closes the case with the last part', () => {
      const state = given([...withSocial, partClosed(police)])
        .when(close(social, 'support ended'))
        .then([partClosed(social, 'support ended'), event('CaseClosed', { outcome: 'support ended', closedBy: social.agencyId })]);
      expect(state.status).toBe('closed');
    });

    it('refuses an agency that closed its part until it reopens it', () => {
      given([...withSocial, partClosed(police)])
        .when(command('RecordSupport', police, { supportId: 's-1', kind: 'protection', providedOn: '2025-03-10' }))
        .thenThrows(ConflictError, 'polisen-malmo has closed its part of case c-1; reopen your part first');
      given([...withSocial, partClosed(police)])
        .when(close(police))
        .thenThrows(ConflictError, /has closed its part/);
    });

    it('lets an agency reopen its own part of an open case', () => {
      const state = given([...withSocial, partClosed(police)])
        .when(command('ReopenCase', police, { reason: 'new lead' }))
        .then([event('AgencyPartReopened', { agencyId: police.agencyId, reason: 'new lead' })]);
      expect(state.closedParts).toEqual([]);
    });

    it('counts a part closed no more once its agency leaves the team', () => {
      const state = given([
        ...withSocial,
        partClosed(social),
        event('AgencyLeftCase', { agencyId: social.agencyId, reason: 'moved', removedBy: police.agencyId }),
      ]).state();
      expect(state.closedParts).toEqual([]);
    });
  });

  describe('a coordinator may close the whole case, with its reason', () => {
    it('closes the case at once, every part with it', () => {
      const state = given(staffed)
        .when(close(coordinator, 'no contact with the victim for a year', true))
        .then([event('CaseClosed', { outcome: 'no contact with the victim for a year', closedBy: coordinator.agencyId })]);
      expect(state.closedParts).toEqual(staffed.length ? state.team.map((m) => m.agencyId) : []);
    });

    it('refuses any other kind of agency closing the whole case', () => {
      given(staffed)
        .when(close(police, 'x', true))
        .thenThrows(ForbiddenError, 'only a coordinator may close the whole case c-1; polisen-malmo is police and closes its own part');
    });
  });

  it('leaves open referrals open', () => {
    const state = given(referredToSocial)
      .when(close(police))
      .then([partClosed(police), event('CaseClosed', { outcome: 'done', closedBy: police.agencyId })]);
    expect(state.referrals.map((r) => r.status)).toEqual(['open']);
  });

  it('reads a case closed before parts existed as closed for the whole team, and reopened for the whole team', () => {
    const closed = given([...staffed, caseClosed()]).state();
    expect(closed.closedParts).toEqual(closed.team.map((m) => m.agencyId));
    expect(given([...staffed, caseClosed(), event('CaseReopened', { reason: 'x', reopenedBy: police.agencyId })]).state().closedParts).toEqual([]);
  });
});

describe('a closed case', () => {
  const closedBusy = [...busy, caseClosed()];
  const refusedTypes = commandTypes.filter((t) => t !== 'OpenCase' && t !== 'ReopenCase' && COMMAND_PERMISSIONS[t].standing !== 'system');

  it.each(refusedTypes)('refuses %s until it is reopened', (type) => {
    given(closedBusy).when(samples[type]).thenThrows(ConflictError, 'case c-1 is closed; reopen it first');
  });

  it.each(commandTypes.filter((t) => COMMAND_PERMISSIONS[t].standing === 'system'))('gives a process manager nothing to do with %s', (type) => {
    given(closedBusy).when(samples[type]).then([]);
  });

  it('still refuses an agency that may not see it as not found', () => {
    given(closedBusy).when(asIssuedBy(samples.RecordSupport, stranger)).thenThrows(NotFoundError, caseNotFound);
  });
});

describe('reopening a case', () => {
  it('lets the lead reopen a closed case, clearing its outcome', () => {
    const state = given([...opened, caseClosed()])
      .when(command('ReopenCase', police, { reason: 'new information' }))
      .then([event('CaseReopened', { reason: 'new information', reopenedBy: police.agencyId })]);
    expect(state).toMatchObject({ status: 'open', outcome: null });
  });

  it('refuses to reopen a case that is open, and the part of the agency with it', () => {
    given(opened)
      .when(command('ReopenCase', police, { reason: 'x' }))
      .thenThrows(ConflictError, 'case c-1 is open and so is the part of polisen-malmo; there is nothing to reopen');
  });

  it('lets a coordinator on the team reopen a closed case', () => {
    given([...staffed, caseClosed()])
      .when(command('ReopenCase', coordinator, { reason: 'the victim made contact' }))
      .then([event('CaseReopened', { reason: 'the victim made contact', reopenedBy: coordinator.agencyId })]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The team
// ---------------------------------------------------------------------------------------------------------

describe('adding an agency to a case', () => {
  it('adds the agency with the reason and who added it', () => {
    const state = given(opened)
      .when(command('AddAgencyToCase', police, { agency: prosecutor, reason: 'to lead the preliminary investigation' }))
      .then([
        event('AgencyJoinedCase', {
          agencyId: prosecutor.agencyId,
          agencyKind: 'prosecution',
          via: 'added',
          referralId: null,
          reason: 'to lead the preliminary investigation',
          addedBy: police.agencyId,
        }),
      ]);
    expect(state.team.map((m) => m.agencyId)).toEqual([police.agencyId, prosecutor.agencyId]);
  });

  it('refuses an agency already on the team', () => {
    given(staffed)
      .when(command('AddAgencyToCase', police, { agency: prosecutor, reason: 'x' }))
      .thenThrows(ConflictError, 'aklagare-malmo is already on the team of case c-1');
  });

  it('leaves an open referral to the agency open', () => {
    const state = given(referredToSocial)
      .when(command('AddAgencyToCase', police, { agency: social, reason: 'urgent' }))
      .then([expect.objectContaining({ type: 'AgencyJoinedCase' })]);
    expect(state.referrals[0].status).toBe('open');
  });
});

describe('removing an agency from a case', () => {
  it('removes the agency from the team', () => {
    const state = given(staffed)
      .when(command('RemoveAgencyFromCase', police, { agencyId: migration.agencyId, reason: 'permit decided' }))
      .then([event('AgencyLeftCase', { agencyId: migration.agencyId, reason: 'permit decided', removedBy: police.agencyId })]);
    expect(state.team.map((m) => m.agencyId)).not.toContain(migration.agencyId);
  });

  it('refuses an agency that is not on the team', () => {
    given(opened)
      .when(command('RemoveAgencyFromCase', police, { agencyId: social.agencyId, reason: 'x' }))
      .thenThrows(NotFoundError, 'socialtjansten-malmo is not on the team of case c-1');
  });

  it('refuses to remove the lead agency', () => {
    given(staffed)
      .when(command('RemoveAgencyFromCase', coordinator, { agencyId: police.agencyId, reason: 'x' }))
      .thenThrows(InvariantError, 'the lead agency cannot leave its case; close it instead');
  });

  it('refuses to remove an agency that still holds evidence, which it could then no longer transfer', () => {
    given([...staffed, evidenceRegistered(migration, 'e-7')])
      .when(command('RemoveAgencyFromCase', police, { agencyId: migration.agencyId, reason: 'x' }))
      .thenThrows(ConflictError, /migrationsverket-\w+ holds evidence e-7 of case c-1; it must transfer it before it leaves/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Referrals
// ---------------------------------------------------------------------------------------------------------

describe('referring a case', () => {
  const refer = (fields: Partial<CommandOf<'ReferCase'>> = {}) =>
    command('ReferCase', police, {
      referralId: 'r-1',
      to: social,
      reason: 'victim needs shelter',
      urgency: 'urgent',
      dueBy: '2025-03-11T09:00:00Z',
      ...fields,
    });

  it('refers the case to another agency', () => {
    const state = given(opened)
      .when(refer())
      .then([referred('r-1', police, social, '2025-03-11T09:00:00Z')]);
    expect(state.referrals).toEqual([expect.objectContaining({ referralId: 'r-1', toAgency: social.agencyId, status: 'open', escalatedTo: null })]);
  });

  it('accepts a referral with no due time', () => {
    given(opened)
      .when(refer({ dueBy: null }))
      .then([referred('r-1', police, social)]);
  });

  it('refuses to refer to an agency already on the team', () => {
    given(staffed)
      .when(refer({ to: prosecutor }))
      .thenThrows(ConflictError, 'aklagare-malmo is already on the team of case c-1');
  });

  it('refuses a second open referral to the same agency', () => {
    given(referredToSocial)
      .when(refer({ referralId: 'r-2' }))
      .thenThrows(ConflictError, 'case c-1 already has an open referral to socialtjansten-malmo (r-1)');
  });

  it('refers again to an agency that declined before', () => {
    const declined = event('ReferralDeclined', { referralId: 'r-1', agencyId: social.agencyId, reason: 'full' });
    given([...referredToSocial, declined])
      .when(refer({ referralId: 'r-2' }))
      .then([referred('r-2', police, social, '2025-03-11T09:00:00Z')]);
  });

  it('refuses a referral id already used', () => {
    given([...referredToSocial, event('ReferralWithdrawn', { referralId: 'r-1', agencyId: police.agencyId })])
      .when(refer({ to: prosecutor }))
      .thenThrows(ConflictError, 'referral id r-1 is already used on case c-1');
  });

  it('refuses a due time that is not after the referral', () => {
    given(opened)
      .when(refer({ dueBy: AT }))
      .thenThrows(InvariantError, `a referral must be due after it is made; ${AT} is not after ${AT}`);
  });
});

describe('accepting a referral', () => {
  it('adds the addressee to the team via the referral', () => {
    const state = given(referredToSocial)
      .when(command('AcceptReferral', social, { referralId: 'r-1' }))
      .then([
        event('ReferralAccepted', { referralId: 'r-1', agencyId: social.agencyId }),
        event('AgencyJoinedCase', {
          agencyId: social.agencyId,
          agencyKind: 'social-services',
          via: 'referral',
          referralId: 'r-1',
          reason: 'victim needs shelter',
          addedBy: police.agencyId,
        }),
      ]);
    expect(state.referrals[0].status).toBe('accepted');
    expect(visibleTo(state, social.agencyId)).toBe('team');
  });

  it('only marks the referral accepted when the agency was added to the team meanwhile', () => {
    given([...referredToSocial, joined(social)])
      .when(command('AcceptReferral', social, { referralId: 'r-1' }))
      .then([event('ReferralAccepted', { referralId: 'r-1', agencyId: social.agencyId })]);
  });

  it('refuses an unknown referral', () => {
    given(referredToSocial)
      .when(command('AcceptReferral', social, { referralId: 'r-9' }))
      .thenThrows(NotFoundError, 'referral r-9 was not found on case c-1');
  });

  it('refuses an agency the referral was not addressed to', () => {
    given([...referredToSocial, joined(prosecutor)])
      .when(command('AcceptReferral', prosecutor, { referralId: 'r-1' }))
      .thenThrows(ForbiddenError, 'referral r-1 was addressed to socialtjansten-malmo; aklagare-malmo cannot accept it');
  });

  it('accepts a referral only once', () => {
    given([...referredToSocial, event('ReferralAccepted', { referralId: 'r-1', agencyId: social.agencyId }), joined(social, 'referral', 'r-1')])
      .when(command('AcceptReferral', social, { referralId: 'r-1' }))
      .thenThrows(ConflictError, 'referral r-1 is already accepted; only an open referral can be accepted');
  });

  it('refuses a referral that was withdrawn, naming its status', () => {
    given([...referredToSocial, joined(social), event('ReferralWithdrawn', { referralId: 'r-1', agencyId: police.agencyId })])
      .when(command('AcceptReferral', social, { referralId: 'r-1' }))
      .thenThrows(ConflictError, 'referral r-1 is already withdrawn');
  });
});

describe('declining a referral', () => {
  it('records the decline and its reason', () => {
    const state = given(referredToSocial)
      .when(command('DeclineReferral', social, { referralId: 'r-1', reason: 'no capacity' }))
      .then([event('ReferralDeclined', { referralId: 'r-1', agencyId: social.agencyId, reason: 'no capacity' })]);
    expect(state.referrals[0].status).toBe('declined');
    expect(state.team.map((m) => m.agencyId)).toEqual([police.agencyId]);
  });

  it('refuses an unknown referral', () => {
    given(referredToSocial)
      .when(command('DeclineReferral', social, { referralId: 'r-9', reason: 'x' }))
      .thenThrows(NotFoundError, 'referral r-9 was not found on case c-1');
  });

  it('refuses an agency the referral was not addressed to', () => {
    given([...referredToSocial, joined(prosecutor)])
      .when(command('DeclineReferral', prosecutor, { referralId: 'r-1', reason: 'x' }))
      .thenThrows(ForbiddenError, 'referral r-1 was addressed to socialtjansten-malmo; aklagare-malmo cannot decline it');
  });

  it('refuses a referral that was already accepted', () => {
    given([...referredToSocial, event('ReferralAccepted', { referralId: 'r-1', agencyId: social.agencyId }), joined(social, 'referral', 'r-1')])
      .when(command('DeclineReferral', social, { referralId: 'r-1', reason: 'changed our mind' }))
      .thenThrows(ConflictError, 'referral r-1 is already accepted; only an open referral can be declined');
  });
});

describe('withdrawing a referral', () => {
  it('records who withdrew it', () => {
    const state = given(referredToSocial)
      .when(command('WithdrawReferral', police, { referralId: 'r-1' }))
      .then([event('ReferralWithdrawn', { referralId: 'r-1', agencyId: police.agencyId })]);
    expect(state.referrals[0].status).toBe('withdrawn');
  });

  it('refuses an unknown referral', () => {
    given(referredToSocial)
      .when(command('WithdrawReferral', police, { referralId: 'r-9' }))
      .thenThrows(NotFoundError, 'referral r-9 was not found on case c-1');
  });

  it('refuses a referral that was already answered', () => {
    given([...referredToSocial, event('ReferralDeclined', { referralId: 'r-1', agencyId: social.agencyId, reason: 'x' })])
      .when(command('WithdrawReferral', police, { referralId: 'r-1' }))
      .thenThrows(ConflictError, 'referral r-1 is already declined; only an open referral can be withdrawn');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Support, consent, migration
// ---------------------------------------------------------------------------------------------------------

describe("NGOs and shelters are told of a case only on the person's consent (OSL 10 kap. 1 §, 12 kap. 2 §)", () => {
  const withSocial = [...opened, joined(social)];
  const consentToNgo = event('ConsentGiven', { scope: 'share-with-ngo', givenBy: 'person', givenOn: '2025-03-09', recordedBy: social.agencyId });
  const referToNgo = command('ReferCase', social, { referralId: 'r-ngo', to: ngo, reason: 'a place in a shelter', urgency: 'urgent', dueBy: null });
  const addNgo = command('AddAgencyToCase', police, { agency: ngo, reason: 'support in the shelter' });

  it('refuses a referral to an NGO without the consent to share with it', () => {
    const error = given(withSocial)
      .when(referToNgo)
      .thenThrows(ConflictError, /^plattformen-civila-sverige \(ngo\) may be told of case c-1 only with the person's consent \(share-with-ngo\)/);
    expect(error.details).toEqual({ agencyId: ngo.agencyId, consentNeeded: ['share-with-ngo'] });
    given(withSocial)
      .when(addNgo)
      .thenThrows(ConflictError, /only with the person's consent/);
  });

  it('refers to it, or adds it, once the person consented', () => {
    given([...withSocial, consentToNgo])
      .when(referToNgo)
      .then([expect.objectContaining({ type: 'CaseReferred' }) as unknown as CaseEvent]);
    given([...withSocial, consentToNgo])
      .when(addNgo)
      .then([expect.objectContaining({ type: 'AgencyJoinedCase', data: expect.objectContaining({ agencyKind: 'ngo' }) }) as unknown as CaseEvent]);
  });

  it('brings in the other kinds on their mandate', () => {
    for (const agency of [healthCare, chiefGuardian, counsel, methodSupport]) {
      given(withSocial)
        .when(command('AddAgencyToCase', police, { agency, reason: 'their part' }))
        .then([expect.objectContaining({ type: 'AgencyJoinedCase' }) as unknown as CaseEvent]);
    }
  });

  it('lets no NGO, chief guardian, counsel or method support open a case: the authorities that meet the person do', () => {
    for (const issuer of [ngo, chiefGuardian, counsel, methodSupport]) {
      given([])
        .when(asIssuedBy(samples.OpenCase, issuer))
        .thenThrows(ForbiddenError, new RegExp(`may open a case; ${issuer.agencyId} is ${issuer.kind}$`));
    }
    given([])
      .when(asIssuedBy(samples.OpenCase, healthCare))
      .then([
        expect.objectContaining({ type: 'CaseOpened' }) as unknown as CaseEvent,
        expect.objectContaining({ type: 'AgencyJoinedCase' }) as unknown as CaseEvent,
      ]);
  });
});

describe('recording support', () => {
  const withSocial = [...opened, joined(social)];
  const support = (fields: Partial<CommandOf<'RecordSupport'>> = {}) =>
    command('RecordSupport', social, { supportId: 's-1', kind: 'health-care', providedOn: '2025-03-10', ...fields });

  it('records the support with the agency that provided it', () => {
    const state = given(withSocial)
      .when(support())
      .then([event('SupportProvided', { supportId: 's-1', kind: 'health-care', providedOn: '2025-03-10', providedBy: social.agencyId })]);
    expect(state.support).toEqual({ 'health-care': { count: 1, providers: [social.agencyId], firstProvidedOn: '2025-03-10', lastProvidedOn: '2025-03-10' } });
  });

  describe('health and psychological care are recorded by those who give them (socialtjänstlagen, hälso- och sjukvårdslagen)', () => {
    it.each([
      [police, 'health-care'],
      [police, 'psychological'],
      [migration, 'health-care'],
      [migration, 'psychological'],
    ] as const)('refuses %o recording %s support', (issuer, kind) => {
      given([...withSocial, joined(migration)])
        .when(command('RecordSupport', issuer, { supportId: 's-1', kind, providedOn: '2025-03-10' }))
        .thenThrows(ForbiddenError, `only social-services or health-care agencies may record ${kind} support; ${issuer.agencyId} is ${issuer.kind}`);
    });

    it.each(['health-care', 'psychological'] as const)("lets the region's health care record the %s it gives (hälso- och sjukvårdslagen)", (kind) => {
      given([...withSocial, joined(healthCare)])
        .when(command('RecordSupport', healthCare, { supportId: 's-1', kind, providedOn: '2025-03-10' }))
        .then([event('SupportProvided', { supportId: 's-1', kind, providedOn: '2025-03-10', providedBy: healthCare.agencyId })]);
    });

    it.each([[police, 'financial-aid']] as const)('refuses %o recording %s support, which social services or the Migration Agency give', (issuer, kind) => {
      given([...withSocial, joined(migration)])
        .when(command('RecordSupport', issuer, { supportId: 's-1', kind, providedOn: '2025-03-10' }))
        .thenThrows(ForbiddenError, `only social-services or migration agencies may record ${kind} support; ${issuer.agencyId} is ${issuer.kind}`);
    });

    it.each(['interpreter', 'education', 'return-assistance'] as const)('lets any team member record %s support', (kind) => {
      given([...withSocial, joined(migration)])
        .when(command('RecordSupport', police, { supportId: 's-1', kind, providedOn: '2025-03-10' }))
        .then([event('SupportProvided', { supportId: 's-1', kind, providedOn: '2025-03-10', providedBy: police.agencyId })]);
    });

    it('lets the police record protection and the Migration Agency shelter', () => {
      given([...withSocial, joined(migration)])
        .when(command('RecordSupport', police, { supportId: 's-1', kind: 'protection', providedOn: '2025-03-10' }))
        .then([event('SupportProvided', { supportId: 's-1', kind: 'protection', providedOn: '2025-03-10', providedBy: police.agencyId })]);
      given([...withSocial, joined(migration)])
        .when(command('RecordSupport', migration, { supportId: 's-2', kind: 'shelter', providedOn: '2025-03-10' }))
        .then([event('SupportProvided', { supportId: 's-2', kind: 'shelter', providedOn: '2025-03-10', providedBy: migration.agencyId })]);
    });
  });

  it('counts support by kind, with its providers and the span of its dates', () => {
    const provided = (kind: 'shelter' | 'health-care', providedOn: string, by: Issuer) =>
      event('SupportProvided', { supportId: `s-${providedOn}`, kind, providedOn, providedBy: by.agencyId });
    const state = given([...withSocial, provided('shelter', '2025-03-02', police), provided('health-care', '2025-02-20', social)])
      .when(support({ kind: 'shelter', providedOn: '2025-03-05' }))
      .then([event('SupportProvided', { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-05', providedBy: social.agencyId })]);
    expect(state.support).toEqual({
      shelter: { count: 2, providers: [police.agencyId, social.agencyId], firstProvidedOn: '2025-03-02', lastProvidedOn: '2025-03-05' },
      'health-care': { count: 1, providers: [social.agencyId], firstProvidedOn: '2025-02-20', lastProvidedOn: '2025-02-20' },
    });
  });

  it('refuses support dated after the day it is recorded', () => {
    given(withSocial)
      .when(support({ providedOn: '2025-03-11' }))
      .thenThrows(InvariantError, 'support dated 2025-03-11 cannot be recorded on 2025-03-10; the date lies in the future');
  });
});

describe('recording consent', () => {
  const consent = (isGiven: boolean, fields: Partial<CommandOf<'RecordConsent'>> = {}) =>
    command('RecordConsent', social, { scope: 'share-with-migration', given: isGiven, by: 'person', on: '2025-03-09', ...fields });
  const withSocial = [...opened, joined(social)];
  const consentGiven = event('ConsentGiven', { scope: 'share-with-migration', givenBy: 'person', givenOn: '2025-03-09', recordedBy: social.agencyId });

  it('records consent given for a scope, by whom and on which day', () => {
    const state = given(withSocial).when(consent(true)).then([consentGiven]);
    expect(state.consents).toEqual([{ scope: 'share-with-migration', givenBy: 'person', givenOn: '2025-03-09', recordedBy: social.agencyId }]);
  });

  it('records consent withdrawn for a scope', () => {
    const state = given([...withSocial, consentGiven])
      .when(consent(false, { on: '2025-03-10' }))
      .then([event('ConsentWithdrawn', { scope: 'share-with-migration', withdrawnBy: 'person', withdrawnOn: '2025-03-10', recordedBy: social.agencyId })]);
    expect(state.consents).toEqual([]);
  });

  it("takes a child's consent from the guardian", () => {
    given([caseOpened(childVictim), joined(police, 'opened'), joined(social)])
      .when(consent(true, { by: 'guardian' }))
      .then([event('ConsentGiven', { scope: 'share-with-migration', givenBy: 'guardian', givenOn: '2025-03-09', recordedBy: social.agencyId })]);
  });

  it('refuses a guardian for an adult, who consents themselves', () => {
    given(withSocial)
      .when(consent(true, { by: 'guardian' }))
      .thenThrows(InvariantError, /an adult gives or withdraws consent themselves/);
  });

  it('refuses consent dated after the day it is recorded', () => {
    given(withSocial)
      .when(consent(true, { on: '2025-03-11' }))
      .thenThrows(InvariantError, 'consent dated 2025-03-11 cannot be recorded on 2025-03-10');
  });

  it('is recorded only by the authorities that meet the person and ask: social services, the police and health care', () => {
    given([...withSocial, joined(migration)])
      .when(command('RecordConsent', migration, { scope: 'share-with-migration', given: true, by: 'person', on: '2025-03-09' }))
      .thenThrows(ForbiddenError, 'only police, social-services or health-care agencies may record consent; migrationsverket-malmo is migration');
  });

  it('refuses consent already given', () => {
    given([...withSocial, consentGiven])
      .when(consent(true))
      .thenThrows(ConflictError, 'consent for share-with-migration is already given');
  });

  it('refuses to withdraw consent that is not given', () => {
    given(withSocial).when(consent(false)).thenThrows(ConflictError, 'consent for share-with-migration is not given');
  });
});

describe('a reflection period (utlänningslagen 5 kap. 15 § andra stycket)', () => {
  const withSocial = [...staffed, joined(social)];
  const apply = (issuer: Issuer = police, applicationId = 'a-1') => command('ApplyForReflectionPeriod', issuer, { applicationId });
  const applied = (issuer: Issuer = police, applicationId = 'a-1') =>
    event('ReflectionPeriodApplied', { applicationId, appliedBy: issuer.agencyId, applicantKind: issuer.kind });
  const decideIt = (granted: boolean, at = AT) => command('DecideReflectionPeriod', migration, { granted, at });
  const granted = (from = '2025-03-10', until = '2025-04-09') =>
    event('ReflectionPeriodDecided', { applicationId: 'a-1', granted: true, from, until, decidedBy: migration.agencyId });

  describe('is applied for by the head of the preliminary investigation or, since 1 August 2022, social services', () => {
    it.each([police, prosecutor, social])('lets %o apply', (issuer) => {
      const state = given(withSocial)
        .when(apply(issuer))
        .then([applied(issuer)]);
      expect(state.reflectionApplication).toEqual({ applicationId: 'a-1', appliedBy: issuer.agencyId, decision: 'pending' });
    });

    it.each([migration, coordinator])('refuses %o applying', (issuer) => {
      given(withSocial)
        .when(apply(issuer))
        .thenThrows(ForbiddenError, /^only police, prosecution or social-services agencies may apply for a reflection period/);
    });

    it('needs no investigation', () => {
      given(staffed).when(apply()).then([applied()]);
    });

    it('is for victims only', () => {
      given([caseOpened(sexBuyer), joined(police, 'opened')])
        .when(apply())
        .thenThrows(InvariantError, 'a reflection period is applied for only for victims; the subject of case c-1 is a sex-buyer');
    });

    it('is applied for once at a time', () => {
      given([...staffed, applied()])
        .when(apply(police, 'a-2'))
        .thenThrows(ConflictError, /awaits the Migration Agency's decision/);
    });
  });

  describe('is decided by the Migration Agency: 30 days from the decision, whatever was asked', () => {
    it('grants 30 days from the Swedish day of the decision', () => {
      const state = given([...staffed, applied()])
        .when(decideIt(true))
        .then([granted()]);
      expect(state.reflectionPeriodUntil).toBe('2025-04-09');
      expect(state.reflectionApplication?.decision).toBe('granted');
    });

    it('counts from the Swedish day, across midnight UTC', () => {
      given([...staffed, applied()])
        .when(decideIt(true, '2025-03-09T23:30:00Z'))
        .then([granted('2025-03-10', '2025-04-09')]);
    });

    it('may refuse it', () => {
      const state = given([...staffed, applied()])
        .when(decideIt(false))
        .then([event('ReflectionPeriodDecided', { applicationId: 'a-1', granted: false, from: null, until: null, decidedBy: migration.agencyId })]);
      expect(state.reflectionPeriodUntil).toBeNull();
    });

    it('decides only on an application', () => {
      given(staffed)
        .when(decideIt(true))
        .thenThrows(ConflictError, /^no application for a reflection period awaits a decision on case c-1/);
    });

    it('is not applied for again while it runs', () => {
      given([...staffed, applied(), granted()])
        .when(apply(police, 'a-2'))
        .thenThrows(ConflictError, /runs on case c-1 until 2025-04-09; it is extended on request/);
    });
  });

  describe('is extended only on request, for special reasons, each extension its own event', () => {
    const extend = (until: string) => command('ExtendReflectionPeriod', migration, { until, reason: 'recovering from surgery' });

    it('extends the period, keeping the reasons', () => {
      const state = given([...staffed, applied(), granted()])
        .when(extend('2025-05-09'))
        .then([event('ReflectionPeriodExtended', { until: '2025-05-09', reason: 'recovering from surgery', extendedBy: migration.agencyId })]);
      expect(state.reflectionPeriodUntil).toBe('2025-05-09');
    });

    it('refuses an extension that does not end later', () => {
      given([...staffed, applied(), granted()])
        .when(extend('2025-04-01'))
        .thenThrows(InvariantError, /^an extension must end after the period it extends/);
    });

    it('refuses to extend a period never granted', () => {
      given(staffed).when(extend('2025-05-09')).thenThrows(ConflictError, 'case c-1 has no reflection period to extend');
    });
  });

  it('reads a period granted before applications existed as granted until its date', () => {
    const state = given([...staffed, event('ReflectionPeriodGranted', { until: '2025-04-09T00:00:00Z', grantedBy: migration.agencyId })]).state();
    expect(state.reflectionPeriodUntil).toBe('2025-04-09T00:00:00Z');
    given([...staffed, event('ReflectionPeriodGranted', { until: '2025-04-09T00:00:00Z', grantedBy: migration.agencyId })])
      .when(command('ExtendReflectionPeriod', migration, { until: '2025-05-09', reason: 'r' }))
      .then([event('ReflectionPeriodExtended', { until: '2025-05-09', reason: 'r', extendedBy: migration.agencyId })]);
  });
});

describe('a residence permit for a victim (utlänningslagen 5 kap. 15 § första stycket)', () => {
  const decideOn = (granted: boolean, until: string | null) => command('DecideResidencePermit', migration, { granted, until });
  const citizen = (citizenship: string, group: 'swedish' | 'eu-eea' | 'third-country' | 'stateless') =>
    event('SubjectCitizenshipRecorded', { citizenship, group, recordedBy: police.agencyId });
  const applied = (conditions: Partial<{ presenceNeeded: boolean; willToCooperate: boolean; tiesBroken: boolean }> = {}) =>
    event('ResidencePermitApplied', {
      applicationId: 'p-1',
      appliedBy: police.agencyId,
      presenceNeeded: true,
      willToCooperate: true,
      tiesBroken: true,
      ...conditions,
    });
  const nigerian = [...staffed, citizen('NG', 'third-country'), applied()];

  describe('citizenship tells EU and EEA citizens from third-country nationals', () => {
    it.each([
      ['EE', 'eu-eea'],
      ['NO', 'eu-eea'],
      ['CH', 'eu-eea'],
      ['NG', 'third-country'],
      ['UA', 'third-country'],
      ['GB', 'third-country'],
      ['SE', 'swedish'],
      ['stateless', 'stateless'],
    ] as const)('records %s as %s', (citizenship, group) => {
      const state = given(staffed)
        .when(command('RecordCitizenship', police, { citizenship }))
        .then([event('SubjectCitizenshipRecorded', { citizenship, group, recordedBy: police.agencyId })]);
      expect(state.citizenship).toEqual({ country: citizenship, group });
    });
  });

  describe('is applied for by the head of the preliminary investigation', () => {
    it.each([police, prosecutor])('lets %o apply, stating the three conditions', (issuer) => {
      given(staffed)
        .when(command('ApplyForResidencePermit', issuer, { applicationId: 'p-1', presenceNeeded: true, willToCooperate: true, tiesBroken: false }))
        .then([
          event('ResidencePermitApplied', { applicationId: 'p-1', appliedBy: issuer.agencyId, presenceNeeded: true, willToCooperate: true, tiesBroken: false }),
        ]);
    });

    it.each([migration, coordinator])('refuses %o applying', (issuer) => {
      given(staffed)
        .when(command('ApplyForResidencePermit', issuer, { applicationId: 'p-1', presenceNeeded: true, willToCooperate: true, tiesBroken: true }))
        .thenThrows(ForbiddenError, /^only police or prosecution agencies may apply for a residence permit/);
    });
  });

  describe('is decided by the Migration Agency', () => {
    it('grants a third-country national at least six months', () => {
      const state = given(nigerian)
        .when(decideOn(true, '2025-09-10'))
        .then([event('ResidencePermitDecided', { granted: true, until: '2025-09-10', decidedBy: migration.agencyId })]);
      expect(state.residencePermit).toEqual({ granted: true, until: '2025-09-10' });
    });

    it('refuses a permit shorter than six months', () => {
      given(nigerian)
        .when(decideOn(true, '2025-09-09'))
        .thenThrows(InvariantError, 'a permit for a victim or witness is for at least 6 months: until 2025-09-10 or later, not 2025-09-09');
    });

    it('refuses a permit to an EU citizen, who has a right of residence (uppehållsrätt)', () => {
      given([...staffed, citizen('EE', 'eu-eea'), applied()])
        .when(decideOn(true, '2026-03-10'))
        .thenThrows(InvariantError, /^the subject is a citizen of EE, an EU or EEA state or Switzerland, with a right to stay in Sweden/);
    });

    it('needs the citizenship known before it grants', () => {
      given([...staffed, applied()])
        .when(decideOn(true, '2026-03-10'))
        .thenThrows(InvariantError, /^the subject's citizenship is not recorded on case c-1/);
    });

    it('refuses a grant when the application does not state every condition', () => {
      given([...staffed, citizen('NG', 'third-country'), applied({ willToCooperate: false, tiesBroken: false })])
        .when(decideOn(true, '2026-03-10'))
        .thenThrows(
          InvariantError,
          'a permit needs all three conditions of utlänningslagen 5 kap. 15 §; the application does not state willToCooperate, tiesBroken',
        );
    });

    it('decides only on an application, once', () => {
      given([...staffed, citizen('NG', 'third-country')])
        .when(decideOn(true, '2026-03-10'))
        .thenThrows(ConflictError, /^no application for a residence permit awaits a decision/);
      given([...nigerian, event('ResidencePermitDecided', { granted: false, until: null, decidedBy: migration.agencyId })])
        .when(decideOn(true, '2026-03-10'))
        .thenThrows(ConflictError, /^no application for a residence permit awaits a decision/);
    });

    it('records a refusal', () => {
      given(nigerian)
        .when(decideOn(false, null))
        .then([event('ResidencePermitDecided', { granted: false, until: null, decidedBy: migration.agencyId })]);
    });

    it('refuses a granted permit with no end date', () => {
      given(nigerian).when(decideOn(true, null)).thenThrows(InvariantError, 'a granted residence permit needs the date it is valid until');
    });

    it('refuses a refusal with an end date', () => {
      given(nigerian)
        .when(decideOn(false, '2026-03-10'))
        .thenThrows(InvariantError, /^a refused residence permit is valid until no date/);
    });
  });

  it('refuses a subject that is not a victim', () => {
    given([caseOpened(sexBuyer), joined(police, 'opened'), joined(migration)])
      .when(decideOn(true, '2026-03-10'))
      .thenThrows(InvariantError, 'a residence permit is decided here only for victims; the subject of case c-1 is a sex-buyer');
  });
});

describe('a victim is presumed one until identified (the national referral mechanism)', () => {
  const identify = (issuer: Issuer = police, on = '2025-03-10') => command('IdentifyVictim', issuer, { on });

  it('opens a case about a victim with the victim presumed', () => {
    expect(given(opened).state().victimStatus).toBe('presumed');
    expect(given([caseOpened(sexBuyer), joined(police, 'opened')]).state().victimStatus).toBeNull();
  });

  it.each([police, migration, coordinator])('lets %o on the team identify her', (issuer) => {
    const state = given(staffed)
      .when(identify(issuer))
      .then([event('VictimIdentified', { identifiedBy: issuer.agencyId, on: '2025-03-10' })]);
    expect(state.victimStatus).toBe('identified');
  });

  it('identifies once', () => {
    given([...staffed, event('VictimIdentified', { identifiedBy: police.agencyId, on: '2025-03-09' })])
      .when(identify(migration))
      .thenThrows(ConflictError, 'the subject of case c-1 is already identified as a victim');
  });

  it('identifies only a presumed victim', () => {
    given([caseOpened(sexBuyer), joined(police, 'opened')])
      .when(identify())
      .thenThrows(InvariantError, 'only a presumed victim is identified as a victim; the subject of case c-1 is a sex-buyer');
  });

  it('refuses an identification dated after the day it is recorded', () => {
    given(staffed)
      .when(identify(police, '2025-03-11'))
      .thenThrows(InvariantError, /^an identification dated 2025-03-11 cannot be recorded/);
  });
});

describe("a child's representatives, and whether it came alone", () => {
  const childCase = [caseOpened(childVictim), joined(police, 'opened'), joined(social), joined(migration)];
  const represent = (role: 'guardian' | 'special-representative' | 'god-man', issuer: Issuer = social, appointedOn = '2025-03-09') =>
    command('RecordChildRepresentative', issuer, { role, personId: null, appointedOn });

  it('records a special representative appointed where a guardian is suspected (lag 1999:997)', () => {
    const state = given(childCase)
      .when(represent('special-representative'))
      .then([event('ChildRepresentativeRecorded', { role: 'special-representative', personId: null, appointedOn: '2025-03-09', recordedBy: social.agencyId })]);
    expect(state.childRepresentatives).toEqual([{ role: 'special-representative', personId: null, appointedOn: '2025-03-09' }]);
  });

  it('records an unaccompanied child and its god man (lag 2005:429), a later appointment replacing the earlier', () => {
    const first = event('ChildRepresentativeRecorded', { role: 'god-man', personId: null, appointedOn: '2025-03-01', recordedBy: migration.agencyId });
    const state = given([...childCase, event('ChildUnaccompaniedRecorded', { unaccompanied: true, recordedBy: migration.agencyId }), first])
      .when(represent('god-man', migration))
      .then([event('ChildRepresentativeRecorded', { role: 'god-man', personId: null, appointedOn: '2025-03-09', recordedBy: migration.agencyId })]);
    expect(state).toMatchObject({ unaccompanied: true, childRepresentatives: [{ role: 'god-man', appointedOn: '2025-03-09' }] });
  });

  it('records them for a subject of unknown age, presumed a child', () => {
    given([caseOpened({ ...adultVictim, ageGroup: 'unknown' }), joined(police, 'opened'), joined(social)])
      .when(represent('guardian'))
      .then([expect.objectContaining({ type: 'ChildRepresentativeRecorded' }) as unknown as CaseEvent]);
  });

  it('refuses them for an adult', () => {
    given([...staffed, joined(social)])
      .when(represent('guardian'))
      .thenThrows(InvariantError, /is recorded only for a child/);
    given(staffed)
      .when(command('RecordUnaccompanied', migration, { unaccompanied: true }))
      .thenThrows(InvariantError, /is recorded only for a child/);
  });

  it('refuses a representative named by a person record that is not there', () => {
    given(childCase)
      .when({
        ...command('RecordChildRepresentative', social, { role: 'god-man', personId: 'p-god-man', appointedOn: '2025-03-09' }),
        personsNotFound: ['p-god-man'],
      })
      .thenThrows(NotFoundError, 'person p-god-man was not found');
  });

  it('refuses the prosecutor recording a representative', () => {
    given([...childCase, joined(prosecutor)])
      .when(represent('guardian', prosecutor))
      .thenThrows(ForbiddenError, /^only social-services, migration or chief-guardian agencies may record/);
  });

  it('lets the chief guardian record the god man it appointed for an unaccompanied child (lag 2005:429)', () => {
    given([...childCase, joined(chiefGuardian)])
      .when(represent('god-man', chiefGuardian))
      .then([event('ChildRepresentativeRecorded', { role: 'god-man', personId: null, appointedOn: '2025-03-09', recordedBy: chiefGuardian.agencyId })]);
  });
});

describe('recording victim cooperation', () => {
  const cooperation = (status: 'willing' | 'statement-given' | 'declined' | 'withdrawn') => command('RecordVictimCooperation', police, { status });

  it('records how the victim cooperates', () => {
    const state = given(opened)
      .when(cooperation('statement-given'))
      .then([event('VictimCooperationRecorded', { status: 'statement-given', recordedBy: police.agencyId })]);
    expect(state.cooperation).toBe('statement-given');
  });

  it('refuses a subject that is not a victim', () => {
    given([caseOpened(sexBuyer), joined(police, 'opened')])
      .when(cooperation('willing'))
      .thenThrows(InvariantError, 'cooperation is recorded only for victims; the subject of case c-1 is a sex-buyer');
  });

  it('refuses the status the victim already has', () => {
    given([...opened, event('VictimCooperationRecorded', { status: 'willing', recordedBy: police.agencyId })])
      .when(cooperation('willing'))
      .thenThrows(ConflictError, "the victim's cooperation is already recorded as willing");
  });

  it('is recorded by law enforcement only, so that the welfare side learns nothing of it from a refusal', () => {
    given([...opened, joined(social), event('VictimCooperationRecorded', { status: 'willing', recordedBy: police.agencyId })])
      .when(command('RecordVictimCooperation', social, { status: 'willing' }))
      .thenThrows(ForbiddenError, 'only police or prosecution agencies may record victim cooperation; socialtjansten-malmo is social-services');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Investigation, prosecution, sentencing
// ---------------------------------------------------------------------------------------------------------

describe('opening an investigation', () => {
  it('records the investigation and who opened it', () => {
    const state = given(opened)
      .when(command('OpenInvestigation', police, { investigationId: 'i-1', reference: '5000-K123-25' }))
      .then([investigationOpened('i-1')]);
    expect(state.investigations).toEqual([{ investigationId: 'i-1', reference: '5000-K123-25', openedBy: police.agencyId, status: 'open', outcome: null }]);
  });

  it('refuses an investigation id already used', () => {
    given([...opened, investigationOpened('i-1'), investigationClosed('discontinued')])
      .when(command('OpenInvestigation', police, { investigationId: 'i-1', reference: 'x' }))
      .thenThrows(ConflictError, 'investigation id i-1 is already used on case c-1');
  });
});

describe('closing an investigation', () => {
  it('records the outcome', () => {
    const state = given([...opened, investigationOpened()])
      .when(command('CloseInvestigation', police, { investigationId: 'i-1', outcome: 'handed-to-prosecutor' }))
      .then([investigationClosed('handed-to-prosecutor')]);
    expect(state.investigations[0]).toMatchObject({ status: 'closed', outcome: 'handed-to-prosecutor' });
  });

  describe("the decision to prosecute is the prosecutor's (rättegångsbalken 20 kap.): the police hand the investigation over", () => {
    it('refuses the police closing an investigation as charges filed', () => {
      given([...opened, investigationOpened()])
        .when(command('CloseInvestigation', police, { investigationId: 'i-1', outcome: 'charges-filed' }))
        .thenThrows(ForbiddenError, 'only prosecution agencies may record an investigation closed as charges-filed; polisen-malmo is police');
    });

    it('lets the prosecutor close it as charges filed', () => {
      given([...staffed, investigationOpened()])
        .when(command('CloseInvestigation', prosecutor, { investigationId: 'i-1', outcome: 'charges-filed' }))
        .then([event('InvestigationClosed', { investigationId: 'i-1', outcome: 'charges-filed', closedBy: prosecutor.agencyId })]);
    });

    it('lets the prosecutor prosecute on an investigation the police handed over', () => {
      given([...staffed, investigationOpened(), investigationClosed('handed-to-prosecutor')])
        .when(command('InitiateProsecution', prosecutor, { defendants: [{ defendantId: DEFENDANT, charges: ['trafficking-in-human-beings'] }] }))
        .then([prosecutionInitiated(['trafficking-in-human-beings'])]);
    });
  });

  it('refuses an unknown investigation', () => {
    given(opened)
      .when(command('CloseInvestigation', police, { investigationId: 'i-9', outcome: 'discontinued' }))
      .thenThrows(NotFoundError, 'investigation i-9 was not found on case c-1');
  });

  it('refuses an investigation already closed', () => {
    given([...opened, investigationOpened(), investigationClosed('discontinued')])
      .when(command('CloseInvestigation', police, { investigationId: 'i-1', outcome: 'handed-to-prosecutor' }))
      .thenThrows(ConflictError, 'investigation i-1 is already closed (discontinued)');
  });
});

describe('initiating a prosecution', () => {
  const withInvestigation = [...staffed, investigationOpened()];
  const initiate = (charges: Offence[]) => command('InitiateProsecution', prosecutor, { defendants: [{ defendantId: DEFENDANT, charges }] });

  it('records the charges while an investigation is open', () => {
    const state = given(withInvestigation)
      .when(initiate(['trafficking-in-human-beings']))
      .then([prosecutionInitiated(['trafficking-in-human-beings'])]);
    expect(state.prosecution).toEqual({
      defendants: [{ defendantId: DEFENDANT, charges: ['trafficking-in-human-beings'], judged: false }],
      initiatedBy: prosecutor.agencyId,
    });
  });

  it('accepts an investigation closed with charges filed', () => {
    given([...withInvestigation, investigationClosed('charges-filed')])
      .when(initiate(['procuring']))
      .then([prosecutionInitiated(['procuring'])]);
  });

  it('refuses a prosecution without charges', () => {
    given(withInvestigation).when(initiate([])).thenThrows(InvariantError, 'a defendant is prosecuted on at least one charge; p-defendant-1 has none');
  });

  it('refuses a charge listed twice', () => {
    given(withInvestigation)
      .when(initiate(['procuring', 'procuring']))
      .thenThrows(InvariantError, 'the charge procuring is listed more than once for p-defendant-1');
  });

  it('refuses a case with no investigation that could support it', () => {
    given([...withInvestigation, investigationClosed('discontinued')])
      .when(initiate(['procuring']))
      .thenThrows(ConflictError, /^a prosecution needs an investigation that is open, handed to the prosecutor or closed with charges filed/);
  });

  it('refuses a second prosecution while the first awaits its sentencing outcome', () => {
    given([...withInvestigation, prosecutionInitiated(['procuring'])])
      .when(initiate(['gross-procuring']))
      .thenThrows(ConflictError, "a prosecution on case c-1 is already initiated and awaits the court's judgment on 1 of its defendants");
  });

  it('allows a new prosecution once the court has ruled on the last one', () => {
    const sentenced = event('SentencingOutcomeRecorded', {
      defendantId: DEFENDANT,
      court: 'malmo-tingsratt',
      verdict: 'acquitted',
      offences: ['procuring'],
      sentence: null,
      expulsion: false,
      damagesToVictimSek: null,
      appealed: false,
      decidedOn: '2025-03-01',
      recordedBy: prosecutor.agencyId,
    });
    given([...withInvestigation, prosecutionInitiated(['procuring']), sentenced])
      .when(initiate(['gross-procuring']))
      .then([prosecutionInitiated(['gross-procuring'])]);
  });
});

describe('a matter the prosecutor ends without a trial (rättegångsbalken 48 kap., 20 kap. 7 §)', () => {
  const withInvestigation = [...staffed, investigationOpened()];
  const decision = (fields: Partial<CommandOf<'RecordProsecutorDecision'>> = {}) =>
    command('RecordProsecutorDecision', prosecutor, {
      decision: 'summary-penalty-order',
      suspectId: 'p-suspect-1',
      offences: ['purchase-of-sexual-service'],
      sentence: { kind: 'fine', months: null },
      decidedOn: '2025-03-10',
      ...fields,
    });

  it('records a summary penalty order of a fine for the purchase of a sexual service', () => {
    const state = given(withInvestigation)
      .when(decision())
      .then([
        event('ProsecutorDecisionRecorded', {
          decision: 'summary-penalty-order',
          suspectId: 'p-suspect-1',
          offences: ['purchase-of-sexual-service'],
          sentence: { kind: 'fine', months: null },
          decidedOn: '2025-03-10',
          recordedBy: prosecutor.agencyId,
        }),
      ]);
    expect(state.prosecutorDecisions).toEqual([
      {
        decision: 'summary-penalty-order',
        suspectId: 'p-suspect-1',
        offences: ['purchase-of-sexual-service'],
        sentence: { kind: 'fine', months: null },
        decidedOn: '2025-03-10',
      },
    ]);
  });

  it('records a waiver of prosecution, with no sanction', () => {
    given(withInvestigation)
      .when(decision({ decision: 'waiver-of-prosecution', sentence: null }))
      .then([expect.objectContaining({ type: 'ProsecutorDecisionRecorded' }) as unknown as CaseEvent]);
    given(withInvestigation)
      .when(decision({ decision: 'waiver-of-prosecution' }))
      .thenThrows(InvariantError, /^a waiver of prosecution carries no sanction/);
  });

  it('refuses a summary penalty order of prison', () => {
    given(withInvestigation)
      .when(decision({ sentence: { kind: 'prison', months: 6 } }))
      .thenThrows(InvariantError, /^a summary penalty order is of a fine or a suspended sentence/);
  });

  it('rests on an investigation', () => {
    given(staffed)
      .when(decision())
      .thenThrows(ConflictError, /^a prosecutor's decision needs an investigation/);
  });

  it("is the prosecutor's", () => {
    given(withInvestigation)
      .when(asIssuedBy(decision(), police))
      .thenThrows(ForbiddenError, /^only prosecution agencies may record a prosecutor's decision/);
  });
});

describe('a prosecution of several defendants, each judged on their own (rättegångsbalken 45 kap. 3 §, 30 kap.)', () => {
  const withInvestigation = [...staffed, investigationOpened()];
  const two = command('InitiateProsecution', prosecutor, {
    defendants: [
      { defendantId: DEFENDANT, charges: ['trafficking-in-human-beings'] },
      { defendantId: CO_DEFENDANT, charges: ['procuring', 'purchase-of-sexual-service'] },
    ],
  });
  const bothCharged = event('ProsecutionInitiated', {
    defendants: [
      { defendantId: DEFENDANT, charges: ['trafficking-in-human-beings'] },
      { defendantId: CO_DEFENDANT, charges: ['procuring', 'purchase-of-sexual-service'] },
    ],
    initiatedBy: prosecutor.agencyId,
  });
  const judgment = (defendantId: string | null, fields: Partial<CommandOf<'RecordSentencingOutcome'>> = {}) =>
    command('RecordSentencingOutcome', prosecutor, {
      defendantId,
      court: 'malmo-tingsratt',
      verdict: 'convicted',
      offences: ['procuring'],
      sentence: { kind: 'prison', months: 20 },
      expulsion: false,
      damagesToVictimSek: null,
      appealed: false,
      decidedOn: '2025-03-10',
      ...fields,
    });

  it('charges each defendant, by their person record, with their own offences', () => {
    const state = given(withInvestigation).when(two).then([bothCharged]);
    expect(state.prosecution?.defendants).toEqual([
      { defendantId: DEFENDANT, charges: ['trafficking-in-human-beings'], judged: false },
      { defendantId: CO_DEFENDANT, charges: ['procuring', 'purchase-of-sexual-service'], judged: false },
    ]);
  });

  it('refuses a defendant listed twice', () => {
    given(withInvestigation)
      .when(
        command('InitiateProsecution', prosecutor, {
          defendants: [
            { defendantId: DEFENDANT, charges: ['procuring'] },
            { defendantId: DEFENDANT, charges: ['gross-procuring'] },
          ],
        }),
      )
      .thenThrows(InvariantError, 'the defendant p-defendant-1 is listed more than once');
  });

  it('refuses a prosecution of no one', () => {
    given(withInvestigation)
      .when(command('InitiateProsecution', prosecutor, { defendants: [] }))
      .thenThrows(InvariantError, 'a prosecution needs at least one defendant');
  });

  it('refuses a defendant who has no person record', () => {
    given(withInvestigation)
      .when({ ...two, personsNotFound: [CO_DEFENDANT] })
      .thenThrows(NotFoundError, 'person p-defendant-2 was not found: record the person first (POST /persons)');
  });

  it('records a judgment of the defendant it names, and keeps the prosecution pending until every defendant is judged', () => {
    const first = given([...withInvestigation, bothCharged])
      .when(judgment(CO_DEFENDANT))
      .then([
        expect.objectContaining({ type: 'SentencingOutcomeRecorded', data: expect.objectContaining({ defendantId: CO_DEFENDANT }) }) as unknown as CaseEvent,
      ]);
    expect(first.prosecution?.defendants.map((d) => d.judged)).toEqual([false, true]);
    const judgedOne = decide(judgment(CO_DEFENDANT), given([...withInvestigation, bothCharged]).state());
    given([...withInvestigation, bothCharged, ...judgedOne])
      .when(command('InitiateProsecution', prosecutor, { defendants: [{ defendantId: CO_DEFENDANT, charges: ['gross-procuring'] }] }))
      .thenThrows(ConflictError, "awaits the court's judgment on 1 of its defendants");
    const judgedBoth = decide(
      judgment(DEFENDANT, { offences: ['trafficking-in-human-beings'] }),
      given([...withInvestigation, bothCharged, ...judgedOne]).state(),
    );
    given([...withInvestigation, bothCharged, ...judgedOne, ...judgedBoth])
      .when(command('InitiateProsecution', prosecutor, { defendants: [{ defendantId: CO_DEFENDANT, charges: ['gross-procuring'] }] }))
      .then([expect.objectContaining({ type: 'ProsecutionInitiated' }) as unknown as CaseEvent]);
  });

  it('lets a further prosecution go on once the charge against a defendant was withdrawn and the court wrote it off (rättegångsbalken 20 kap. 9 §)', () => {
    const dismissed = decide(
      judgment(CO_DEFENDANT, { verdict: 'dismissed', sentence: null, offences: ['procuring'] }),
      given([...withInvestigation, bothCharged]).state(),
    );
    expect(dismissed).toEqual([
      expect.objectContaining({ type: 'SentencingOutcomeRecorded', data: expect.objectContaining({ verdict: 'dismissed', defendantId: CO_DEFENDANT }) }),
    ]);
    const judged = decide(judgment(DEFENDANT, { offences: ['trafficking-in-human-beings'] }), given([...withInvestigation, bothCharged, ...dismissed]).state());
    given([...withInvestigation, bothCharged, ...dismissed, ...judged])
      .when(command('InitiateProsecution', prosecutor, { defendants: [{ defendantId: CO_DEFENDANT, charges: ['gross-procuring'] }] }))
      .then([expect.objectContaining({ type: 'ProsecutionInitiated' }) as unknown as CaseEvent]);
    given([...withInvestigation, bothCharged])
      .when(judgment(CO_DEFENDANT, { verdict: 'dismissed', sentence: null, offences: ['gross-procuring'] }))
      .thenThrows(InvariantError, 'a dismissal is of what was charged; gross-procuring was not');
    given([...withInvestigation, bothCharged])
      .when(judgment(CO_DEFENDANT, { verdict: 'dismissed', offences: ['procuring'] }))
      .thenThrows(InvariantError, /^a dismissal carries no sentence/);
  });

  it('needs the defendant named when there are several', () => {
    given([...withInvestigation, bothCharged])
      .when(judgment(null))
      .thenThrows(InvariantError, "a judgment is of one defendant: name which of the prosecution's 2 (defendantId)");
  });

  it('refuses a judgment of someone not prosecuted', () => {
    given([...withInvestigation, bothCharged])
      .when(judgment('p-bystander'))
      .thenThrows(InvariantError, 'p-bystander is not a defendant of the prosecution on case c-1');
  });

  it("acquits a defendant only of that defendant's charges", () => {
    given([...withInvestigation, bothCharged])
      .when(judgment(DEFENDANT, { verdict: 'acquitted', sentence: null, offences: ['procuring'] }))
      .thenThrows(InvariantError, 'an acquittal is of what was charged; procuring was not, the charges are trafficking-in-human-beings');
  });

  it('judges the one defendant of a prosecution recorded before defendants were named, whose record is unknown', () => {
    const legacy = upcastCaseEvent({
      type: 'ProsecutionInitiated',
      schemaVersion: 1,
      data: { charges: ['procuring'], initiatedBy: prosecutor.agencyId },
    } as never);
    const state = given([...withInvestigation, legacy])
      .when(judgment(null))
      .then([expect.objectContaining({ type: 'SentencingOutcomeRecorded', data: expect.objectContaining({ defendantId: null }) }) as unknown as CaseEvent]);
    expect(state.prosecution?.defendants).toEqual([{ defendantId: null, charges: ['procuring'], judged: true }]);
  });

  it("refuses a prosecutor's decision about a suspect who has no person record", () => {
    given(withInvestigation)
      .when({ ...samples.RecordProsecutorDecision, personsNotFound: ['p-suspect-1'] })
      .thenThrows(NotFoundError, 'person p-suspect-1 was not found');
  });
});

describe('recording a sentencing outcome', () => {
  const prosecuted = [...staffed, investigationOpened(), prosecutionInitiated(['trafficking-in-human-beings', 'procuring'])];
  const outcome = (fields: Partial<CommandOf<'RecordSentencingOutcome'>> = {}) =>
    command('RecordSentencingOutcome', prosecutor, {
      defendantId: DEFENDANT,
      court: 'malmo-tingsratt',
      verdict: 'convicted',
      offences: ['trafficking-in-human-beings'],
      sentence: { kind: 'prison', months: 48 },
      expulsion: false,
      damagesToVictimSek: null,
      appealed: false,
      decidedOn: '2025-03-10',
      ...fields,
    });

  it('records the court outcome', () => {
    const state = given(prosecuted)
      .when(outcome())
      .then([
        event('SentencingOutcomeRecorded', {
          defendantId: DEFENDANT,
          court: 'malmo-tingsratt',
          verdict: 'convicted',
          offences: ['trafficking-in-human-beings'],
          sentence: { kind: 'prison', months: 48 },
          expulsion: false,
          damagesToVictimSek: null,
          appealed: false,
          decidedOn: '2025-03-10',
          recordedBy: prosecutor.agencyId,
        }),
      ]);
    expect(state.sentencing).toHaveLength(1);
    expect(state.prosecution?.defendants).toEqual([{ defendantId: DEFENDANT, charges: ['trafficking-in-human-beings', 'procuring'], judged: true }]);
  });

  it('records an acquittal without a sentence', () => {
    given(prosecuted)
      .when(outcome({ verdict: 'acquitted', sentence: null }))
      .then([expect.objectContaining({ type: 'SentencingOutcomeRecorded' })]);
  });

  it('records a further outcome, such as an appeal court ruling, on the same prosecution', () => {
    const first = decide(outcome({ appealed: true }), given(prosecuted).state());
    const state = given([...prosecuted, ...first])
      .when(outcome({ court: 'hovratten-over-skane-och-blekinge', sentence: { kind: 'prison', months: 36 } }))
      .then([expect.objectContaining({ type: 'SentencingOutcomeRecorded' })]);
    expect(state.sentencing.map((s) => s.court)).toEqual(['malmo-tingsratt', 'hovratten-over-skane-och-blekinge']);
  });

  it('refuses an outcome before prosecution was initiated', () => {
    given([...staffed, investigationOpened()])
      .when(outcome())
      .thenThrows(ConflictError, /^a sentencing outcome can be recorded only after prosecution was initiated/);
  });

  it('refuses an outcome naming no offence', () => {
    given(prosecuted)
      .when(outcome({ offences: [] }))
      .thenThrows(InvariantError, 'a sentencing outcome names at least one offence');
  });

  describe('a court may convict of another offence than charged (rättegångsbalken 30 kap. 3 §)', () => {
    it('records a trafficking charge ending in a conviction for gross procuring', () => {
      given([...staffed, investigationOpened(), prosecutionInitiated(['trafficking-in-human-beings'])])
        .when(outcome({ offences: ['gross-procuring'] }))
        .then([
          expect.objectContaining({
            type: 'SentencingOutcomeRecorded',
            data: expect.objectContaining({ offences: ['gross-procuring'] }),
          }) as unknown as CaseEvent,
        ]);
    });

    it('acquits only of what was charged', () => {
      given(prosecuted)
        .when(outcome({ verdict: 'acquitted', sentence: null, offences: ['gross-procuring'] }))
        .thenThrows(InvariantError, 'an acquittal is of what was charged; gross-procuring was not, the charges are trafficking-in-human-beings, procuring');
    });
  });

  it('knows gross human exploitation and preparation for trafficking as offences', () => {
    given([...staffed, investigationOpened(), prosecutionInitiated(['gross-human-exploitation', 'preparation-for-trafficking-in-human-beings'])])
      .when(outcome({ offences: ['gross-human-exploitation', 'preparation-for-trafficking-in-human-beings'] }))
      .then([expect.objectContaining({ type: 'SentencingOutcomeRecorded' }) as unknown as CaseEvent]);
  });

  it('records expulsion on account of the crime (utlänningslagen 8 a kap.) and damages to the victim', () => {
    const state = given(prosecuted)
      .when(outcome({ expulsion: true, damagesToVictimSek: 150_000 }))
      .then([expect.anything()]);
    expect(state.sentencing[0]).toMatchObject({ expulsion: true, damagesToVictimSek: 150_000 });
  });

  it('refuses an acquittal with an expulsion', () => {
    given(prosecuted)
      .when(outcome({ verdict: 'acquitted', sentence: null, expulsion: true }))
      .thenThrows(InvariantError, /^an acquittal carries no sentence and no expulsion/);
  });

  it('reads a version 1 outcome, which recorded neither, with expulsion and damages unknown, of a defendant whose record is unknown', () => {
    const v1 = {
      type: 'SentencingOutcomeRecorded',
      schemaVersion: 1,
      data: {
        court: 'c',
        verdict: 'convicted',
        offences: ['procuring'],
        sentence: { kind: 'fine', months: null },
        appealed: false,
        decidedOn: '2025-03-10',
        recordedBy: prosecutor.agencyId,
      },
    };
    expect(upcastCaseEvent(v1 as never)).toEqual({
      type: 'SentencingOutcomeRecorded',
      data: { ...v1.data, defendantId: null, expulsion: null, damagesToVictimSek: null },
    });
  });

  it('refuses a conviction without a sentence', () => {
    given(prosecuted)
      .when(outcome({ sentence: null }))
      .thenThrows(InvariantError, 'a conviction needs a sentence');
  });

  it('refuses an acquittal with a sentence', () => {
    given(prosecuted)
      .when(outcome({ verdict: 'acquitted' }))
      .thenThrows(InvariantError, /^an acquittal carries no sentence/);
  });

  it.each([
    ['prison', null],
    ['prison', 0],
  ] as const)('refuses a %s sentence of %p months', (kind, months) => {
    given(prosecuted)
      .when(outcome({ sentence: { kind, months } }))
      .thenThrows(InvariantError, `a ${kind} sentence needs its length in months, at least 1`);
  });

  it('refuses a fine with a length in months', () => {
    given(prosecuted)
      .when(outcome({ sentence: { kind: 'fine', months: 2 } }))
      .thenThrows(InvariantError, /^a fine has no length in months/);
  });

  it('records a fine, a suspended sentence and probation (skyddstillsyn, which has no length of its own) without months', () => {
    given(prosecuted)
      .when(outcome({ sentence: { kind: 'fine', months: null } }))
      .then([expect.anything()]);
    given(prosecuted)
      .when(outcome({ sentence: { kind: 'suspended', months: null } }))
      .then([expect.anything()]);
    given(prosecuted)
      .when(outcome({ sentence: { kind: 'probation', months: null } }))
      .then([expect.anything()]);
  });

  it('refuses an outcome decided after the day it is recorded', () => {
    given(prosecuted)
      .when(outcome({ decidedOn: '2025-03-11' }))
      .thenThrows(InvariantError, 'a sentencing outcome dated 2025-03-11 cannot be recorded on 2025-03-10');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------------------

describe('registering evidence', () => {
  const digest = 'a'.repeat(64);
  const register = (contentSha256: string | null, evidenceId = 'e-1') =>
    command('RegisterEvidence', police, { evidenceId, description: 'phone', contentSha256 });

  it('records the evidence with the issuer as its holder', () => {
    const state = given(opened)
      .when(register(digest))
      .then([event('EvidenceRegistered', { evidenceId: 'e-1', description: 'phone', contentSha256: digest, holder: police.agencyId })]);
    expect(state.evidence).toEqual([
      { evidenceId: 'e-1', description: 'phone', contentSha256: digest, holder: police.agencyId, registeredBy: police.agencyId },
    ]);
  });

  it('refuses an evidence id already used', () => {
    given([...opened, evidenceRegistered()])
      .when(register(null))
      .thenThrows(ConflictError, 'evidence id e-1 is already used on case c-1');
  });

  it.each([
    ['upper-case', 'A'.repeat(64)],
    ['too short', 'a'.repeat(63)],
    ['not hex', 'g'.repeat(64)],
  ])('refuses a content digest that is %s', (_, bad) => {
    given(opened)
      .when(register(bad))
      .thenThrows(InvariantError, /^contentSha256 must be a SHA-256 digest: 64 lowercase hex digits/);
  });
});

describe('transferring evidence', () => {
  const held = [...staffed, evidenceRegistered(police)];
  const transfer = (evidenceId: string, to: string) => command('TransferEvidence', police, { evidenceId, toAgencyId: to, reason: 'for the trial' });

  it('moves the evidence from its holder to another team member', () => {
    const state = given(held)
      .when(transfer('e-1', prosecutor.agencyId))
      .then([event('EvidenceTransferred', { evidenceId: 'e-1', fromAgency: police.agencyId, toAgency: prosecutor.agencyId, reason: 'for the trial' })]);
    expect(state.evidence[0].holder).toBe(prosecutor.agencyId);
  });

  it('refuses unknown evidence', () => {
    given(held).when(transfer('e-9', prosecutor.agencyId)).thenThrows(NotFoundError, 'evidence e-9 was not found on case c-1');
  });

  it('refuses to move evidence outside the team', () => {
    given(held)
      .when(transfer('e-1', social.agencyId))
      .thenThrows(InvariantError, 'evidence moves only within the team; socialtjansten-malmo is not on the team of case c-1');
  });

  it('refuses to move evidence to the agency that already holds it', () => {
    given(held).when(transfer('e-1', police.agencyId)).thenThrows(InvariantError, 'evidence e-1 is already held by polisen-malmo');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Process managers
// ---------------------------------------------------------------------------------------------------------

describe('requiring social services on a case', () => {
  const childCase = [caseOpened(childVictim), joined(police, 'opened')];
  const requireSocial = (socialServices: Issuer = social) =>
    command('RequireSocialServices', system, { referralId: 'r-auto', socialServices, coordinator, dueBy: null });
  const automaticReferral = event('CaseReferred', {
    referralId: 'r-auto',
    fromAgency: SYSTEM_AGENCY_ID,
    toAgency: social.agencyId,
    toAgencyKind: 'social-services',
    reason: 'child subject: social services must be on the team',
    urgency: 'urgent',
    dueBy: null,
    automatic: true,
  });

  it('refers a child subject to social services on its own', () => {
    const state = given(childCase).when(requireSocial()).then([automaticReferral]);
    expect(visibleTo(state, social.agencyId)).toBe('addressee');
  });

  it('has nothing to do for an adult subject', () => {
    given(opened).when(requireSocial()).then([]);
  });

  it('has nothing to do when social services are on the team', () => {
    given([...childCase, joined({ agencyId: 'socialtjansten-lund', kind: 'social-services' })])
      .when(requireSocial())
      .then([]);
  });

  it('has nothing to do while a referral to social services is open', () => {
    given([...childCase, referred('r-1', police, { agencyId: 'socialtjansten-lund', kind: 'social-services' })])
      .when(requireSocial())
      .then([]);
  });

  describe('a declined child-protection referral is escalated to the coordinator and the case referred again, never dropped', () => {
    const declined = event('ReferralDeclined', { referralId: 'r-1', agencyId: social.agencyId, reason: 'not ours' });
    const referredAgain = event('CaseReferred', {
      ...automaticReferral.data,
      reason: 'child subject: social services must be on the team; the referral before this one was declined, and the coordinator is told',
    });
    const escalatedAtOnce = event('ReferralEscalated', {
      referralId: 'r-auto',
      toAgency: social.agencyId,
      coordinator: coordinator.agencyId,
      dueBy: AT,
      escalatedAt: AT,
    });

    it('refers again and escalates the new referral at once', () => {
      const state = given([...childCase, referred('r-1', police, social), declined])
        .when(requireSocial())
        .then([referredAgain, escalatedAtOnce]);
      expect(visibleTo(state, coordinator.agencyId)).toBe('addressee');
      expect(visibleTo(state, social.agencyId)).toBe('addressee');
    });

    it("does so for the service's own referral declined too, as often as it is declined", () => {
      const first = [...childCase, automaticReferral, event('ReferralDeclined', { referralId: 'r-auto', agencyId: social.agencyId, reason: 'no capacity' })];
      given(first)
        .when(command('RequireSocialServices', system, { referralId: 'r-auto-2', socialServices: social, coordinator, dueBy: null }))
        .then([
          event('CaseReferred', { ...referredAgain.data, referralId: 'r-auto-2' }),
          event('ReferralEscalated', { ...escalatedAtOnce.data, referralId: 'r-auto-2' }),
        ]);
    });

    it('refuses to escalate to an agency that is not a coordinator', () => {
      given([...childCase, referred('r-1', police, social), declined])
        .when(command('RequireSocialServices', system, { referralId: 'r-auto', socialServices: social, coordinator: prosecutor, dueBy: null }))
        .thenThrows(InvariantError, 'aklagare-malmo is prosecution, not a coordinator');
    });
  });

  describe('a subject of unknown age is presumed a child (Directive 2011/36/EU art. 13.2)', () => {
    const unknownAge = [caseOpened({ ...adultVictim, ageGroup: 'unknown' }), joined(police, 'opened')];

    it('is referred to social services as a child is', () => {
      given(unknownAge).when(requireSocial()).then([automaticReferral]);
    });

    it('may have consent given by a guardian', () => {
      given(unknownAge)
        .when(command('RecordConsent', police, { scope: 'share-with-social-services', given: true, by: 'guardian', on: '2025-03-09' }))
        .then([expect.objectContaining({ type: 'ConsentGiven' }) as unknown as CaseEvent]);
    });
  });

  it('has nothing to do on a closed case', () => {
    given([...childCase, caseClosed()])
      .when(requireSocial())
      .then([]);
  });

  it('refuses to refer to an agency that is not social services', () => {
    given(childCase).when(requireSocial(coordinator)).thenThrows(InvariantError, 'lansstyrelsen-skane is coordinator, not a social-services agency');
  });

  it('refuses a referral id already used', () => {
    const withdrawn = event('ReferralWithdrawn', { referralId: 'r-auto', agencyId: police.agencyId });
    given([...childCase, referred('r-auto', police, social), withdrawn])
      .when(requireSocial())
      .thenThrows(ConflictError, 'referral id r-auto is already used on case c-1');
  });
});

describe('escalating an unanswered referral', () => {
  const dueBy = '2025-03-10T08:00:00Z';
  const pending = [...opened, referred('r-1', police, social, dueBy)];
  const escalate = (at = AT, referralId = 'r-1', to: Issuer = coordinator) => command('EscalateReferral', system, { referralId, coordinator: to, at });
  const escalated = event('ReferralEscalated', {
    referralId: 'r-1',
    toAgency: social.agencyId,
    coordinator: coordinator.agencyId,
    dueBy,
    escalatedAt: AT,
  });

  it('escalates an open referral past its due time to the coordinator', () => {
    const state = given(pending).when(escalate()).then([escalated]);
    expect(state.referrals[0]).toMatchObject({ status: 'open', escalatedTo: coordinator.agencyId });
  });

  it('refuses an unknown referral', () => {
    given(pending).when(escalate(AT, 'r-9')).thenThrows(NotFoundError, 'referral r-9 was not found on case c-1');
  });

  it('lets the coordinator it was escalated to see the case as an addressee would', () => {
    expect(visibleTo(given(pending).state(), coordinator.agencyId)).toBe('none');
    expect(visibleTo(given([...pending, escalated]).state(), coordinator.agencyId)).toBe('addressee');
  });

  it('lets the coordinator it was escalated to step in and add an agency to the team', () => {
    given([...pending, escalated])
      .when(command('AddAgencyToCase', coordinator, { agency: coordinator, reason: 'referral unanswered' }))
      .then([
        event('AgencyJoinedCase', {
          agencyId: coordinator.agencyId,
          agencyKind: 'coordinator',
          via: 'added',
          referralId: null,
          reason: 'referral unanswered',
          addedBy: coordinator.agencyId,
        }),
      ]);
  });

  it('does not let another coordinator step in', () => {
    const other: Issuer = { agencyId: 'samordnare-annan', kind: 'coordinator' };
    given([...pending, escalated])
      .when(command('AddAgencyToCase', other, { agency: other, reason: 'x' }))
      .thenThrows(NotFoundError, caseNotFound);
  });

  it('has nothing to do before the due time has passed', () => {
    given(pending).when(escalate(dueBy)).then([]);
  });

  it('has nothing to do for a referral without a due time', () => {
    given([...opened, referred('r-1', police, social)])
      .when(escalate())
      .then([]);
  });

  it('has nothing to do for a referral already answered', () => {
    given([...pending, event('ReferralAccepted', { referralId: 'r-1', agencyId: social.agencyId }), joined(social, 'referral', 'r-1')])
      .when(escalate())
      .then([]);
  });

  it('escalates a referral only once', () => {
    given([...pending, escalated])
      .when(escalate('2025-03-11T09:00:00Z'))
      .then([]);
  });

  it('has nothing to do on a closed case', () => {
    given([...pending, caseClosed()])
      .when(escalate())
      .then([]);
  });

  it('refuses to escalate to an agency that is not a coordinator', () => {
    given(pending)
      .when(escalate(AT, 'r-1', prosecutor))
      .thenThrows(InvariantError, 'aklagare-malmo is prosecution, not a coordinator');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Folding
// ---------------------------------------------------------------------------------------------------------

describe('folding events into the case summary', () => {
  it('starts from a case that does not exist', () => {
    expect(initialState()).toMatchObject({ status: 'none', caseId: null, team: [], referrals: [] });
  });

  it('ignores events it does not know', () => {
    const state = given(opened).state();
    const unknown = { type: 'SubjectDataErased', data: { subjectId: 'p-1' } } as unknown as CaseEvent;
    expect(evolve(state, unknown)).toBe(state);
  });

  it('does not throw on a malformed event', () => {
    const state = given(opened).state();
    const malformed = [
      { type: 'CaseOpened' },
      { type: 'ProsecutionInitiated', data: {} },
      { type: 'SentencingOutcomeRecorded', data: {} },
      { type: 'ReferralAccepted', data: { referralId: 'r-404' } },
      null,
    ] as unknown as CaseEvent[];
    expect(() => malformed.reduce(evolve, state)).not.toThrow();
  });

  it('returns a new state and leaves the one it was given untouched', () => {
    const before = deepFreeze(given(opened).state());
    const snapshot = JSON.stringify(before);
    const after = evolve(before, joined(prosecutor));
    expect(after).not.toBe(before);
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(after.team).toHaveLength(2);
  });

  it('keeps the state plain JSON, so it can serve as the summary', () => {
    const state = given(busy).state();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('lists an agency on the team only once', () => {
    expect(given([...opened, joined(police, 'added')]).state().team).toEqual([{ agencyId: police.agencyId, kind: 'police', via: 'opened' }]);
  });

  it('serves as a decider for the generic command path', () => {
    expect(caseDecider).toEqual({ initialState, evolve, decide, authorise, upcast: upcastCaseEvent, schemaVersions: CASE_EVENT_VERSIONS });
  });
});

// ---------------------------------------------------------------------------------------------------------
// A whole case
// ---------------------------------------------------------------------------------------------------------

describe('the case of a child victim, from opening to closing', () => {
  it('runs through referral, support, investigation, prosecution and sentencing', () => {
    let history: CaseEvent[] = [];
    let state: CaseState = initialState();
    const step = (cmd: CaseCommand, expected: CaseEvent[]) => {
      state = given(history).when(cmd).then(expected);
      history = [...history, ...expected];
    };
    const on = (day: number) => `2025-03-${String(day).padStart(2, '0')}T10:00:00Z`;

    step(
      command('OpenCase', police, {
        subject: childVictim,
        personRecorded: true,
        city: 'malmo',
        exploitation: 'sexual-exploitation',
        contact: null,
        summary: 'girl found at a massage parlour',
        at: on(1),
      }),
      [
        event('CaseOpened', {
          caseId: CASE,
          subject: childVictim,
          city: 'malmo',
          exploitation: 'sexual-exploitation',
          contact: null,
          summary: 'girl found at a massage parlour',
          leadAgency: police.agencyId,
          leadAgencyKind: 'police',
          openedAt: on(1),
        }),
        event('AgencyJoinedCase', { agencyId: police.agencyId, agencyKind: 'police', via: 'opened', referralId: null, reason: null, addedBy: police.agencyId }),
      ],
    );

    // The child-protection process manager reacts to the opening.
    step(command('RequireSocialServices', system, { referralId: 'r-auto', socialServices: social, coordinator, dueBy: null, at: on(1) }), [
      event('CaseReferred', {
        referralId: 'r-auto',
        fromAgency: SYSTEM_AGENCY_ID,
        toAgency: social.agencyId,
        toAgencyKind: 'social-services',
        reason: 'child subject: social services must be on the team',
        urgency: 'urgent',
        dueBy: null,
        automatic: true,
      }),
    ]);
    // Reacting again (a redelivered event) changes nothing.
    given(history)
      .when(command('RequireSocialServices', system, { referralId: 'r-auto-2', socialServices: social, coordinator, dueBy: null, at: on(1) }))
      .then([]);

    step(command('AcceptReferral', social, { referralId: 'r-auto', at: on(2) }), [
      event('ReferralAccepted', { referralId: 'r-auto', agencyId: social.agencyId }),
      event('AgencyJoinedCase', {
        agencyId: social.agencyId,
        agencyKind: 'social-services',
        via: 'referral',
        referralId: 'r-auto',
        reason: 'child subject: social services must be on the team',
        addedBy: SYSTEM_AGENCY_ID,
      }),
    ]);
    step(command('RecordSupport', social, { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-02', at: on(2) }), [
      event('SupportProvided', { supportId: 's-1', kind: 'shelter', providedOn: '2025-03-02', providedBy: social.agencyId }),
    ]);
    step(command('RecordConsent', social, { scope: 'share-health-details', given: true, by: 'guardian', on: '2025-03-02', at: on(2) }), [
      event('ConsentGiven', { scope: 'share-health-details', givenBy: 'guardian', givenOn: '2025-03-02', recordedBy: social.agencyId }),
    ]);

    step(command('OpenInvestigation', police, { investigationId: 'i-1', reference: '5000-K123-25', at: on(3) }), [investigationOpened('i-1')]);
    step(command('RegisterEvidence', police, { evidenceId: 'e-1', description: 'seized phone', contentSha256: null, at: on(3) }), [
      event('EvidenceRegistered', { evidenceId: 'e-1', description: 'seized phone', contentSha256: null, holder: police.agencyId }),
    ]);
    step(command('RecordVictimCooperation', police, { status: 'statement-given', at: on(4) }), [
      event('VictimCooperationRecorded', { status: 'statement-given', recordedBy: police.agencyId }),
    ]);

    step(
      command('ReferCase', police, {
        referralId: 'r-1',
        to: prosecutor,
        reason: 'lead the preliminary investigation',
        urgency: 'urgent',
        dueBy: on(6),
        at: on(4),
      }),
      [
        event('CaseReferred', {
          referralId: 'r-1',
          fromAgency: police.agencyId,
          toAgency: prosecutor.agencyId,
          toAgencyKind: 'prosecution',
          reason: 'lead the preliminary investigation',
          urgency: 'urgent',
          dueBy: on(6),
          automatic: false,
        }),
      ],
    );
    // The escalation process manager looks before the due time: nothing to do.
    given(history)
      .when(command('EscalateReferral', system, { referralId: 'r-1', coordinator, at: on(5) }))
      .then([]);
    step(command('AcceptReferral', prosecutor, { referralId: 'r-1', at: on(5) }), [
      event('ReferralAccepted', { referralId: 'r-1', agencyId: prosecutor.agencyId }),
      event('AgencyJoinedCase', {
        agencyId: prosecutor.agencyId,
        agencyKind: 'prosecution',
        via: 'referral',
        referralId: 'r-1',
        reason: 'lead the preliminary investigation',
        addedBy: police.agencyId,
      }),
    ]);

    step(command('TransferEvidence', police, { evidenceId: 'e-1', toAgencyId: prosecutor.agencyId, reason: 'for the trial', at: on(10) }), [
      event('EvidenceTransferred', { evidenceId: 'e-1', fromAgency: police.agencyId, toAgency: prosecutor.agencyId, reason: 'for the trial' }),
    ]);
    step(command('CloseInvestigation', prosecutor, { investigationId: 'i-1', outcome: 'charges-filed', at: on(12) }), [
      event('InvestigationClosed', { investigationId: 'i-1', outcome: 'charges-filed', closedBy: prosecutor.agencyId }),
    ]);
    step(
      command('InitiateProsecution', prosecutor, {
        defendants: [{ defendantId: DEFENDANT, charges: ['trafficking-in-human-beings', 'purchase-of-sexual-act-from-child'] }],
        at: on(12),
      }),
      [prosecutionInitiated(['trafficking-in-human-beings', 'purchase-of-sexual-act-from-child'])],
    );
    step(
      command('RecordSentencingOutcome', prosecutor, {
        defendantId: null,
        court: 'malmo-tingsratt',
        verdict: 'convicted',
        offences: ['trafficking-in-human-beings'],
        sentence: { kind: 'prison', months: 60 },
        expulsion: false,
        damagesToVictimSek: null,
        appealed: false,
        decidedOn: '2025-03-28',
        at: on(28),
      }),
      [
        event('SentencingOutcomeRecorded', {
          defendantId: DEFENDANT,
          court: 'malmo-tingsratt',
          verdict: 'convicted',
          offences: ['trafficking-in-human-beings'],
          sentence: { kind: 'prison', months: 60 },
          expulsion: false,
          damagesToVictimSek: null,
          appealed: false,
          decidedOn: '2025-03-28',
          recordedBy: prosecutor.agencyId,
        }),
      ],
    );
    // Each agency closes its part; the case closes with the last.
    step(command('CloseCase', prosecutor, { outcome: 'judgment final', wholeCase: false, at: on(30) }), [
      event('AgencyPartClosed', { agencyId: prosecutor.agencyId, outcome: 'judgment final' }),
    ]);
    step(command('CloseCase', social, { outcome: 'child placed in care', wholeCase: false, at: on(31) }), [
      event('AgencyPartClosed', { agencyId: social.agencyId, outcome: 'child placed in care' }),
    ]);
    step(command('CloseCase', police, { outcome: 'perpetrator convicted; child placed in care', wholeCase: false, at: on(31) }), [
      event('AgencyPartClosed', { agencyId: police.agencyId, outcome: 'perpetrator convicted; child placed in care' }),
      event('CaseClosed', { outcome: 'perpetrator convicted; child placed in care', closedBy: police.agencyId }),
    ]);

    expect(state).toEqual<CaseState>({
      status: 'closed',
      caseId: CASE,
      subject: childVictim,
      city: 'malmo',
      exploitation: 'sexual-exploitation',
      contact: null,
      summary: 'girl found at a massage parlour',
      openedAt: on(1),
      leadAgency: police.agencyId,
      team: [
        { agencyId: police.agencyId, kind: 'police', via: 'opened' },
        { agencyId: social.agencyId, kind: 'social-services', via: 'referral' },
        { agencyId: prosecutor.agencyId, kind: 'prosecution', via: 'referral' },
      ],
      referrals: [
        expect.objectContaining({ referralId: 'r-auto', automatic: true, status: 'accepted' }),
        expect.objectContaining({ referralId: 'r-1', automatic: false, status: 'accepted', escalatedTo: null }),
      ],
      support: { shelter: { count: 1, providers: [social.agencyId], firstProvidedOn: '2025-03-02', lastProvidedOn: '2025-03-02' } },
      consents: [{ scope: 'share-health-details', givenBy: 'guardian', givenOn: '2025-03-02', recordedBy: social.agencyId }],
      reflectionPeriodUntil: null,
      reflectionApplication: null,
      victimStatus: 'presumed',
      childRepresentatives: [],
      unaccompanied: null,
      citizenship: null,
      permitApplication: null,
      residencePermit: null,
      cooperation: 'statement-given',
      investigations: [{ investigationId: 'i-1', reference: '5000-K123-25', openedBy: police.agencyId, status: 'closed', outcome: 'charges-filed' }],
      prosecution: {
        defendants: [{ defendantId: DEFENDANT, charges: ['trafficking-in-human-beings', 'purchase-of-sexual-act-from-child'], judged: true }],
        initiatedBy: prosecutor.agencyId,
      },
      sentencing: [
        {
          defendantId: DEFENDANT,
          court: 'malmo-tingsratt',
          verdict: 'convicted',
          offences: ['trafficking-in-human-beings'],
          sentence: { kind: 'prison', months: 60 },
          expulsion: false,
          damagesToVictimSek: null,
          appealed: false,
          decidedOn: '2025-03-28',
        },
      ],
      evidence: [{ evidenceId: 'e-1', description: 'seized phone', contentSha256: null, holder: prosecutor.agencyId, registeredBy: police.agencyId }],
      prosecutorDecisions: [],
      outcome: 'perpetrator convicted; child placed in care',
      closedParts: [police.agencyId, social.agencyId, prosecutor.agencyId],
    });

    // Closed: nothing more until the lead reopens it.
    given(history)
      .when(command('RecordSupport', social, { supportId: 's-2', kind: 'psychological', providedOn: '2025-04-01', at: '2025-04-01T10:00:00Z' }))
      .thenThrows(ConflictError, 'case c-1 is closed; reopen it first');
  });
});

describe('dating facts by the Swedish calendar', () => {
  it('takes the day in Sweden, not in UTC', () => {
    expect(swedishDate('2026-03-01T23:30:00.000Z')).toBe('2026-03-02');
    expect(swedishDate('2026-07-01T22:30:00.000Z')).toBe('2026-07-02');
    expect(swedishDate('2026-07-01T21:30:00.000Z')).toBe('2026-07-01');
  });

  it("answers as Sweden's calendar does for any instant, in any order, across midnights and clock changes", () => {
    const sweden = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' });
    // Instants around the 2026 clock changes and midnights, and anywhere from 1850 to 2100, asked in runs
    // that stay within an hour and runs that jump about.
    const around = (iso: string) => fc.integer({ min: -3 * 3600_000, max: 3 * 3600_000 }).map((ms) => Date.parse(iso) + ms);
    const instant = fc.oneof(
      around('2026-03-29T01:00:00Z'),
      around('2026-10-25T01:00:00Z'),
      around('2026-06-30T22:00:00Z'),
      fc.integer({ min: Date.parse('1850-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') }),
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const ms of instants) {
          const at = new Date(ms).toISOString();
          expect(swedishDate(at)).toBe(sweden.format(new Date(at)));
        }
      }),
      { numRuns: 500 },
    );
    // Written other than in UTC, an instant is dated all the same.
    expect(swedishDate('2026-07-01T23:30:00+01:00')).toBe('2026-07-02');
  });
});
