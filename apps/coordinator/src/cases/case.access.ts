import { AgencyKind, OPERATIONAL_KINDS } from '../agencies/agency';
import { CaseEventType, ConsentScope, SupportKind } from './case.model';

/**
 * Who may read what of a case: the one access table, beside the command permissions (case.permissions.ts).
 * Every read path (the HTTP summary and timeline, the audit bundle, inclusion proofs, the feed, the Kafka
 * topics, the ledger export, the access log) asks it, through case.disclosure.ts, and nothing else decides
 * visibility. The README's "Who sees what" is rendered from it (`npm run access-table`).
 *
 * Swedish secrecy law (offentlighets- och sekretesslagen, OSL) lets information about a person pass from one
 * authority to another only with a legal basis. The bases the table uses:
 */
export const LEGAL_BASES = {
  mandate: "the reader's own task on the case: the agency's statutory mandate, in the joint work it was brought into",
  consent: 'the person (for a child, the guardian) waived secrecy for this purpose (OSL 12 kap. 2-3 §§)',
  'child-protection': "an authority's duty to tell social services what it learns of a child who may need protection (socialtjänstlagen; OSL 10 kap. 28 §)",
  'auditor-remit': "the auditor's remit to check the whole record (internal audit, the data-protection officer, a court)",
} as const;
export type LegalBasis = keyof typeof LEGAL_BASES;

/** The ways an agency reads a case. */
export const READ_VIEWS = [
  'summary',
  'timeline',
  'verify',
  'audit-bundle',
  'inclusion-proof',
  'worklist',
  'feed',
  'kafka',
  'export',
  'access-log',
  'person',
  'person-search',
  'commands',
] as const;
export type ReadView = (typeof READ_VIEWS)[number];

/**
 * The reader's standing on a case:
 * - `lead`: the agency that leads it (it is on the team);
 * - `member`: on the team;
 * - `addressee`: not on the team, but an open referral is addressed to it or was escalated to it;
 * - `auditor`: an agency of kind auditor, on no team;
 * - `outsider`: any other agency, including one that has left the team.
 */
export const READER_STANDINGS = ['lead', 'member', 'addressee', 'auditor', 'outsider'] as const;
export type ReaderStanding = (typeof READER_STANDINGS)[number];

/**
 * - `shown`: in full, as stored;
 * - `redacted`: shown as the content rows below grant this reader, event by event and field by field; what
 *   is withheld is left out (an audit bundle proves a withheld event by its hash alone);
 * - `refused`: not shown; an outsider is told the case does not exist.
 */
export type ViewAccess = 'shown' | 'redacted' | 'refused';

export interface ViewRow {
  readonly access: ViewAccess;
  /** The basis the view rests on; null when refused. */
  readonly basis: LegalBasis | null;
  readonly why: string;
}

const refused = (why: string): ViewRow => ({ access: 'refused', basis: null, why });
const redacted = (why: string): ViewRow => ({ access: 'redacted', basis: 'mandate', why });
const AUDITOR: ViewRow = { access: 'shown', basis: 'auditor-remit', why: 'the whole record, to check it' };
const OUTSIDER = refused('no standing on the case: it is answered as not found');
const TEAM_CONTENT = redacted('what the content rows grant its kind');

