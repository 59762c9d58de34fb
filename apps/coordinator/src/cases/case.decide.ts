import { ConflictError, ForbiddenError, InvariantError, NotFoundError } from '@samverkan/common';
import { AgencyKind, Issuer, SYSTEM_AGENCY_ID } from '../agencies/agency';
import {
  AcceptReferral,
  AddAgencyToCase,
  CaseCommand,
  CaseEvent,
  CaseState,
  CloseCase,
  CloseInvestigation,
  DeclineReferral,
  DecideResidencePermit,
  EscalateReferral,
  ApplyForReflectionPeriod,
  ApplyForResidencePermit,
  citizenshipGroup,
  RecordCitizenship,
  DecideReflectionPeriod,
  ExtendReflectionPeriod,
  InitiateProsecution,
  Investigation,
  OpenCase,
  OpenInvestigation,
  presumedChild,
  RecordConsent,
  RecordSentencingOutcome,
  RecordSupport,
  RecordVictimCooperation,
  IdentifyVictim,
  RecordChildRepresentative,
  RecordProsecutorDecision,
  RecordUnaccompanied,
  ReferCase,
  RegisterEvidence,
  RemoveAgencyFromCase,
  ReopenCase,
  RequireSocialServices,
  TransferEvidence,
  WithdrawReferral,
  ProsecutedDefendant,
} from './case.model';
import { COMMAND_PERMISSIONS, RECORDED_ONLY_BY } from './case.permissions';
import { toldOfCase } from './case.disclosure';
import { authorise } from './case.authorise';
import {
  assertNever,
  ensureNotInFuture,
  ensureReferralIdUnused,
  ensureVictim,
  findEvidence,
  findReferral,
  isAfter,
  onTeam,
  openReferral,
  orList,
  swedishDate,
} from './case.rules';

/**
 * What each command on a case decides: the events it records, or the rule that refuses it. `decide` first
 * asks `authorise` (case.authorise.ts) whether the issuer may act at all; the look-ups and rules several
 * commands share are in case.rules.ts.
 */

export function decide(command: CaseCommand, state: CaseState): CaseEvent[] {
  authorise(command, state);
  // Process managers react to events that may be stale by the time they act; a closed case needs nothing.
  if (state.status === 'closed' && command.type !== 'ReopenCase' && COMMAND_PERMISSIONS[command.type].standing === 'system') return [];
  ensureOpenTo(command, state);
  switch (command.type) {
    case 'OpenCase':
      return openCase(command);
    case 'AddAgencyToCase':
      return addAgency(command, state);
    case 'RemoveAgencyFromCase':
      return removeAgency(command, state);
    case 'ReferCase':
      return referCase(command, state);
    case 'AcceptReferral':
      return acceptReferral(command, state);
    case 'DeclineReferral':
      return declineReferral(command, state);
    case 'WithdrawReferral':
      return withdrawReferral(command, state);
    case 'RecordSupport':
      return recordSupport(command, state);
    case 'RecordConsent':
      return recordConsent(command, state);
    case 'ApplyForReflectionPeriod':
      return applyForReflectionPeriod(command, state);
    case 'DecideReflectionPeriod':
      return decideReflectionPeriod(command, state);
    case 'ExtendReflectionPeriod':
      return extendReflectionPeriod(command, state);
    case 'RecordCitizenship':
      return recordCitizenship(command, state);
    case 'ApplyForResidencePermit':
      return applyForResidencePermit(command, state);
    case 'DecideResidencePermit':
      return decideResidencePermit(command, state);
    case 'IdentifyVictim':
      return identifyVictim(command, state);
    case 'RecordProsecutorDecision':
      return recordProsecutorDecision(command, state);
    case 'RecordChildRepresentative':
      return recordChildRepresentative(command, state);
    case 'RecordUnaccompanied':
      return recordUnaccompanied(command, state);
    case 'RecordVictimCooperation':
      return recordVictimCooperation(command, state);
    case 'OpenInvestigation':
      return openInvestigation(command, state);
    case 'CloseInvestigation':
      return closeInvestigation(command, state);
    case 'InitiateProsecution':
      return initiateProsecution(command, state);
    case 'RecordSentencingOutcome':
      return recordSentencingOutcome(command, state);
    case 'RegisterEvidence':
      return registerEvidence(command, state);
    case 'TransferEvidence':
      return transferEvidence(command, state);
    case 'CloseCase':
      return closeCase(command, state);
    case 'ReopenCase':
      return reopenCase(command, state);
    case 'RequireSocialServices':
      return requireSocialServices(command, state);
    case 'EscalateReferral':
      return escalateReferral(command, state);
    default:
      return assertNever(command);
  }
}

/** A closed case, or a part of it its issuer closed, takes no command but reopening: Conflict otherwise. */
export function ensureOpenTo(command: CaseCommand, state: CaseState): void {
  if (command.type === 'ReopenCase') return;
  if (state.status === 'closed') {
    throw new ConflictError(`case ${command.caseId} is closed; reopen it first`, {
      rule: 'case-closed',
      details: { caseId: command.caseId },
    });
  }
  if (state.closedParts.includes(command.issuer.agencyId)) {
    throw new ConflictError(`${command.issuer.agencyId} has closed its part of case ${command.caseId}; reopen your part first`, {
      rule: 'part-closed',
      details: { caseId: command.caseId, agencyId: command.issuer.agencyId },
    });
  }
}

