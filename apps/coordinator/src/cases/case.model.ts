import type { EncryptedField } from '@samverkan/vault';
import { AgencyKind, Issuer } from '../agencies/agency';

/**
 * Free text (a summary, a reason, a description): where a person's identity leaks. Since version 2 of its
 * event it is stored encrypted under the key of the case's subject, so that erasing the subject erases it;
 * events of version 1 hold it in clear. A command carries it in clear until the case service encrypts it.
 */
export type Text = string | EncryptedField;

// ---------------------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------------------

export const SUBJECT_CATEGORIES = ['victim', 'sex-seller', 'sex-buyer', 'relative-of-victim', 'relative-of-sex-seller', 'relative-of-sex-buyer'] as const;
export type SubjectCategory = (typeof SUBJECT_CATEGORIES)[number];

/**
 * EU and EEA states and Switzerland (ISO 3166-1 alpha-2), whose citizens have a right of residence in Sweden
 * (uppehållsrätt, utlänningslagen 3 a kap.); Sweden's own are listed apart. A permit under utlänningslagen
 * 5 kap. 15 § is for the others, third-country nationals.
 */
export const EU_EEA_SWISS = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'IS',
  'LI',
  'NO',
  'CH',
] as const;
export const CITIZENSHIP_GROUPS = ['swedish', 'eu-eea', 'third-country', 'stateless'] as const;
export type CitizenshipGroup = (typeof CITIZENSHIP_GROUPS)[number];

/** Which group a citizenship (ISO 3166-1 alpha-2, or `stateless`) belongs to. */
export function citizenshipGroup(citizenship: string): CitizenshipGroup {
  if (citizenship === 'SE') return 'swedish';
  if (citizenship === 'stateless') return 'stateless';
  return (EU_EEA_SWISS as readonly string[]).includes(citizenship) ? 'eu-eea' : 'third-country';
}

export const AGE_GROUPS = ['child', 'adult', 'unknown'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];

/**
 * Whether every rule for children applies to a subject: a child, or one whose age is not known, who is
 * presumed a child until shown otherwise (Directive 2011/36/EU, article 13.2).
 */
export function presumedChild(subject: { readonly ageGroup: AgeGroup } | null | undefined): boolean {
  return subject?.ageGroup === 'child' || subject?.ageGroup === 'unknown';
}

export const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

export const ORIGIN_REGIONS = ['sweden', 'baltic', 'eastern-europe', 'west-africa', 'other', 'unknown'] as const;
export type OriginRegion = (typeof ORIGIN_REGIONS)[number];

/** The regions the figures count origin by, for the countries each holds (ISO 3166-1 alpha-2); any other is `other`. */
const REGION_OF_COUNTRY: Readonly<Record<Exclude<OriginRegion, 'other' | 'unknown'>, readonly string[]>> = {
  sweden: ['SE'],
  baltic: ['EE', 'LV', 'LT'],
  'eastern-europe': ['AL', 'BA', 'BG', 'BY', 'CZ', 'HU', 'MD', 'ME', 'MK', 'PL', 'RO', 'RS', 'RU', 'SK', 'UA', 'XK'],
  'west-africa': ['BF', 'BJ', 'CI', 'CV', 'GH', 'GM', 'GN', 'GW', 'LR', 'ML', 'MR', 'NE', 'NG', 'SL', 'SN', 'TG'],
};

/** The region of a country of origin (ISO 3166-1 alpha-2), as the figures count it. */
export function originRegionOf(country: string): OriginRegion {
  const found = Object.entries(REGION_OF_COUNTRY).find(([, countries]) => countries.includes(country));
  return (found?.[0] as OriginRegion | undefined) ?? 'other';
}

export const EXPLOITATION_FORMS = ['sexual-exploitation', 'forced-labour', 'begging', 'criminal-activity', 'organ-removal', 'other'] as const;
export type ExploitationForm = (typeof EXPLOITATION_FORMS)[number];

