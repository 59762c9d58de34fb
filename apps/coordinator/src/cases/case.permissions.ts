import { AgencyKind, CASE_AUTHORITY_KINDS, OPERATIONAL_KINDS } from '../agencies/agency';
import { CaseCommandType, InvestigationOutcome, SupportKind } from './case.model';

/**
 * The standing an agency needs on the case to issue a command:
 * - `anyone`: any registered agency (opening a case);
 * - `team`: on the case's team;
 * - `lead-or-coordinator`: the lead, or a coordinator on the team;
 * - `addressee`: the agency an open referral is addressed to;
 * - `referrer`: the agency that made the referral;
 * - `holder`: the agency that holds the piece of evidence;
 * - `system`: only the service's own process managers.
 */
export type Standing = 'anyone' | 'team' | 'lead-or-coordinator' | 'addressee' | 'referrer' | 'holder' | 'system';

export interface CommandPermission {
  /** Agency kinds that may issue the command at all. */
  readonly kinds: readonly AgencyKind[];
  readonly standing: Standing;
}

/** Every kind that acts on cases; auditors only read. */
const ANY = OPERATIONAL_KINDS;
/** The authorities that meet the person and open cases; those brought in for a part do not. */
const AUTHORITIES = CASE_AUTHORITY_KINDS;
/** Who gives support of some kind: all but the chief guardian and the method support, who give none. */
const SUPPORTERS = OPERATIONAL_KINDS.filter((kind) => kind !== 'chief-guardian' && kind !== 'method-support');

/** Who may issue which command: the one table the decider and the tests read. */
export const COMMAND_PERMISSIONS: Readonly<Record<CaseCommandType, CommandPermission>> = {
  OpenCase: { kinds: AUTHORITIES, standing: 'anyone' },
  AddAgencyToCase: { kinds: ANY, standing: 'lead-or-coordinator' },
  RemoveAgencyFromCase: { kinds: ANY, standing: 'lead-or-coordinator' },
  ReferCase: { kinds: ANY, standing: 'team' },
  AcceptReferral: { kinds: ANY, standing: 'addressee' },
  DeclineReferral: { kinds: ANY, standing: 'addressee' },
  WithdrawReferral: { kinds: ANY, standing: 'referrer' },
  RecordSupport: { kinds: SUPPORTERS, standing: 'team' },
  // Consent is recorded by the authority that met the person and asked: social services, the police or health care.
  RecordConsent: { kinds: ['police', 'social-services', 'health-care'], standing: 'team' },
  // Applied for by the head of the preliminary investigation (police or prosecutor) or, since 1 August 2022,
  // social services; decided and extended by the Migration Agency (utlänningslagen 5 kap. 15 §).
  ApplyForReflectionPeriod: { kinds: ['police', 'prosecution', 'social-services'], standing: 'team' },
  DecideReflectionPeriod: { kinds: ['migration'], standing: 'team' },
  ExtendReflectionPeriod: { kinds: ['migration'], standing: 'team' },
  // Citizenship is learnt by the agencies that meet the person, and by the Migration Agency.
  RecordCitizenship: { kinds: ['police', 'migration', 'social-services'], standing: 'team' },
  // Applied for by the head of the preliminary investigation (utlänningslagen 5 kap. 15 § första stycket).
  ApplyForResidencePermit: { kinds: ['police', 'prosecution'], standing: 'team' },
  DecideResidencePermit: { kinds: ['migration'], standing: 'team' },
  // Law enforcement records the victim's cooperation with it; the welfare side may not even see it (case.access.ts),
  // and a refusal of a second recording would tell it what was recorded.
  RecordVictimCooperation: { kinds: ['police', 'prosecution'], standing: 'team' },
  // Any authority on the case that meets the person may identify a presumed victim as one.
  IdentifyVictim: { kinds: AUTHORITIES, standing: 'team' },
  // A child's representatives and whether it came alone are social services' and the Migration Agency's to know
  // and record, and the chief guardian's, who appoints the god man on their request.
  RecordChildRepresentative: { kinds: ['social-services', 'migration', 'chief-guardian'], standing: 'team' },
  RecordUnaccompanied: { kinds: ['social-services', 'migration', 'police'], standing: 'team' },
  OpenInvestigation: { kinds: ['police', 'prosecution'], standing: 'team' },
  CloseInvestigation: { kinds: ['police', 'prosecution'], standing: 'team' },
  InitiateProsecution: { kinds: ['prosecution'], standing: 'team' },
  RecordProsecutorDecision: { kinds: ['prosecution'], standing: 'team' },
  RecordSentencingOutcome: { kinds: ['prosecution'], standing: 'team' },
  // The chain of custody is kept between authorities.
  RegisterEvidence: { kinds: AUTHORITIES, standing: 'team' },
  TransferEvidence: { kinds: AUTHORITIES, standing: 'holder' },
  // Each agency closes its own part (a coordinator may close the whole case); reopening a closed case is the
  // lead's or a coordinator's, reopening one's own part any member's (case.decider.ts closeCase, reopenCase).
  CloseCase: { kinds: ANY, standing: 'team' },
  ReopenCase: { kinds: ANY, standing: 'team' },
  RequireSocialServices: { kinds: ANY, standing: 'system' },
  EscalateReferral: { kinds: ANY, standing: 'system' },
};

/**
 * Facts that only some kinds of agency may record, within a command the others may issue: what each kind's
 * own law gives it. A kind of support or an outcome not named here may be recorded by any kind the command's
 * permission allows.
 */
export const RECORDED_ONLY_BY: {
  readonly support: Readonly<Partial<Record<SupportKind, readonly AgencyKind[]>>>;
  readonly investigationOutcome: Readonly<Partial<Record<InvestigationOutcome, readonly AgencyKind[]>>>;
} = {
  support: {
    // Health and psychological care are given and recorded by those who give them (socialtjänstlagen,
    // hälso- och sjukvårdslagen), never by the police or the Migration Agency.
    'health-care': ['social-services', 'health-care'],
    psychological: ['social-services', 'health-care'],
    // Financial aid comes from social services (ekonomiskt bistånd) or the Migration Agency (dagersättning).
    'financial-aid': ['social-services', 'migration'],
  },
  investigationOutcome: {
    // Whether to prosecute is the prosecutor's decision (rättegångsbalken 20 kap.); the police hand an
    // investigation over to the prosecutor instead.
    'charges-filed': ['prosecution'],
  },
};
