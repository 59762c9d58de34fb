import { AgencyKind } from '../agencies/agency';
import { CaseCommandType } from './case.model';

/**
 * The standing an agency needs on the case to issue a command:
 * - `anyone`: any registered agency (opening a case);
 * - `team`: on the case's team;
 * - `lead`: the agency that leads the case;
 * - `lead-or-coordinator`: the lead, or a coordinator on the team;
 * - `addressee`: the agency an open referral is addressed to;
 * - `referrer`: the agency that made the referral;
 * - `holder`: the agency that holds the piece of evidence;
 * - `system`: only the service's own process managers.
 */
export type Standing = 'anyone' | 'team' | 'lead' | 'lead-or-coordinator' | 'addressee' | 'referrer' | 'holder' | 'system';

export interface CommandPermission {
  /** Agency kinds that may issue the command at all; `any` for every kind. */
  readonly kinds: readonly AgencyKind[] | 'any';
  readonly standing: Standing;
}

/** Who may issue which command: the one table the decider and the tests read. */
export const COMMAND_PERMISSIONS: Readonly<Record<CaseCommandType, CommandPermission>> = {
  OpenCase: { kinds: 'any', standing: 'anyone' },
  AddAgencyToCase: { kinds: 'any', standing: 'lead-or-coordinator' },
  RemoveAgencyFromCase: { kinds: 'any', standing: 'lead-or-coordinator' },
  ReferCase: { kinds: 'any', standing: 'team' },
  AcceptReferral: { kinds: 'any', standing: 'addressee' },
  DeclineReferral: { kinds: 'any', standing: 'addressee' },
  WithdrawReferral: { kinds: 'any', standing: 'referrer' },
  RecordSupport: { kinds: 'any', standing: 'team' },
  RecordConsent: { kinds: 'any', standing: 'team' },
  GrantReflectionPeriod: { kinds: ['migration'], standing: 'team' },
  DecideResidencePermit: { kinds: ['migration'], standing: 'team' },
  RecordVictimCooperation: { kinds: 'any', standing: 'team' },
  OpenInvestigation: { kinds: ['police', 'prosecution'], standing: 'team' },
  CloseInvestigation: { kinds: ['police', 'prosecution'], standing: 'team' },
  InitiateProsecution: { kinds: ['prosecution'], standing: 'team' },
  RecordSentencingOutcome: { kinds: ['prosecution'], standing: 'team' },
  RegisterEvidence: { kinds: 'any', standing: 'team' },
  TransferEvidence: { kinds: 'any', standing: 'holder' },
  CloseCase: { kinds: 'any', standing: 'lead' },
  ReopenCase: { kinds: 'any', standing: 'lead' },
  RequireSocialServices: { kinds: 'any', standing: 'system' },
  EscalateReferral: { kinds: 'any', standing: 'system' },
};