function openCase(cmd: OpenCase): CaseEvent[] {
  const { caseId, subject, city, exploitation, contact, summary, issuer, at } = cmd;
  if (cmd.personRecorded === false) {
    throw new NotFoundError(`person ${subject.subjectId} was not found: record the person first (POST /persons), or open the case without a person record`, {
      rule: 'person-not-found',
      details: { personId: subject.subjectId },
    });
  }
  return [
    {
      type: 'CaseOpened',
      data: { caseId, subject, city, exploitation, contact, summary, leadAgency: issuer.agencyId, leadAgencyKind: issuer.kind, openedAt: at },
    },
    {
      type: 'AgencyJoinedCase',
      data: {
        agencyId: issuer.agencyId,
        agencyKind: issuer.kind,
        via: 'opened',
        referralId: null,
        reason: null,
        addedBy: issuer.agencyId,
      },
    },
  ];
}

function addAgency(cmd: AddAgencyToCase, state: CaseState): CaseEvent[] {
  const { agency } = cmd;
  if (onTeam(state, agency.agencyId)) {
    throw new ConflictError(`${agency.agencyId} is already on the team of case ${cmd.caseId}`, {
      rule: 'already-on-team',
      details: { agencyId: agency.agencyId },
    });
  }
  ensureMayBeTold(agency, state, cmd.caseId);
  // An open referral to the agency stays open: answering it is the addressee's to do.
  return [
    {
      type: 'AgencyJoinedCase',
      data: {
        agencyId: agency.agencyId,
        agencyKind: agency.kind,
        via: 'added',
        referralId: null,
        reason: cmd.reason,
        addedBy: cmd.issuer.agencyId,
      },
    },
  ];
}

/**
 * An agency is brought into a case only if the access table lets it be told what the case is: an NGO or shelter
 * only once the person consented to sharing with it (OSL 12 kap. 2 §), since a referral already tells it.
 */
function ensureMayBeTold(agency: Issuer, state: CaseState, caseId: string): void {
  const told = toldOfCase(agency.kind, state);
  if (told.allowed) return;
  throw new ConflictError(
    `${agency.agencyId} (${agency.kind}) may be told of case ${caseId} only with the person's consent (${told.consentNeeded.join(', ')}), which is not in force: record it first`,
    { rule: 'consent-required', details: { agencyId: agency.agencyId, consentNeeded: told.consentNeeded } },
  );
}

function removeAgency(cmd: RemoveAgencyFromCase, state: CaseState): CaseEvent[] {
  if (!onTeam(state, cmd.agencyId)) {
    throw new NotFoundError(`${cmd.agencyId} is not on the team of case ${cmd.caseId}`, {
      rule: 'not-on-team',
      details: { agencyId: cmd.agencyId },
    });
  }
  if (cmd.agencyId === state.leadAgency) {
    throw new InvariantError('the lead agency cannot leave its case; close it instead', {
      rule: 'lead-cannot-leave',
      details: { agencyId: cmd.agencyId },
    });
  }
  const held = state.evidence.filter((e) => e.holder === cmd.agencyId).map((e) => e.evidenceId);
  if (held.length > 0) {
    // Evidence moves only from its holder; an agency that left could no longer move it, nor anyone else.
    throw new ConflictError(`${cmd.agencyId} holds evidence ${held.join(', ')} of case ${cmd.caseId}; it must transfer it before it leaves`, {
      rule: 'holder-cannot-leave',
      details: { agencyId: cmd.agencyId, evidence: held },
    });
  }
  return [{ type: 'AgencyLeftCase', data: { agencyId: cmd.agencyId, reason: cmd.reason, removedBy: cmd.issuer.agencyId } }];
}

function referCase(cmd: ReferCase, state: CaseState): CaseEvent[] {
  const to = cmd.to.agencyId;
  ensureReferralIdUnused(state, cmd.caseId, cmd.referralId);
  if (onTeam(state, to)) {
    throw new ConflictError(`${to} is already on the team of case ${cmd.caseId}; there is nothing to refer`, {
      rule: 'already-on-team',
      details: { agencyId: to },
    });
  }
  const pending = state.referrals.find((r) => r.status === 'open' && r.toAgency === to);
  if (pending) {
    throw new ConflictError(`case ${cmd.caseId} already has an open referral to ${to} (${pending.referralId})`, {
      rule: 'referral-already-open',
      details: { referralId: pending.referralId, agencyId: to },
    });
  }
  ensureMayBeTold(cmd.to, state, cmd.caseId);
  if (cmd.dueBy !== null && !isAfter(cmd.dueBy, cmd.at)) {
    throw new InvariantError(`a referral must be due after it is made; ${cmd.dueBy} is not after ${cmd.at}`, {
      rule: 'due-before-referral',
      details: { dueBy: cmd.dueBy, at: cmd.at },
    });
  }
  return [
    {
      type: 'CaseReferred',
      data: {
        referralId: cmd.referralId,
        fromAgency: cmd.issuer.agencyId,
        toAgency: to,
        toAgencyKind: cmd.to.kind,
        reason: cmd.reason,
        urgency: cmd.urgency,
        dueBy: cmd.dueBy,
        automatic: false,
      },
    },
  ];
}