/** View × standing: whether the view is given at all. What it holds is decided by the content rows. */
export const VIEW_ACCESS: Readonly<Record<ReadView, Readonly<Record<ReaderStanding, ViewRow>>>> = {
  summary: {
    lead: TEAM_CONTENT,
    member: TEAM_CONTENT,
    addressee: redacted("the case's descriptors and the referral addressed to it, to decide on the referral"),
    auditor: AUDITOR,
    outsider: OUTSIDER,
  },
  timeline: {
    lead: TEAM_CONTENT,
    member: TEAM_CONTENT,
    addressee: redacted('the events of the referral addressed to it, with the case descriptors'),
    auditor: AUDITOR,
    outsider: OUTSIDER,
  },
  verify: {
    lead: { access: 'shown', basis: 'mandate', why: 'the verdict on the hash chain, which holds no content' },
    member: { access: 'shown', basis: 'mandate', why: 'the verdict on the hash chain, which holds no content' },
    addressee: refused('not on the team'),
    auditor: AUDITOR,
    outsider: OUTSIDER,
  },
  'audit-bundle': {
    lead: redacted('events it may see in full as stored; every other event by its hash, which the checkpoint still proves'),
    member: redacted('events it may see in full as stored; every other event by its hash, which the checkpoint still proves'),
    addressee: refused('not on the team'),
    auditor: AUDITOR,
    outsider: OUTSIDER,
  },
  'inclusion-proof': {
    lead: redacted('for the events it may see'),
    member: redacted('for the events it may see'),
    addressee: redacted('for the events it may see'),
    auditor: AUDITOR,
    outsider: OUTSIDER,
  },
  worklist: {
    lead: redacted("the case's descriptors, status and lead, among the cases it is on"),
    member: redacted("the case's descriptors, status and lead, among the cases it is on"),
    addressee: redacted('the referral addressed or escalated to it, with the case descriptors'),
    auditor: refused('auditors are on no team: they read cases and the ledger export instead'),
    outsider: refused('only the cases it is on and the referrals made to it'),
  },
  feed: {
    lead: TEAM_CONTENT,
    member: TEAM_CONTENT,
    addressee: redacted('the events of the referral addressed to it, with the case descriptors'),
    auditor: refused('auditors are on no team: they read cases and the ledger export instead'),
    outsider: refused('nothing after it left; what it was given while on the team stays in its feed'),
  },
  kafka: {
    lead: TEAM_CONTENT,
    member: TEAM_CONTENT,
    addressee: redacted('the events of the referral addressed to it, with the case descriptors'),
    auditor: refused('auditors are on no team: they read cases and the ledger export instead'),
    outsider: refused('nothing after it left; what was published while it was on the team stays in its topic'),
  },
  export: {
    lead: refused('the whole ledger is for auditors'),
    member: refused('the whole ledger is for auditors'),
    addressee: refused('the whole ledger is for auditors'),
    auditor: AUDITOR,
    outsider: refused('the whole ledger is for auditors'),
  },
  person: {
    lead: redacted(
      "the person's record, and the identity as the identity rule says; for the agency responsible for the record or leading a case about the person",
    ),
    member: redacted("the person's record, and the identity as the identity rule says; for an agency on a case about the person"),
    addressee: refused('a referral shows the case, not the person behind it'),
    auditor: AUDITOR,
    outsider: OUTSIDER,
  },
  'person-search': {
    lead: redacted('which record is of the person it names, and who works with that person'),
    member: redacted('which record is of the person it names, and who works with that person'),
    addressee: redacted('which record is of the person it names, and who works with that person'),
    auditor: AUDITOR,
    outsider: redacted(
      "an agency that meets a person and knows their personal identity number (or date of birth and name) learns which record is theirs and which agencies work with them, so that two agencies' cases about one person meet; never of a protected identity",
    ),
  },
  'access-log': {
    lead: { access: 'shown', basis: 'mandate', why: 'who read the case it leads, to answer for it' },
    member: refused('the lead answers for who read the case'),
    addressee: refused('not on the team'),
    auditor: AUDITOR,
    outsider: OUTSIDER,
  },
  commands: {
    lead: { access: 'shown', basis: 'mandate', why: 'the commands its kind and standing let it send now, naming only what it sees on the case' },
    member: { access: 'shown', basis: 'mandate', why: 'the commands its kind and standing let it send now, naming only what it sees on the case' },
    addressee: { access: 'shown', basis: 'mandate', why: 'the answers it may give to the referral addressed to it' },
    auditor: refused('auditors read the record; they send no commands'),
    outsider: OUTSIDER,
  },
};

/**
 * Who sees a person's identity on the person's record. Every agency of the team of a case about the person,
 * and the agency responsible for the record, on its mandate. A protected identity (skyddade personuppgifter)
 * only the agency that protected it and the leads of the person's cases; auditors always (their remit).
 * Case events, feeds and Kafka never carry the identity in clear.
 */
/**
 * Whether an agency of the kind reads person records at all (the `person` and `person-search` views): auditors,
 * and the kinds the identity rule grants anything. An NGO or the method support knows a person as the person chose
 * to tell it, and learns nothing from the records: not the record, its relatives, or who else works with them.
 */
export function readsPersonRecords(kind: AgencyKind): boolean {
  return kind === 'auditor' || (IDENTITY_ACCESS.grants[kind as OperationalKind] ?? []).length > 0;
}

export const IDENTITY_ACCESS = {
  // NGOs and the method support know the person as the person chose to tell them, not from this record.
  grants: {
    police: [{ basis: 'mandate' }],
    prosecution: [{ basis: 'mandate' }],
    migration: [{ basis: 'mandate' }],
    'social-services': [{ basis: 'mandate' }],
    coordinator: [{ basis: 'mandate' }],
    'health-care': [{ basis: 'mandate' }],
    ngo: [],
    'chief-guardian': [{ basis: 'mandate' }],
    'injured-party-counsel': [{ basis: 'mandate' }],
    'method-support': [],
  },
  protectedShownTo: ['the agency that protected it', "the leads of the person's cases"],
} as const satisfies { grants: Record<OperationalKind, readonly { basis: 'mandate' }[]>; protectedShownTo: readonly string[] };

