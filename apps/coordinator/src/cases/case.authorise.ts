import { ConflictError, ForbiddenError, NotFoundError } from '@samverkan/common';
import { SYSTEM_AGENCY_ID } from '../agencies/agency';
import { CaseCommand, CaseCommandType, CaseState } from './case.model';
import { COMMAND_PERMISSIONS, Standing } from './case.permissions';
import { assertNever, findEvidence, findReferral, onTeam, orList } from './case.rules';

/**
 * Whether an agency may act on a case at all: the case exists and the agency may see it, its kind may issue
 * the command, and it has the standing the permission table (case.permissions.ts) asks for.
 */

/**
 * How an agency may see a case: as a team member, as the addressee of an open referral (descriptors only), or
 * not at all. The service's own agency is not special here; the decider lets it act on any case.
 */
export function visibleTo(state: CaseState, agencyId: string): 'team' | 'addressee' | 'none' {
  if (state.team.some((m) => m.agencyId === agencyId)) return 'team';
  if (state.referrals.some((r) => r.status === 'open' && (r.toAgency === agencyId || r.escalatedTo === agencyId))) return 'addressee';
  return 'none';
}

/** Whether an open referral of the case went unanswered and was escalated to this coordinator. */
function escalatedTo(state: CaseState, agencyId: string): boolean {
  return state.referrals.some((r) => r.status === 'open' && r.escalatedTo === agencyId);
}

// ---------------------------------------------------------------------------------------------------------
// Authorisation: existence, visibility, then the permission table
// ---------------------------------------------------------------------------------------------------------

/** How a command's action reads in a refusal: `only prosecution agencies may initiate a prosecution`. */
const ACTIONS: Readonly<Record<CaseCommandType, readonly [verb: string, object: string]>> = {
  OpenCase: ['open', 'a case'],
  AddAgencyToCase: ['add', 'an agency to a case'],
  RemoveAgencyFromCase: ['remove', 'an agency from a case'],
  ReferCase: ['refer', 'a case'],
  AcceptReferral: ['accept', 'a referral'],
  DeclineReferral: ['decline', 'a referral'],
  WithdrawReferral: ['withdraw', 'a referral'],
  RecordSupport: ['record', 'support'],
  RecordConsent: ['record', 'consent'],
  ApplyForReflectionPeriod: ['apply for', 'a reflection period'],
  DecideReflectionPeriod: ['decide on', 'a reflection period'],
  ExtendReflectionPeriod: ['extend', 'a reflection period'],
  RecordCitizenship: ['record', "the subject's citizenship"],
  ApplyForResidencePermit: ['apply for', 'a residence permit'],
  DecideResidencePermit: ['decide', 'on a residence permit'],
  RecordVictimCooperation: ['record', 'victim cooperation'],
  IdentifyVictim: ['identify', 'a victim'],
  RecordProsecutorDecision: ['record', "a prosecutor's decision"],
  RecordChildRepresentative: ['record', "a child's guardian, special representative or god man"],
  RecordUnaccompanied: ['record', 'whether a child is unaccompanied'],
  OpenInvestigation: ['open', 'an investigation'],
  CloseInvestigation: ['close', 'an investigation'],
  InitiateProsecution: ['initiate', 'a prosecution'],
  RecordSentencingOutcome: ['record', 'a sentencing outcome'],
  RegisterEvidence: ['register', 'evidence'],
  TransferEvidence: ['transfer', 'evidence'],
  CloseCase: ['close', 'a case'],
  ReopenCase: ['reopen', 'a case'],
  RequireSocialServices: ['require', 'social services on a case'],
  EscalateReferral: ['escalate', 'a referral'],
};

const action = (type: CaseCommandType) => ACTIONS[type].join(' ');