function acceptReferral(cmd: AcceptReferral, state: CaseState): CaseEvent[] {
  const referral = openReferral(state, cmd.caseId, cmd.referralId, 'accepted');
  // An NGO whose consent was withdrawn while the referral was open may no longer join.
  ensureMayBeTold(cmd.issuer, state, cmd.caseId);
  const accepted: CaseEvent = { type: 'ReferralAccepted', data: { referralId: referral.referralId, agencyId: cmd.issuer.agencyId } };
  // The agency may have been added to the team directly while the referral was pending.
  if (onTeam(state, cmd.issuer.agencyId)) return [accepted];
  return [
    accepted,
    {
      type: 'AgencyJoinedCase',
      data: {
        agencyId: cmd.issuer.agencyId,
        agencyKind: cmd.issuer.kind,
        via: 'referral',
        referralId: referral.referralId,
        reason: referral.reason,
        addedBy: referral.fromAgency,
      },
    },
  ];
}

function declineReferral(cmd: DeclineReferral, state: CaseState): CaseEvent[] {
  const referral = openReferral(state, cmd.caseId, cmd.referralId, 'declined');
  return [{ type: 'ReferralDeclined', data: { referralId: referral.referralId, agencyId: cmd.issuer.agencyId, reason: cmd.reason } }];
}

function withdrawReferral(cmd: WithdrawReferral, state: CaseState): CaseEvent[] {
  const referral = openReferral(state, cmd.caseId, cmd.referralId, 'withdrawn');
  return [{ type: 'ReferralWithdrawn', data: { referralId: referral.referralId, agencyId: cmd.issuer.agencyId } }];
}

function recordSupport(cmd: RecordSupport, _state: CaseState): CaseEvent[] {
  ensureRecordedBy(cmd, RECORDED_ONLY_BY.support[cmd.kind], `${cmd.kind} support`);
  ensureNotInFuture('support', cmd.providedOn, cmd.at);
  return [
    {
      type: 'SupportProvided',
      data: { supportId: cmd.supportId, kind: cmd.kind, providedOn: cmd.providedOn, providedBy: cmd.issuer.agencyId },
    },
  ];
}

function recordConsent(cmd: RecordConsent, state: CaseState): CaseEvent[] {
  const given = state.consents.some((c) => c.scope === cmd.scope);
  if (cmd.given && given) {
    throw new ConflictError(`consent for ${cmd.scope} is already given`, { rule: 'consent-already-given', details: { scope: cmd.scope } });
  }
  if (!cmd.given && !given) {
    throw new ConflictError(`consent for ${cmd.scope} is not given`, { rule: 'consent-not-given', details: { scope: cmd.scope } });
  }
  if (cmd.by === 'guardian' && state.subject?.ageGroup === 'adult') {
    throw new InvariantError(`an adult gives or withdraws consent themselves; a guardian acts for a child, and the subject of case ${cmd.caseId} is an adult`, {
      rule: 'guardian-for-child-only',
      details: { by: cmd.by, ageGroup: state.subject.ageGroup },
    });
  }
  ensureNotInFuture(cmd.given ? 'consent' : 'a withdrawal of consent', cmd.on, cmd.at);
  const recordedBy = cmd.issuer.agencyId;
  return [
    cmd.given
      ? { type: 'ConsentGiven', data: { scope: cmd.scope, givenBy: cmd.by, givenOn: cmd.on, recordedBy } }
      : { type: 'ConsentWithdrawn', data: { scope: cmd.scope, withdrawnBy: cmd.by, withdrawnOn: cmd.on, recordedBy } },
  ];
}

/** The length of a reflection period: 30 days (utlänningslagen 5 kap. 15 § andra stycket). */
export const REFLECTION_PERIOD_DAYS = 30;

function applyForReflectionPeriod(cmd: ApplyForReflectionPeriod, state: CaseState): CaseEvent[] {
  ensureVictim(state, 'a reflection period is applied for only for victims');
  if (state.reflectionApplication?.decision === 'pending') {
    throw new ConflictError(`an application for a reflection period on case ${cmd.caseId} awaits the Migration Agency's decision`, {
      rule: 'reflection-application-pending',
      details: { applicationId: state.reflectionApplication.applicationId },
    });
  }
  const running = state.reflectionPeriodUntil !== null && state.reflectionPeriodUntil.slice(0, 10) >= swedishDate(cmd.at);
  if (running) {
    throw new ConflictError(
      `a reflection period runs on case ${cmd.caseId} until ${state.reflectionPeriodUntil}; it is extended on request, not applied for again`,
      {
        rule: 'reflection-period-running',
        details: { until: state.reflectionPeriodUntil },
      },
    );
  }
  return [{ type: 'ReflectionPeriodApplied', data: { applicationId: cmd.applicationId, appliedBy: cmd.issuer.agencyId, applicantKind: cmd.issuer.kind } }];
}

function decideReflectionPeriod(cmd: DecideReflectionPeriod, state: CaseState): CaseEvent[] {
  const application = state.reflectionApplication;
  if (application?.decision !== 'pending') {
    throw new ConflictError(
      `no application for a reflection period awaits a decision on case ${cmd.caseId}: the head of the preliminary investigation or ` +
        'social services apply for one (utlänningslagen 5 kap. 15 §)',
      { rule: 'no-reflection-application' },
    );
  }
  const from = swedishDate(cmd.at);
  const until = cmd.granted ? addDays(from, REFLECTION_PERIOD_DAYS) : null;
  return [
    {
      type: 'ReflectionPeriodDecided',
      data: { applicationId: application.applicationId, granted: cmd.granted, from: cmd.granted ? from : null, until, decidedBy: cmd.issuer.agencyId },
    },
  ];
}