export const URGENCIES = ['routine', 'urgent', 'immediate'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const SUPPORT_KINDS = [
  'health-care',
  'psychological',
  'shelter',
  'protection',
  'legal-counsel',
  'counselling-individual',
  'counselling-group',
  'outreach',
  'return-assistance',
  'interpreter',
  'financial-aid',
  'education',
] as const;
export type SupportKind = (typeof SUPPORT_KINDS)[number];

export const COOPERATION_STATUSES = ['willing', 'statement-given', 'declined', 'withdrawn'] as const;
export type CooperationStatus = (typeof COOPERATION_STATUSES)[number];

/**
 * How a preliminary investigation ends: `handed-to-prosecutor` when the police hand it over for a decision on
 * prosecution, `charges-filed` when the prosecutor has decided to prosecute, or it is discontinued.
 */
export const INVESTIGATION_OUTCOMES = ['handed-to-prosecutor', 'charges-filed', 'discontinued', 'no-crime-established'] as const;
export type InvestigationOutcome = (typeof INVESTIGATION_OUTCOMES)[number];

export const OFFENCES = [
  'trafficking-in-human-beings',
  'attempted-trafficking-in-human-beings',
  'procuring',
  'gross-procuring',
  'purchase-of-sexual-service',
  'purchase-of-sexual-act-from-child',
  'human-exploitation',
  // Grov människoexploatering (brottsbalken 4 kap. 1 b § andra stycket) and förberedelse till människohandel
  // (4 kap. 10 §).
  'gross-human-exploitation',
  'preparation-for-trafficking-in-human-beings',
] as const;
export type Offence = (typeof OFFENCES)[number];

/**
 * `dismissed`: the court wrote the case off (avskrivning) after the prosecutor withdrew the charge against the
 * defendant (rättegångsbalken 20 kap. 9 §); like an acquittal it is of what was charged and carries no sanction.
 */
export const VERDICTS = ['convicted', 'acquitted', 'dismissed'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const SENTENCE_KINDS = ['prison', 'fine', 'probation', 'suspended'] as const;
export type SentenceKind = (typeof SENTENCE_KINDS)[number];

/**
 * How the person came into contact with the agencies: met by outreach work (uppsökande arbete, on the street, in
 * hotels, online), or came or was referred to an agency. The figures count people by it.
 */
export const CONTACT_TYPES = ['outreach', 'referral'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

/**
 * What a person may consent to having shared beyond the agencies whose mandate already covers it (OSL 12 kap.
 * 2 §: secrecy that protects a person can be waived by that person). Each scope is read by rows of the access
 * table (case.access.ts); a scope no row reads would be a promise the record does not keep, so there is none.
 */
export const CONSENT_SCOPES = [
  'share-with-migration',
  'share-with-social-services',
  'share-health-details',
  'share-with-health-care',
  'share-with-ngo',
  'share-with-counsel',
] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

/** Who gave or withdrew consent: the person, or for a child the guardian (OSL 12 kap. 3 §). */
export const CONSENT_GIVERS = ['person', 'guardian'] as const;
export type ConsentGiver = (typeof CONSENT_GIVERS)[number];

export interface Subject {
  /** Pseudonymous; identifying details never enter an event. */
  readonly subjectId: string;
  readonly category: SubjectCategory;
  readonly ageGroup: AgeGroup;
  readonly gender: Gender | null;
  readonly originRegion: OriginRegion | null;
  /** Country of origin (ISO 3166-1 alpha-2), where known; the region is derived from it. Null in cases opened before it was recorded. */
  readonly originCountry: string | null;
  /**
   * The municipality the subject lives or stays in, where it is not the case's: a child is referred to its social
   * services (socialtjänstlagen: the municipality the child stays in). Null: the case's. Null in cases opened before.
   */
  readonly municipality: string | null;
}

export interface Sentence {
  readonly kind: SentenceKind;
  readonly months: number | null;
}

/** A person charged in a prosecution, by their person record (POST /persons), and what they are charged with. */
export interface Defendant {
  readonly defendantId: string;
  readonly charges: readonly Offence[];
}

/**
 * Person records a command names besides the subject (defendants, a suspect, a child's representative), as the
 * service found them before the command was decided: the ids of those not there. Absent or empty: all found.
 */
interface NamesPersons {
  readonly personsNotFound?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------
// Commands: what an agency (or the service itself) asks for. Ids and time come in on the command.
// ---------------------------------------------------------------------------------------------------------

interface CommandBase {
  readonly caseId: string;
  readonly issuer: Issuer;
  /** When the service received the command (ISO 8601); the decider's only notion of now. */
  readonly at: string;
}

export type OpenCase = CommandBase & {
  readonly type: 'OpenCase';
  readonly subject: Subject;
  /**
   * Whether the subject is a person record the case is opened about (looked up): null when the case names no
   * person record (its subject id is minted for it alone), false when the record named is not there.
   */
  readonly personRecorded: boolean | null;
  /** The municipality (kommun) the case belongs to, by its id in the registry; its coordinator is the case's. */
  readonly city: string;
  readonly exploitation: ExploitationForm | null;
  readonly contact: ContactType | null;
  readonly summary: Text | null;
};
export type AddAgencyToCase = CommandBase & {
  readonly type: 'AddAgencyToCase';
  readonly agency: Issuer;
  readonly reason: Text;
};
export type RemoveAgencyFromCase = CommandBase & {
  readonly type: 'RemoveAgencyFromCase';
  readonly agencyId: string;
  readonly reason: Text;
};
export type ReferCase = CommandBase & {
  readonly type: 'ReferCase';
  readonly referralId: string;
  readonly to: Issuer;
  readonly reason: Text;
  readonly urgency: Urgency;
  readonly dueBy: string | null;
};
export type AcceptReferral = CommandBase & { readonly type: 'AcceptReferral'; readonly referralId: string };
export type DeclineReferral = CommandBase & {
  readonly type: 'DeclineReferral';
  readonly referralId: string;
  readonly reason: Text;
};
export type WithdrawReferral = CommandBase & { readonly type: 'WithdrawReferral'; readonly referralId: string };
export type RecordSupport = CommandBase & {
  readonly type: 'RecordSupport';
  readonly supportId: string;
  readonly kind: SupportKind;
  readonly providedOn: string;
};
export type RecordConsent = CommandBase & {
  readonly type: 'RecordConsent';
  readonly scope: ConsentScope;
  /** Given (true) or withdrawn (false). */
  readonly given: boolean;
  readonly by: ConsentGiver;
  /** The day it was given or withdrawn (YYYY-MM-DD). */
  readonly on: string;
};
/**
 * A reflection period (betänketid, utlänningslagen 5 kap. 15 § andra stycket) is applied for by the head of
 * the preliminary investigation (police or prosecutor) or, since 1 August 2022, the municipal social welfare
 * board; no investigation is needed for it.
 */
export type ApplyForReflectionPeriod = CommandBase & { readonly type: 'ApplyForReflectionPeriod'; readonly applicationId: string };
/** The Migration Agency decides the pending application: granted, the period is 30 days from the decision. */
export type DecideReflectionPeriod = CommandBase & { readonly type: 'DecideReflectionPeriod'; readonly granted: boolean };
/** Extended only on request, for special reasons, which are recorded. */
export type ExtendReflectionPeriod = CommandBase & { readonly type: 'ExtendReflectionPeriod'; readonly until: string; readonly reason: Text };
/** The subject's citizenship as an agency learnt it: ISO 3166-1 alpha-2, or `stateless`. */
export type RecordCitizenship = CommandBase & { readonly type: 'RecordCitizenship'; readonly citizenship: string };
/**
 * A residence permit for a victim or witness (utlänningslagen 5 kap. 15 § första stycket) is applied for by
 * the head of the preliminary investigation, who states the three conditions: the investigation or trial
 * needs the person here, the person clearly wants to cooperate, and has broken ties with the suspects.
 */
export type ApplyForResidencePermit = CommandBase & {
  readonly type: 'ApplyForResidencePermit';
  readonly applicationId: string;
  readonly presenceNeeded: boolean;
  readonly willToCooperate: boolean;
  readonly tiesBroken: boolean;
};
export type DecideResidencePermit = CommandBase & {
  readonly type: 'DecideResidencePermit';
  readonly granted: boolean;
  readonly until: string | null;
};
/**
 * Who acts for a child besides, or instead of, its parents: a guardian (vårdnadshavare), a special
 * representative appointed by the court where a guardian is suspected (särskild företrädare för barn, lag
 * 1999:997), or a god man appointed for an unaccompanied child (lag 2005:429).
 */
export const CHILD_REPRESENTATIVE_ROLES = ['guardian', 'special-representative', 'god-man'] as const;
export type ChildRepresentativeRole = (typeof CHILD_REPRESENTATIVE_ROLES)[number];
export type RecordChildRepresentative = CommandBase &
  NamesPersons & {
    readonly type: 'RecordChildRepresentative';
    readonly role: ChildRepresentativeRole;
    /** The representative's person record (POST /persons), where one is kept. */
    readonly personId: string | null;
    readonly appointedOn: string;
  };
/** Whether the child is in Sweden without a parent or anyone who has taken a parent's place. */
export type RecordUnaccompanied = CommandBase & { readonly type: 'RecordUnaccompanied'; readonly unaccompanied: boolean };
/** A presumed victim is identified as a victim of trafficking (the day it was done). */
export type IdentifyVictim = CommandBase & { readonly type: 'IdentifyVictim'; readonly on: string };
export type RecordVictimCooperation = CommandBase & {
  readonly type: 'RecordVictimCooperation';
  readonly status: CooperationStatus;
};
export type OpenInvestigation = CommandBase & {
  readonly type: 'OpenInvestigation';
  readonly investigationId: string;
  readonly reference: string;
};
export type CloseInvestigation = CommandBase & {
  readonly type: 'CloseInvestigation';
  readonly investigationId: string;
  readonly outcome: InvestigationOutcome;
};
/**
 * How a prosecutor may end a matter without a trial: a summary penalty order (strafföreläggande, rättegångsbalken
 * 48 kap.), accepted by the suspect, of a fine or a suspended sentence; or a waiver of prosecution
 * (åtalsunderlåtelse, 20 kap. 7 §).
 */
export const PROSECUTOR_DECISIONS = ['summary-penalty-order', 'waiver-of-prosecution'] as const;
export type ProsecutorDecision = (typeof PROSECUTOR_DECISIONS)[number];
export type RecordProsecutorDecision = CommandBase &
  NamesPersons & {
    readonly type: 'RecordProsecutorDecision';
    readonly decision: ProsecutorDecision;
    /** The suspect the decision is about, by their person record. */
    readonly suspectId: string;
    readonly offences: readonly Offence[];
    /** For a summary penalty order: a fine or a suspended sentence; none for a waiver. */
    readonly sentence: Sentence | null;
    readonly decidedOn: string;
  };
/** A prosecution (åtal) of one or more defendants, each on their own charges. */
export type InitiateProsecution = CommandBase &
  NamesPersons & {
    readonly type: 'InitiateProsecution';
    readonly defendants: readonly Defendant[];
  };
/** The court's judgment on one defendant; null names the prosecution's only defendant. */
export type RecordSentencingOutcome = CommandBase & {
  readonly type: 'RecordSentencingOutcome';
  readonly defendantId: string | null;
  readonly court: string;
  readonly verdict: Verdict;
  readonly offences: readonly Offence[];
  readonly sentence: Sentence | null;
  readonly expulsion: boolean;
  readonly damagesToVictimSek: number | null;
  readonly appealed: boolean;
  readonly decidedOn: string;
};
export type RegisterEvidence = CommandBase & {
  readonly type: 'RegisterEvidence';
  readonly evidenceId: string;
  readonly description: Text;
  readonly contentSha256: string | null;
};
export type TransferEvidence = CommandBase & {
  readonly type: 'TransferEvidence';
  readonly evidenceId: string;
  readonly toAgencyId: string;
  readonly reason: Text;
};
/**
 * An agency closes its part of the case; the case closes when every part on the team is closed. A
 * coordinator may close the whole case at once (`wholeCase`), with its reason.
 */
export type CloseCase = CommandBase & { readonly type: 'CloseCase'; readonly outcome: Text; readonly wholeCase: boolean };
export type ReopenCase = CommandBase & { readonly type: 'ReopenCase'; readonly reason: Text };
/** Issued by the child-protection process manager: a child subject needs social services on the team. */
export type RequireSocialServices = CommandBase & {
  readonly type: 'RequireSocialServices';
  readonly referralId: string;
  readonly socialServices: Issuer;
  /** The coordinator of the case's region: told at once when social services declined the referral before. */
  readonly coordinator: Issuer;
  /** When the referral is escalated if social services have not answered it. */
  readonly dueBy: string | null;
};
/** Issued by the escalation process manager when a referral's due time has passed. */
export type EscalateReferral = CommandBase & {
  readonly type: 'EscalateReferral';
  readonly referralId: string;
  readonly coordinator: Issuer;
};

export type CaseCommand =
  | OpenCase
  | AddAgencyToCase
  | RemoveAgencyFromCase
  | ReferCase
  | AcceptReferral
  | DeclineReferral
  | WithdrawReferral
  | RecordSupport
  | RecordConsent
  | ApplyForReflectionPeriod
  | DecideReflectionPeriod
  | ExtendReflectionPeriod
  | RecordCitizenship
  | ApplyForResidencePermit
  | DecideResidencePermit
  | RecordVictimCooperation
  | IdentifyVictim
  | RecordChildRepresentative
  | RecordUnaccompanied
  | OpenInvestigation
  | CloseInvestigation
  | InitiateProsecution
  | RecordProsecutorDecision
  | RecordSentencingOutcome
  | RegisterEvidence
  | TransferEvidence
  | CloseCase
  | ReopenCase
  | RequireSocialServices
  | EscalateReferral;

export type CaseCommandType = CaseCommand['type'];

// ---------------------------------------------------------------------------------------------------------
// Events: what happened. Data carries every fact a fold needs; optional facts are null, never absent.
// ---------------------------------------------------------------------------------------------------------

type Ev<T extends string, D> = { readonly type: T; readonly data: D };

export type CaseOpened = Ev<
  'CaseOpened',
  {
    caseId: string;
    subject: Subject;
    city: string;
    exploitation: ExploitationForm | null;
    /** Null where not recorded, and in cases opened before version 5. */
    contact: ContactType | null;
    summary: Text | null;
    leadAgency: string;
    leadAgencyKind: AgencyKind;
    openedAt: string;
  }
>;
export type AgencyJoinedCase = Ev<
  'AgencyJoinedCase',
  { agencyId: string; agencyKind: AgencyKind; via: 'opened' | 'referral' | 'added'; referralId: string | null; reason: Text | null; addedBy: string }
>;
export type AgencyLeftCase = Ev<'AgencyLeftCase', { agencyId: string; reason: Text; removedBy: string }>;
export type CaseReferred = Ev<
  'CaseReferred',
  {
    referralId: string;
    fromAgency: string;
    toAgency: string;
    toAgencyKind: AgencyKind;
    reason: Text;
    urgency: Urgency;
    dueBy: string | null;
    /** True when the service referred the case on its own (child protection). */
    automatic: boolean;
  }
>;
export type ReferralAccepted = Ev<'ReferralAccepted', { referralId: string; agencyId: string }>;
export type ReferralDeclined = Ev<'ReferralDeclined', { referralId: string; agencyId: string; reason: Text }>;
export type ReferralWithdrawn = Ev<'ReferralWithdrawn', { referralId: string; agencyId: string }>;
export type ReferralEscalated = Ev<'ReferralEscalated', { referralId: string; toAgency: string; coordinator: string; dueBy: string; escalatedAt: string }>;
export type SupportProvided = Ev<'SupportProvided', { supportId: string; kind: SupportKind; providedOn: string; providedBy: string }>;
/**
 * Version 2; version 1 (`{scope, recordedBy}`) is upcast in case.upcast.ts. `scope` is a string, not a
 * ConsentScope: version 1 took any name, and such a scope stays in the record though it grants nothing.
 * `givenBy`/`givenOn` are null only for version 1 events, which did not record them.
 */
export type ConsentGiven = Ev<'ConsentGiven', { scope: string; givenBy: ConsentGiver | null; givenOn: string | null; recordedBy: string }>;
/** Version 2, as ConsentGiven. */
export type ConsentWithdrawn = Ev<'ConsentWithdrawn', { scope: string; withdrawnBy: ConsentGiver | null; withdrawnOn: string | null; recordedBy: string }>;
/** Written before reflection periods were applied for and decided; read as a period granted until `until`. */
export type ReflectionPeriodGranted = Ev<'ReflectionPeriodGranted', { until: string; grantedBy: string }>;
export type ReflectionPeriodApplied = Ev<'ReflectionPeriodApplied', { applicationId: string; appliedBy: string; applicantKind: AgencyKind }>;
/** `from` and `until` are days (YYYY-MM-DD): the decision day and 30 days after it; null when refused. */
export type ReflectionPeriodDecided = Ev<
  'ReflectionPeriodDecided',
  { applicationId: string; granted: boolean; from: string | null; until: string | null; decidedBy: string }
>;
export type ReflectionPeriodExtended = Ev<'ReflectionPeriodExtended', { until: string; reason: Text; extendedBy: string }>;
export type SubjectCitizenshipRecorded = Ev<'SubjectCitizenshipRecorded', { citizenship: string; group: CitizenshipGroup; recordedBy: string }>;
export type ResidencePermitApplied = Ev<
  'ResidencePermitApplied',
  { applicationId: string; appliedBy: string; presenceNeeded: boolean; willToCooperate: boolean; tiesBroken: boolean }
>;
export type ResidencePermitDecided = Ev<'ResidencePermitDecided', { granted: boolean; until: string | null; decidedBy: string }>;
/** Version 2; version 1 named no suspect, which it reads as unknown (null) in case.upcast.ts. */
export type ProsecutorDecisionRecorded = Ev<
  'ProsecutorDecisionRecorded',
  { decision: ProsecutorDecision; suspectId: string | null; offences: Offence[]; sentence: Sentence | null; decidedOn: string; recordedBy: string }
>;
export type VictimIdentified = Ev<'VictimIdentified', { identifiedBy: string; on: string }>;
export type ChildRepresentativeRecorded = Ev<
  'ChildRepresentativeRecorded',
  { role: ChildRepresentativeRole; personId: string | null; appointedOn: string; recordedBy: string }
>;
export type ChildUnaccompaniedRecorded = Ev<'ChildUnaccompaniedRecorded', { unaccompanied: boolean; recordedBy: string }>;
export type VictimCooperationRecorded = Ev<'VictimCooperationRecorded', { status: CooperationStatus; recordedBy: string }>;
export type InvestigationOpened = Ev<'InvestigationOpened', { investigationId: string; reference: string; openedBy: string }>;
export type InvestigationClosed = Ev<'InvestigationClosed', { investigationId: string; outcome: InvestigationOutcome; closedBy: string }>;
/**
 * Version 2; version 1 charged no named person (`{ charges, initiatedBy }`), which it reads as one defendant
 * whose record is unknown (null) in case.upcast.ts.
 */
export type ProsecutionInitiated = Ev<'ProsecutionInitiated', { defendants: { defendantId: string | null; charges: Offence[] }[]; initiatedBy: string }>;
/**
 * Version 3, one judgment per defendant; version 2 named no defendant (null: the prosecution's only one), and
 * version 1 had neither `expulsion` nor `damagesToVictimSek` either (null: unknown), read in case.upcast.ts.
 * `offences` are those the court convicted of, which may be others than charged.
 */
export type SentencingOutcomeRecorded = Ev<
  'SentencingOutcomeRecorded',
  {
    defendantId: string | null;
    court: string;
    verdict: Verdict;
    offences: Offence[];
    sentence: Sentence | null;
    /** Expelled on account of the crime (utlänningslagen 8 a kap.); null where not recorded. */
    expulsion: boolean | null;
    /** Damages the court awarded the victim, in kronor; null where none or not recorded. */
    damagesToVictimSek: number | null;
    appealed: boolean;
    decidedOn: string;
    recordedBy: string;
  }
>;
export type EvidenceRegistered = Ev<'EvidenceRegistered', { evidenceId: string; description: Text; contentSha256: string | null; holder: string }>;
export type EvidenceTransferred = Ev<'EvidenceTransferred', { evidenceId: string; fromAgency: string; toAgency: string; reason: Text }>;
export type CaseClosed = Ev<'CaseClosed', { outcome: Text; closedBy: string }>;
/** An agency has done its part; the others go on. */
export type AgencyPartClosed = Ev<'AgencyPartClosed', { agencyId: string; outcome: Text }>;
/** An agency takes up its part again, on a case that is still open. */
export type AgencyPartReopened = Ev<'AgencyPartReopened', { agencyId: string; reason: Text }>;
export type CaseReopened = Ev<'CaseReopened', { reason: Text; reopenedBy: string }>;

export type CaseEvent =
  | CaseOpened
  | AgencyJoinedCase
  | AgencyLeftCase
  | CaseReferred
  | ReferralAccepted
  | ReferralDeclined
  | ReferralWithdrawn
  | ReferralEscalated
  | SupportProvided
  | ConsentGiven
  | ConsentWithdrawn
  | ReflectionPeriodGranted
  | ReflectionPeriodApplied
  | ReflectionPeriodDecided
  | ReflectionPeriodExtended
  | SubjectCitizenshipRecorded
  | ResidencePermitApplied
  | ResidencePermitDecided
  | VictimCooperationRecorded
  | VictimIdentified
  | ProsecutorDecisionRecorded
  | ChildRepresentativeRecorded
  | ChildUnaccompaniedRecorded
  | InvestigationOpened
  | InvestigationClosed
  | ProsecutionInitiated
  | SentencingOutcomeRecorded
  | EvidenceRegistered
  | EvidenceTransferred
  | CaseClosed
  | CaseReopened
  | AgencyPartClosed
  | AgencyPartReopened;

export type CaseEventType = CaseEvent['type'];

// ---------------------------------------------------------------------------------------------------------
// State: the fold of a case's events. Plain JSON, so it also serves as the case summary.
// ---------------------------------------------------------------------------------------------------------

export interface TeamMember {
  readonly agencyId: string;
  readonly kind: AgencyKind;
  readonly via: 'opened' | 'referral' | 'added';
}

export interface Referral {
  readonly referralId: string;
  readonly fromAgency: string;
  readonly toAgency: string;
  readonly toAgencyKind: AgencyKind;
  readonly reason: Text;
  readonly urgency: Urgency;
  readonly dueBy: string | null;
  readonly automatic: boolean;
  readonly status: 'open' | 'accepted' | 'declined' | 'withdrawn';
  /** Coordinator the referral was escalated to when it went unanswered past `dueBy`. */
  readonly escalatedTo: string | null;
}

export interface Investigation {
  readonly investigationId: string;
  readonly reference: string;
  readonly openedBy: string;
  readonly status: 'open' | 'closed';
  readonly outcome: InvestigationOutcome | null;
}

export interface Evidence {
  readonly evidenceId: string;
  readonly description: Text;
  readonly contentSha256: string | null;
  readonly holder: string;
  /** The agency that registered it: it may always see its own description. */
  readonly registeredBy: string;
}

export interface SentencingOutcome {
  readonly defendantId: string | null;
  readonly court: string;
  readonly verdict: Verdict;
  readonly offences: Offence[];
  readonly sentence: Sentence | null;
  readonly expulsion: boolean | null;
  readonly damagesToVictimSek: number | null;
  readonly appealed: boolean;
  readonly decidedOn: string;
}

/** Support of one kind, as counts: care and other support are shown to different readers. */
export interface SupportOfKind {
  readonly count: number;
  /** Agencies that gave support of this kind, in the order they first did. */
  readonly providers: readonly string[];
  readonly firstProvidedOn: string;
  readonly lastProvidedOn: string;
}

/** Consent in force for a scope. */
export interface Consent {
  readonly scope: string;
  readonly givenBy: ConsentGiver | null;
  readonly givenOn: string | null;
  readonly recordedBy: string;
}

/** A defendant of the latest prosecution, and whether a court has judged them since. */
export interface ProsecutedDefendant {
  readonly defendantId: string | null;
  readonly charges: Offence[];
  readonly judged: boolean;
}

export interface CaseState {
  readonly status: 'none' | 'open' | 'closed';
  readonly caseId: string | null;
  readonly subject: Subject | null;
  /** The municipality (kommun) the case belongs to, by its id in the registry. */
  readonly city: string | null;
  readonly exploitation: ExploitationForm | null;
  /** How the person came into contact (outreach or referral); null where not recorded. */
  readonly contact: ContactType | null;
  readonly summary: Text | null;
  readonly openedAt: string | null;
  readonly leadAgency: string | null;
  /** Current members, in the order they joined. */
  readonly team: readonly TeamMember[];
  /** Every referral ever made, in the order made. */
  readonly referrals: readonly Referral[];
  /**
   * Support given, as counts: a long case holds thousands of support events, and folding them into a list
   * would make every replay quadratic. The timeline has each one.
   */
  readonly support: Readonly<Partial<Record<SupportKind, SupportOfKind>>>;
  /** Consent in force, one per scope, in the order given. */
  readonly consents: readonly Consent[];
  readonly reflectionPeriodUntil: string | null;
  /** The last application for a reflection period, and what became of it. */
  /** A victim is presumed one until identified (null for a subject who is not a victim). */
  readonly victimStatus: 'presumed' | 'identified' | null;
  /** For a child: who acts for it, each role once (a later appointment replaces the earlier), and whether it is unaccompanied. */
  readonly childRepresentatives: readonly { readonly role: ChildRepresentativeRole; readonly personId: string | null; readonly appointedOn: string }[];
  readonly unaccompanied: boolean | null;
  /** The subject's citizenship, once an agency recorded it. */
  readonly citizenship: { readonly country: string; readonly group: CitizenshipGroup } | null;
  /** The last application for a residence permit and the conditions it stated, and whether it was decided. */
  readonly permitApplication: {
    readonly applicationId: string;
    readonly appliedBy: string;
    readonly presenceNeeded: boolean;
    readonly willToCooperate: boolean;
    readonly tiesBroken: boolean;
    readonly decided: boolean;
  } | null;
  readonly reflectionApplication: { readonly applicationId: string; readonly appliedBy: string; readonly decision: 'pending' | 'granted' | 'refused' } | null;
  readonly residencePermit: { granted: boolean; until: string | null } | null;
  readonly cooperation: CooperationStatus | null;
  readonly investigations: readonly Investigation[];
  /**
   * The latest prosecution, per defendant. `judged` says whether a court has ruled on the defendant since: once
   * it has on every one, a further prosecution may be initiated (further outcomes, such as an appeal's, remain
   * allowed). A defendant id is null only in a prosecution recorded before defendants were named.
   */
  readonly prosecution: { readonly defendants: readonly ProsecutedDefendant[]; readonly initiatedBy: string } | null;
  readonly sentencing: readonly SentencingOutcome[];
  /** Matters the prosecutor ended without a trial. */
  readonly prosecutorDecisions: readonly {
    readonly decision: ProsecutorDecision;
    readonly suspectId: string | null;
    readonly offences: Offence[];
    readonly sentence: Sentence | null;
    readonly decidedOn: string;
  }[];
  readonly evidence: readonly Evidence[];
  readonly outcome: Text | null;
  /** Team members that have closed their part: they act again only once they reopen it (or the case is reopened). */
  readonly closedParts: readonly string[];
}