/** What a case event is about, which is what decides who may see it. */
export const INFO_CATEGORIES = {
  case: 'the case itself: its subject descriptors, municipality, lead, summary; opened, closed, reopened',
  team: 'who is on the team',
  referral: 'referrals: to whom, why, and the answer',
  consent: 'consent in force: each agency must know what it may share',
  support: 'support other than care: shelter, protection, legal counsel, outreach, return assistance',
  care: 'health and psychological care and counselling (health and social-services secrecy, OSL 25-26 kap.)',
  residence: "the Migration Agency's decisions: reflection period and residence permit",
  cooperation: "the victim's cooperation with law enforcement",
  investigation: 'preliminary investigations (secrecy of the investigation, OSL 18 kap. 1 §)',
  prosecution: 'prosecution and the court’s judgment (public once before the court)',
  evidence: 'evidence and its chain of custody',
} as const;
export type InfoCategory = keyof typeof INFO_CATEGORIES;

/** Support of these kinds is care (`care`); any other kind is `support`. */
export const CARE_SUPPORT_KINDS: readonly SupportKind[] = ['health-care', 'psychological', 'counselling-individual', 'counselling-group'];

/** The category of each event type (SupportProvided of a care kind is `care`). */
export const EVENT_CATEGORY: Readonly<Record<CaseEventType, InfoCategory>> = {
  CaseOpened: 'case',
  CaseClosed: 'case',
  CaseReopened: 'case',
  AgencyJoinedCase: 'team',
  AgencyLeftCase: 'team',
  AgencyPartClosed: 'team',
  AgencyPartReopened: 'team',
  CaseReferred: 'referral',
  ReferralAccepted: 'referral',
  ReferralDeclined: 'referral',
  ReferralWithdrawn: 'referral',
  ReferralEscalated: 'referral',
  ConsentGiven: 'consent',
  ConsentWithdrawn: 'consent',
  SupportProvided: 'support',
  ReflectionPeriodGranted: 'residence',
  ReflectionPeriodApplied: 'residence',
  ReflectionPeriodDecided: 'residence',
  ReflectionPeriodExtended: 'residence',
  SubjectCitizenshipRecorded: 'case',
  VictimIdentified: 'case',
  ChildRepresentativeRecorded: 'case',
  ChildUnaccompaniedRecorded: 'case',
  ResidencePermitApplied: 'residence',
  ResidencePermitDecided: 'residence',
  VictimCooperationRecorded: 'cooperation',
  InvestigationOpened: 'investigation',
  InvestigationClosed: 'investigation',
  ProsecutionInitiated: 'prosecution',
  SentencingOutcomeRecorded: 'prosecution',
  ProsecutorDecisionRecorded: 'prosecution',
  EvidenceRegistered: 'evidence',
  EvidenceTransferred: 'evidence',
};

/**
 * One way a reader may come to see a category: by its mandate; by consent in force for every listed scope;
 * or, for a child subject, by the child-protection duty.
 */
export type Grant =
  { readonly basis: 'mandate' } | { readonly basis: 'consent'; readonly scopes: readonly ConsentScope[] } | { readonly basis: 'child-protection' };

export type OperationalKind = (typeof OPERATIONAL_KINDS)[number];

export interface ContentRow {
  /**
   * - `team`: agencies on the team when the event happened (before or after it: an agency sees its own
   *   joining and its own leaving), from their joining on;
   * - `referral-parties`: the team, and the addressee of the referral and the coordinator it was escalated to.
   */
  readonly audience: 'team' | 'referral-parties';
  /** Per kind, the grants that let it see the category, the first that holds being the one that applied; none: withheld. */
  readonly grants: Readonly<Record<OperationalKind, readonly Grant[]>>;
  /**
   * With audience `referral-parties`: per kind, what lets the addressee of a referral (or the coordinator it was
   * escalated to) see its events, with the case's descriptors, while it is not on the team.
   */
  readonly parties?: Readonly<Record<OperationalKind, readonly Grant[]>>;
  /** Fields only these kinds see; other readers get the event without them. */
  readonly fieldsOnlyFor?: { readonly fields: readonly string[]; readonly kinds: readonly OperationalKind[]; readonly why: string };
}

const MANDATE: Grant = { basis: 'mandate' };
const CHILD: Grant = { basis: 'child-protection' };
const NONE: readonly Grant[] = [];
const consent = (...scopes: ConsentScope[]): Grant => ({ basis: 'consent', scopes });

/**
 * What every kind sees of what the case is and who works on it: the authorities and those brought in for their
 * part on their mandate; an NGO or shelter only on the person's consent to share with it (it is no authority: the
 * person's consent is the only basis on which an authority may tell it anything, OSL 10 kap. 1 §, 12 kap. 2 §).
 */