function extendReflectionPeriod(cmd: ExtendReflectionPeriod, state: CaseState): CaseEvent[] {
  const current = state.reflectionPeriodUntil;
  if (current === null) {
    throw new ConflictError(`case ${cmd.caseId} has no reflection period to extend`, { rule: 'no-reflection-period' });
  }
  if (cmd.until.slice(0, 10) <= current.slice(0, 10)) {
    throw new InvariantError(`an extension must end after the period it extends; ${cmd.until} is not after ${current.slice(0, 10)}`, {
      rule: 'extension-not-later',
      details: { until: cmd.until, current },
    });
  }
  return [{ type: 'ReflectionPeriodExtended', data: { until: cmd.until, reason: cmd.reason, extendedBy: cmd.issuer.agencyId } }];
}

/** The day `days` days after a day (YYYY-MM-DD), by the calendar. */
function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function recordCitizenship(cmd: RecordCitizenship, state: CaseState): CaseEvent[] {
  if (state.citizenship?.country === cmd.citizenship) {
    throw new ConflictError(`the subject's citizenship is already recorded as ${cmd.citizenship}`, { rule: 'citizenship-unchanged' });
  }
  return [
    { type: 'SubjectCitizenshipRecorded', data: { citizenship: cmd.citizenship, group: citizenshipGroup(cmd.citizenship), recordedBy: cmd.issuer.agencyId } },
  ];
}

function applyForResidencePermit(cmd: ApplyForResidencePermit, state: CaseState): CaseEvent[] {
  ensureVictim(state, 'a residence permit is applied for here only for victims');
  if (state.permitApplication && !state.permitApplication.decided) {
    throw new ConflictError(`an application for a residence permit on case ${cmd.caseId} awaits the Migration Agency's decision`, {
      rule: 'permit-application-pending',
      details: { applicationId: state.permitApplication.applicationId },
    });
  }
  const { applicationId, presenceNeeded, willToCooperate, tiesBroken } = cmd;
  return [{ type: 'ResidencePermitApplied', data: { applicationId, appliedBy: cmd.issuer.agencyId, presenceNeeded, willToCooperate, tiesBroken } }];
}

/** The shortest permit for a victim or witness: six months (utlänningslagen 5 kap. 15 § första stycket). */
export const PERMIT_MIN_MONTHS = 6;

function decideResidencePermit(cmd: DecideResidencePermit, state: CaseState): CaseEvent[] {
  ensureVictim(state, 'a residence permit is decided here only for victims');
  const application = state.permitApplication;
  if (!application || application.decided) {
    throw new ConflictError(
      `no application for a residence permit awaits a decision on case ${cmd.caseId}: the head of the preliminary investigation applies for one (utlänningslagen 5 kap. 15 §)`,
      { rule: 'no-permit-application' },
    );
  }
  if (cmd.granted && cmd.until === null) {
    throw new InvariantError('a granted residence permit needs the date it is valid until', { rule: 'permit-needs-until' });
  }
  if (!cmd.granted && cmd.until !== null) {
    throw new InvariantError(`a refused residence permit is valid until no date; until must be null, not ${cmd.until}`, {
      rule: 'refusal-has-no-until',
    });
  }
  if (cmd.granted) ensurePermitMayBeGranted(cmd, state, application);
  return [{ type: 'ResidencePermitDecided', data: { granted: cmd.granted, until: cmd.until, decidedBy: cmd.issuer.agencyId } }];
}

function ensurePermitMayBeGranted(cmd: DecideResidencePermit, state: CaseState, application: NonNullable<CaseState['permitApplication']>): void {
  const citizenship = state.citizenship;
  if (citizenship === null) {
    throw new InvariantError(
      `the subject's citizenship is not recorded on case ${cmd.caseId}: a permit is for third-country nationals, so it must be known first`,
      {
        rule: 'citizenship-unknown',
      },
    );
  }
  if (citizenship.group === 'swedish' || citizenship.group === 'eu-eea') {
    const where = citizenship.group === 'swedish' ? 'Sweden' : 'an EU or EEA state or Switzerland';
    throw new InvariantError(
      `the subject is a citizen of ${citizenship.country}, ${where}, with a right to stay in Sweden; a permit under utlänningslagen 5 kap. 15 § is for third-country nationals`,
      { rule: 'no-permit-needed', details: { citizenship: citizenship.country, group: citizenship.group } },
    );
  }
  const unmet = (['presenceNeeded', 'willToCooperate', 'tiesBroken'] as const).filter((condition) => !application[condition]);
  if (unmet.length > 0) {
    throw new InvariantError(`a permit needs all three conditions of utlänningslagen 5 kap. 15 §; the application does not state ${unmet.join(', ')}`, {
      rule: 'permit-conditions-not-met',
      details: { unmet },
    });
  }
  const earliestEnd = addMonths(swedishDate(cmd.at), PERMIT_MIN_MONTHS);
  if (cmd.until!.slice(0, 10) < earliestEnd) {
    throw new InvariantError(`a permit for a victim or witness is for at least ${PERMIT_MIN_MONTHS} months: until ${earliestEnd} or later, not ${cmd.until}`, {
      rule: 'permit-shorter-than-six-months',
      details: { until: cmd.until, earliest: earliestEnd },
    });
  }
}