/** Whether the issuer may issue the command on the case at all; throws NotFound / Forbidden / Conflict. */
export function authorise(cmd: CaseCommand, state: CaseState): void {
  const who = cmd.issuer.agencyId;
  const { kinds, standing } = COMMAND_PERMISSIONS[cmd.type];
  const ensureKind = () => {
    if (!kinds.includes(cmd.issuer.kind)) {
      throw new ForbiddenError(`only ${orList(kinds)} agencies may ${action(cmd.type)}; ${who} is ${cmd.issuer.kind}`, {
        rule: 'agency-kind',
        details: { agencyId: who, kind: cmd.issuer.kind, allowed: kinds },
      });
    }
  };
  if (cmd.type === 'OpenCase') {
    ensureKind();
    if (state.status !== 'none') {
      throw new ConflictError(`case ${cmd.caseId} already exists`, { rule: 'case-exists', details: { caseId: cmd.caseId } });
    }
  } else if (state.status === 'none' || (who !== SYSTEM_AGENCY_ID && cmd.issuer.kind !== 'auditor' && visibleTo(state, who) === 'none')) {
    // (Auditors read every case, so they are told plainly below that they may not act on it.)
    // An agency that may not see the case must not learn that it exists: same answer as for a missing one.
    throw new NotFoundError(`case ${cmd.caseId} was not found`, { rule: 'case-not-found', details: { caseId: cmd.caseId } });
  }
  ensureKind();
  ensureStanding(cmd, state, standing);
}

function ensureStanding(cmd: CaseCommand, state: CaseState, standing: Standing): void {
  const who = cmd.issuer.agencyId;
  const [verb] = ACTIONS[cmd.type];
  const refuse = (message: string) => {
    throw new ForbiddenError(message, { rule: `standing-${standing}`, details: { agencyId: who, standing } });
  };
  switch (standing) {
    case 'anyone':
      return;
    case 'system':
      if (who !== SYSTEM_AGENCY_ID) refuse(`only ${SYSTEM_AGENCY_ID} itself may ${action(cmd.type)}; ${who} may not`);
      return;
    case 'team':
      if (!onTeam(state, who)) refuse(`only the team of case ${cmd.caseId} may ${action(cmd.type)}; ${who} is not on it`);
      return;
    case 'lead-or-coordinator': {
      // A coordinator an unanswered referral was escalated to may step in, too: that is what escalation is for.
      const coordinator = cmd.issuer.kind === 'coordinator' && (onTeam(state, who) || escalatedTo(state, who));
      if (who !== state.leadAgency && !coordinator) {
        refuse(`only ${state.leadAgency}, the lead agency of case ${cmd.caseId}, or a coordinator on its team may ` + `${action(cmd.type)}; ${who} is neither`);
      }
      return;
    }
    case 'addressee': {
      const referral = findReferral(state, cmd.caseId, targetId(cmd, 'referralId'));
      if (referral.toAgency !== who) refuse(`referral ${referral.referralId} was addressed to ${referral.toAgency}; ${who} cannot ${verb} it`);
      return;
    }
    case 'referrer': {
      const referral = findReferral(state, cmd.caseId, targetId(cmd, 'referralId'));
      if (referral.fromAgency !== who) refuse(`referral ${referral.referralId} was made by ${referral.fromAgency}; ${who} cannot ${verb} it`);
      return;
    }
    case 'holder': {
      const evidence = findEvidence(state, cmd.caseId, targetId(cmd, 'evidenceId'));
      if (evidence.holder !== who) refuse(`evidence ${evidence.evidenceId} is held by ${evidence.holder}; ${who} cannot ${verb} it`);
      return;
    }
    default:
      assertNever(standing);
  }
}

/** The referral or evidence a command acts on, for standings that are relative to one. */
function targetId(cmd: CaseCommand, key: 'referralId' | 'evidenceId'): string {
  const id = (cmd as Partial<Record<typeof key, unknown>>)[key];
  // Only a mistake in COMMAND_PERMISSIONS gets here.
  if (typeof id !== 'string') throw new Error(`${cmd.type} carries no ${key}, yet its standing needs one`);
  return id;
}