const everyone = (): Record<OperationalKind, readonly Grant[]> => ({
  police: [MANDATE],
  prosecution: [MANDATE],
  migration: [MANDATE],
  'social-services': [MANDATE],
  coordinator: [MANDATE],
  'health-care': [MANDATE],
  ngo: [consent('share-with-ngo')],
  'chief-guardian': [MANDATE],
  'injured-party-counsel': [MANDATE],
  'method-support': [MANDATE],
});

/**
 * What the law-enforcement side knows of the person (the investigation, the victim's cooperation): police and
 * prosecution on their mandate; the Migration Agency too, since the head of the investigation applies for the
 * victim's reflection period and permit, and a permit turns on the will to cooperate (utlänningslagen 5 kap.
 * 15 §); counsel for the injured party, who acts for the victim in the investigation (rättegångsbalken 20 kap.
 * 15 §); the welfare side (social services, the coordinator) for a child on the child-protection duty, for an
 * adult with the person's consent. Nobody else: the secrecy of an investigation protects the investigation, and
 * the person cannot waive it (OSL 18 kap. 1 §).
 */
const lawEnforcementSide = (): Record<OperationalKind, readonly Grant[]> => ({
  police: [MANDATE],
  prosecution: [MANDATE],
  migration: [MANDATE],
  'social-services': [CHILD, consent('share-with-social-services')],
  coordinator: [CHILD, consent('share-with-social-services')],
  'health-care': NONE,
  ngo: NONE,
  'chief-guardian': NONE,
  'injured-party-counsel': [MANDATE],
  'method-support': NONE,
});

/**
 * Category × agency kind: who on the team sees what, and on which basis. The agency that recorded an event
 * always sees it in full (its own record), whatever its row says; auditors see everything (their remit).
 * Those brought in for a part see that part: the chief guardian what the case is and who acts for the child; the
 * method support what the case is, to advise on it; counsel the investigation and the prosecution, and the rest
 * on the person's consent; health care its care, and the rest on the person's consent.
 */
export const CONTENT_ACCESS: Readonly<Record<InfoCategory, ContentRow>> = {
  case: { audience: 'team', grants: everyone() },
  team: { audience: 'team', grants: everyone() },
  // The addressee sees the referral on its mandate: it must answer it. Whether a victim may be referred to an
  // agency without their consent is for the decision to refuse, not for the sharing to hide afterwards (a
  // referral to an NGO is refused without the consent that lets it see it, case.decider.ts).
  referral: { audience: 'referral-parties', grants: everyone(), parties: everyone() },
  consent: { audience: 'team', grants: everyone() },
  support: {
    audience: 'team',
    grants: {
      ...everyone(),
      migration: [consent('share-with-migration')],
      'health-care': [consent('share-with-health-care')],
      'chief-guardian': NONE,
      'injured-party-counsel': [consent('share-with-counsel')],
      'method-support': NONE,
    },
  },
  care: {
    audience: 'team',
    grants: {
      police: [consent('share-health-details')],
      prosecution: [consent('share-health-details')],
      migration: [consent('share-with-migration', 'share-health-details')],
      'social-services': [MANDATE],
      coordinator: [consent('share-health-details')],
      // Care given by another is shared between care givers on consent, as a coordinated plan is (SIP,
      // socialtjänstlagen 2 kap. 7 §, hälso- och sjukvårdslagen 16 kap. 4 §).
      'health-care': [consent('share-with-health-care')],
      ngo: [consent('share-with-ngo', 'share-health-details')],
      'chief-guardian': NONE,
      'injured-party-counsel': [consent('share-with-counsel', 'share-health-details')],
      'method-support': NONE,
    },
  },
  residence: {
    audience: 'team',
    grants: {
      ...everyone(),
      'health-care': [consent('share-with-health-care')],
      'chief-guardian': NONE,
      'injured-party-counsel': [consent('share-with-counsel')],
      'method-support': NONE,
    },
  },
  cooperation: { audience: 'team', grants: lawEnforcementSide() },
  investigation: { audience: 'team', grants: lawEnforcementSide() },
  // Public once before the court; the chief guardian has no part in it.
  prosecution: { audience: 'team', grants: { ...everyone(), 'chief-guardian': NONE } },
  evidence: {
    audience: 'team',
    grants: { ...lawEnforcementSide(), 'social-services': [MANDATE], coordinator: [MANDATE] },
    fieldsOnlyFor: { fields: ['description'], kinds: ['police', 'prosecution'], why: 'what the evidence is belongs to the investigation (OSL 18 kap. 1 §)' },
  },
};