/** The same day `months` months later (YYYY-MM-DD), or the month's last day where it has no such day. */
function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/**
 * A matter ended by the prosecutor without a trial rests on an investigation, as a prosecution does: a summary
 * penalty order of a fine or a suspended sentence, or a waiver with no sanction at all.
 */
function recordProsecutorDecision(cmd: RecordProsecutorDecision, state: CaseState): CaseEvent[] {
  ensurePersonsFound(cmd);
  if (!state.investigations.some(groundsProsecution)) {
    throw new ConflictError(
      `a prosecutor's decision needs an investigation that is open, handed to the prosecutor or closed with charges filed; case ${cmd.caseId} has none`,
      {
        rule: 'decision-needs-investigation',
      },
    );
  }
  if (cmd.offences.length === 0) throw new InvariantError("a prosecutor's decision names at least one offence", { rule: 'no-offences' });
  const { sentence } = cmd;
  if (cmd.decision === 'waiver-of-prosecution' && sentence !== null) {
    throw new InvariantError('a waiver of prosecution carries no sanction; sentence must be null', { rule: 'waiver-has-no-sentence' });
  }
  if (cmd.decision === 'summary-penalty-order' && !(sentence && (sentence.kind === 'fine' || sentence.kind === 'suspended') && sentence.months === null)) {
    throw new InvariantError('a summary penalty order is of a fine or a suspended sentence (rättegångsbalken 48 kap. 4 §), without months', {
      rule: 'penalty-order-sanction',
    });
  }
  ensureNotInFuture("a prosecutor's decision", cmd.decidedOn, cmd.at);
  return [
    {
      type: 'ProsecutorDecisionRecorded',
      data: {
        decision: cmd.decision,
        suspectId: cmd.suspectId,
        offences: [...cmd.offences],
        sentence: sentence && { ...sentence },
        decidedOn: cmd.decidedOn,
        recordedBy: cmd.issuer.agencyId,
      },
    },
  ];
}

function ensurePresumedChild(state: CaseState, what: string): void {
  if (!presumedChild(state.subject)) {
    throw new InvariantError(`${what} is recorded only for a child (or one whose age is not known); the subject of case ${state.caseId} is an adult`, {
      rule: 'children-only',
    });
  }
}

function recordChildRepresentative(cmd: RecordChildRepresentative, state: CaseState): CaseEvent[] {
  ensurePresumedChild(state, 'a guardian, special representative or god man');
  ensureNotInFuture('an appointment', cmd.appointedOn, cmd.at);
  ensurePersonsFound(cmd);
  return [
    { type: 'ChildRepresentativeRecorded', data: { role: cmd.role, personId: cmd.personId, appointedOn: cmd.appointedOn, recordedBy: cmd.issuer.agencyId } },
  ];
}

function recordUnaccompanied(cmd: RecordUnaccompanied, state: CaseState): CaseEvent[] {
  ensurePresumedChild(state, 'whether a child is unaccompanied');
  if (state.unaccompanied === cmd.unaccompanied) {
    throw new ConflictError(`the child is already recorded as ${cmd.unaccompanied ? '' : 'not '}unaccompanied`, { rule: 'unaccompanied-unchanged' });
  }
  return [{ type: 'ChildUnaccompaniedRecorded', data: { unaccompanied: cmd.unaccompanied, recordedBy: cmd.issuer.agencyId } }];
}

/** A person is a presumed victim until an agency identifies her as a victim; that is recorded once. */
function identifyVictim(cmd: IdentifyVictim, state: CaseState): CaseEvent[] {
  ensureVictim(state, 'only a presumed victim is identified as a victim');
  if (state.victimStatus === 'identified') {
    throw new ConflictError(`the subject of case ${cmd.caseId} is already identified as a victim`, { rule: 'victim-already-identified' });
  }
  ensureNotInFuture('an identification', cmd.on, cmd.at);
  return [{ type: 'VictimIdentified', data: { identifiedBy: cmd.issuer.agencyId, on: cmd.on } }];
}

function recordVictimCooperation(cmd: RecordVictimCooperation, state: CaseState): CaseEvent[] {
  ensureVictim(state, 'cooperation is recorded only for victims');
  if (state.cooperation === cmd.status) {
    throw new ConflictError(`the victim's cooperation is already recorded as ${cmd.status}`, {
      rule: 'cooperation-unchanged',
      details: { cooperation: cmd.status },
    });
  }
  return [{ type: 'VictimCooperationRecorded', data: { status: cmd.status, recordedBy: cmd.issuer.agencyId } }];
}

function openInvestigation(cmd: OpenInvestigation, state: CaseState): CaseEvent[] {
  if (state.investigations.some((i) => i.investigationId === cmd.investigationId)) {
    throw new ConflictError(`investigation id ${cmd.investigationId} is already used on case ${cmd.caseId}`, {
      rule: 'id-reused',
      details: { investigationId: cmd.investigationId },
    });
  }
  return [
    {
      type: 'InvestigationOpened',
      data: { investigationId: cmd.investigationId, reference: cmd.reference, openedBy: cmd.issuer.agencyId },
    },
  ];
}

/** Refuses a fact only some kinds of agency may record (case.permissions.ts, RECORDED_ONLY_BY). */
function ensureRecordedBy(cmd: CaseCommand, kinds: readonly AgencyKind[] | undefined, what: string): void {
  if (kinds === undefined || kinds.includes(cmd.issuer.kind)) return;
  throw new ForbiddenError(`only ${orList(kinds)} agencies may record ${what}; ${cmd.issuer.agencyId} is ${cmd.issuer.kind}`, {
    rule: 'recorded-by-another-kind',
    details: { agencyId: cmd.issuer.agencyId, kind: cmd.issuer.kind, allowed: kinds },
  });
}

function closeInvestigation(cmd: CloseInvestigation, state: CaseState): CaseEvent[] {
  ensureRecordedBy(cmd, RECORDED_ONLY_BY.investigationOutcome[cmd.outcome], `an investigation closed as ${cmd.outcome}`);
  const investigation = state.investigations.find((i) => i.investigationId === cmd.investigationId);
  if (!investigation) {
    throw new NotFoundError(`investigation ${cmd.investigationId} was not found on case ${cmd.caseId}`, {
      rule: 'investigation-not-found',
      details: { investigationId: cmd.investigationId },
    });
  }
  if (investigation.status === 'closed') {
    throw new ConflictError(`investigation ${cmd.investigationId} is already closed (${investigation.outcome})`, {
      rule: 'investigation-closed',
      details: { investigationId: cmd.investigationId, outcome: investigation.outcome },
    });
  }
  return [
    {
      type: 'InvestigationClosed',
      data: { investigationId: cmd.investigationId, outcome: cmd.outcome, closedBy: cmd.issuer.agencyId },
    },
  ];
}

/** An investigation a prosecution, or a prosecutor's decision, may rest on. */
function groundsProsecution(i: Investigation): boolean {
  return i.status === 'open' || i.outcome === 'charges-filed' || i.outcome === 'handed-to-prosecutor';
}

function initiateProsecution(cmd: InitiateProsecution, state: CaseState): CaseEvent[] {
  if (cmd.defendants.length === 0) {
    throw new InvariantError('a prosecution needs at least one defendant', { rule: 'no-defendants' });
  }
  const named = cmd.defendants.map((d) => d.defendantId);
  const twiceNamed = named.find((id, index) => named.indexOf(id) !== index);
  if (twiceNamed) {
    throw new InvariantError(`the defendant ${twiceNamed} is listed more than once: give each their charges once`, {
      rule: 'duplicate-defendant',
      details: { defendantId: twiceNamed },
    });
  }
  for (const { defendantId, charges } of cmd.defendants) {
    if (charges.length === 0) {
      throw new InvariantError(`a defendant is prosecuted on at least one charge; ${defendantId} has none`, { rule: 'no-charges', details: { defendantId } });
    }
    const twice = charges.find((charge, index) => charges.indexOf(charge) !== index);
    if (twice) {
      throw new InvariantError(`the charge ${twice} is listed more than once for ${defendantId}`, {
        rule: 'duplicate-charge',
        details: { charge: twice, defendantId },
      });
    }
  }
  ensurePersonsFound(cmd);
  if (!state.investigations.some(groundsProsecution)) {
    throw new ConflictError(
      `a prosecution needs an investigation that is open, handed to the prosecutor or closed with charges filed; case ${cmd.caseId} has none`,
      { rule: 'prosecution-needs-investigation' },
    );
  }
  const awaiting = state.prosecution?.defendants.filter((d) => !d.judged) ?? [];
  if (awaiting.length > 0) {
    throw new ConflictError(
      `a prosecution on case ${cmd.caseId} is already initiated and awaits the court's judgment on ${awaiting.length} of its defendants`,
      {
        rule: 'prosecution-pending',
        details: { awaiting: awaiting.map((d) => d.defendantId) },
      },
    );
  }
  return [
    {
      type: 'ProsecutionInitiated',
      data: { defendants: cmd.defendants.map((d) => ({ defendantId: d.defendantId, charges: [...d.charges] })), initiatedBy: cmd.issuer.agencyId },
    },
  ];
}

/** The defendant of the prosecution a judgment is about: the one named, or the only one when none is. */
function defendantJudged(cmd: RecordSentencingOutcome, { defendants }: { readonly defendants: readonly ProsecutedDefendant[] }): ProsecutedDefendant {
  if (cmd.defendantId === null) {
    if (defendants.length === 1) return defendants[0]!;
    throw new InvariantError(`a judgment is of one defendant: name which of the prosecution's ${defendants.length} (defendantId)`, {
      rule: 'defendant-required',
      details: { defendants: defendants.map((d) => d.defendantId) },
    });
  }
  const defendant = defendants.find((d) => d.defendantId === cmd.defendantId);
  if (!defendant) {
    throw new InvariantError(`${cmd.defendantId} is not a defendant of the prosecution on case ${cmd.caseId}`, {
      rule: 'not-a-defendant',
      details: { defendantId: cmd.defendantId, defendants: defendants.map((d) => d.defendantId) },
    });
  }
  return defendant;
}

/** A command naming person records none of which may be missing (the service looked them up). */
function ensurePersonsFound(cmd: { readonly personsNotFound?: readonly string[] }): void {
  const [missing] = cmd.personsNotFound ?? [];
  if (missing !== undefined) {
    throw new NotFoundError(`person ${missing} was not found: record the person first (POST /persons)`, {
      rule: 'person-not-found',
      details: { personId: missing },
    });
  }
}

function recordSentencingOutcome(cmd: RecordSentencingOutcome, state: CaseState): CaseEvent[] {
  const { prosecution } = state;
  if (!prosecution) {
    throw new ConflictError(`a sentencing outcome can be recorded only after prosecution was initiated; case ${cmd.caseId} has no prosecution`, {
      rule: 'sentencing-before-prosecution',
    });
  }
  if (cmd.offences.length === 0) {
    throw new InvariantError('a sentencing outcome names at least one offence', { rule: 'no-offences' });
  }
  const defendant = defendantJudged(cmd, prosecution);
  // A court may convict of another offence than charged for the act charged (rättegångsbalken 30 kap. 3 §):
  // a trafficking charge often ends in a conviction for procuring. It acquits only of what was charged.
  const uncharged = cmd.offences.find((o) => !defendant.charges.includes(o));
  const unconvicted = cmd.verdict === 'acquitted' || cmd.verdict === 'dismissed';
  const what = cmd.verdict === 'acquitted' ? 'an acquittal' : 'a dismissal';
  if (uncharged && unconvicted) {
    throw new InvariantError(`${what} is of what was charged; ${uncharged} was not, the charges are ${defendant.charges.join(', ')}`, {
      rule: 'offence-not-charged',
      details: { offence: uncharged, charges: defendant.charges, defendantId: defendant.defendantId },
    });
  }
  const { sentence } = cmd;
  if (cmd.verdict === 'convicted' && sentence === null) {
    throw new InvariantError('a conviction needs a sentence', { rule: 'conviction-needs-sentence' });
  }
  if (unconvicted && (sentence !== null || cmd.expulsion)) {
    throw new InvariantError(`${what} carries no sentence and no expulsion; sentence must be null and expulsion false`, {
      rule: 'acquittal-has-no-sentence',
    });
  }
  // Probation (skyddstillsyn) has a fixed trial period and no length of its own; prison has one.
  if (sentence && sentence.kind === 'prison' && !(sentence.months !== null && sentence.months >= 1)) {
    throw new InvariantError(`a ${sentence.kind} sentence needs its length in months, at least 1`, {
      rule: 'sentence-needs-months',
      details: { kind: sentence.kind, months: sentence.months },
    });
  }
  if (sentence && sentence.kind === 'fine' && sentence.months !== null) {
    throw new InvariantError('a fine has no length in months; months must be null', { rule: 'fine-has-no-months' });
  }
  ensureNotInFuture('a sentencing outcome', cmd.decidedOn, cmd.at);
  return [
    {
      type: 'SentencingOutcomeRecorded',
      data: {
        defendantId: defendant.defendantId,
        court: cmd.court,
        verdict: cmd.verdict,
        offences: [...cmd.offences],
        sentence: sentence && { ...sentence },
        expulsion: cmd.expulsion,
        damagesToVictimSek: cmd.damagesToVictimSek,
        appealed: cmd.appealed,
        decidedOn: cmd.decidedOn,
        recordedBy: cmd.issuer.agencyId,
      },
    },
  ];
}

function registerEvidence(cmd: RegisterEvidence, state: CaseState): CaseEvent[] {
  if (state.evidence.some((e) => e.evidenceId === cmd.evidenceId)) {
    throw new ConflictError(`evidence id ${cmd.evidenceId} is already used on case ${cmd.caseId}`, {
      rule: 'id-reused',
      details: { evidenceId: cmd.evidenceId },
    });
  }
  if (cmd.contentSha256 !== null && !/^[0-9a-f]{64}$/.test(cmd.contentSha256)) {
    throw new InvariantError('contentSha256 must be a SHA-256 digest: 64 lowercase hex digits', {
      rule: 'invalid-digest',
      details: { contentSha256: cmd.contentSha256 },
    });
  }
  return [
    {
      type: 'EvidenceRegistered',
      data: {
        evidenceId: cmd.evidenceId,
        description: cmd.description,
        contentSha256: cmd.contentSha256,
        holder: cmd.issuer.agencyId,
      },
    },
  ];
}

function transferEvidence(cmd: TransferEvidence, state: CaseState): CaseEvent[] {
  const evidence = findEvidence(state, cmd.caseId, cmd.evidenceId);
  if (cmd.toAgencyId === evidence.holder) {
    throw new InvariantError(`evidence ${cmd.evidenceId} is already held by ${evidence.holder}`, {
      rule: 'transfer-to-holder',
      details: { evidenceId: cmd.evidenceId },
    });
  }
  if (!onTeam(state, cmd.toAgencyId)) {
    throw new InvariantError(`evidence moves only within the team; ${cmd.toAgencyId} is not on the team of case ${cmd.caseId}`, {
      rule: 'transfer-outside-team',
      details: { evidenceId: cmd.evidenceId, toAgency: cmd.toAgencyId },
    });
  }
  return [
    {
      type: 'EvidenceTransferred',
      data: { evidenceId: cmd.evidenceId, fromAgency: evidence.holder, toAgency: cmd.toAgencyId, reason: cmd.reason },
    },
  ];
}

/**
 * Each agency closes its own part, and the case closes with the last part: one agency being done never ends
 * another's work (social services go on with support after the police have closed theirs). A coordinator
 * may close the whole case, with its reason. Open referrals stay as they are: their addressees may still
 * answer them once the case is reopened.
 */
function closeCase(cmd: CloseCase, state: CaseState): CaseEvent[] {
  const who = cmd.issuer.agencyId;
  const caseClosed: CaseEvent = { type: 'CaseClosed', data: { outcome: cmd.outcome, closedBy: who } };
  if (cmd.wholeCase) {
    if (cmd.issuer.kind !== 'coordinator') {
      throw new ForbiddenError(`only a coordinator may close the whole case ${cmd.caseId}; ${who} is ${cmd.issuer.kind} and closes its own part`, {
        rule: 'whole-case-by-coordinator',
        details: { agencyId: who, kind: cmd.issuer.kind },
      });
    }
    return [caseClosed];
  }
  const partClosed: CaseEvent = { type: 'AgencyPartClosed', data: { agencyId: who, outcome: cmd.outcome } };
  const othersOpen = state.team.some((m) => m.agencyId !== who && !state.closedParts.includes(m.agencyId));
  return othersOpen ? [partClosed] : [partClosed, caseClosed];
}

/**
 * A closed case is reopened by its lead or a coordinator, for the whole team; on an open case an agency that
 * closed its part takes it up again.
 */
function reopenCase(cmd: ReopenCase, state: CaseState): CaseEvent[] {
  const who = cmd.issuer.agencyId;
  if (state.status === 'closed') {
    if (who !== state.leadAgency && cmd.issuer.kind !== 'coordinator') {
      throw new ForbiddenError(
        `only ${state.leadAgency}, the lead agency of case ${cmd.caseId}, or a coordinator on its team may reopen a closed case; ${who} may reopen only its own part`,
        {
          rule: 'standing-lead-or-coordinator',
          details: { agencyId: who, standing: 'lead-or-coordinator' },
        },
      );
    }
    return [{ type: 'CaseReopened', data: { reason: cmd.reason, reopenedBy: who } }];
  }
  if (!state.closedParts.includes(who)) {
    throw new ConflictError(`case ${cmd.caseId} is open and so is the part of ${who}; there is nothing to reopen`, { rule: 'case-open' });
  }
  return [{ type: 'AgencyPartReopened', data: { agencyId: who, reason: cmd.reason } }];
}

const SOCIAL_SERVICES_REASON = 'child subject: social services must be on the team';
const REFERRED_AGAIN_REASON = 'child subject: social services must be on the team; the referral before this one was declined, and the coordinator is told';

function requireSocialServices(cmd: RequireSocialServices, state: CaseState): CaseEvent[] {
  const { socialServices } = cmd;
  if (socialServices.kind !== 'social-services') {
    throw new InvariantError(`${socialServices.agencyId} is ${socialServices.kind}, not a social-services agency`, {
      rule: 'not-social-services',
      details: { agencyId: socialServices.agencyId, kind: socialServices.kind },
    });
  }
  const satisfied =
    !presumedChild(state.subject) ||
    state.team.some((m) => m.kind === 'social-services') ||
    state.referrals.some((r) => r.status === 'open' && r.toAgencyKind === 'social-services');
  if (satisfied) return [];
  ensureReferralIdUnused(state, cmd.caseId, cmd.referralId);
  // A child's case is never left without social services in silence: after a decline the case is referred
  // again and the referral escalated to the coordinator at once, who can step in (join, add an agency).
  const lastToSocial = state.referrals.filter((r) => r.toAgencyKind === 'social-services').at(-1);
  const afterDecline = lastToSocial?.status === 'declined';
  const referral: CaseEvent = {
    type: 'CaseReferred',
    data: {
      referralId: cmd.referralId,
      fromAgency: SYSTEM_AGENCY_ID,
      toAgency: socialServices.agencyId,
      toAgencyKind: socialServices.kind,
      reason: afterDecline ? REFERRED_AGAIN_REASON : SOCIAL_SERVICES_REASON,
      urgency: 'urgent',
      dueBy: cmd.dueBy,
      automatic: true,
    },
  };
  if (!afterDecline) return [referral];
  ensureCoordinator(cmd.coordinator);
  return [
    referral,
    {
      type: 'ReferralEscalated',
      data: {
        referralId: cmd.referralId,
        toAgency: socialServices.agencyId,
        coordinator: cmd.coordinator.agencyId,
        dueBy: cmd.dueBy ?? cmd.at,
        escalatedAt: cmd.at,
      },
    },
  ];
}

function ensureCoordinator(coordinator: Issuer): void {
  if (coordinator.kind !== 'coordinator') {
    throw new InvariantError(`${coordinator.agencyId} is ${coordinator.kind}, not a coordinator`, {
      rule: 'not-a-coordinator',
      details: { agencyId: coordinator.agencyId, kind: coordinator.kind },
    });
  }
}

function escalateReferral(cmd: EscalateReferral, state: CaseState): CaseEvent[] {
  const { coordinator } = cmd;
  ensureCoordinator(coordinator);
  const referral = findReferral(state, cmd.caseId, cmd.referralId);
  const { dueBy } = referral;
  // The escalation process manager may act late or twice; whatever no longer needs escalating is left alone.
  if (referral.status !== 'open' || referral.escalatedTo !== null || dueBy === null || !isAfter(cmd.at, dueBy)) return [];
  return [
    {
      type: 'ReferralEscalated',
      data: { referralId: referral.referralId, toAgency: referral.toAgency, coordinator: coordinator.agencyId, dueBy, escalatedAt: cmd.at },
    },
  ];
}
