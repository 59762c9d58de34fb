/**
 * The authorities that meet the person, open cases about them and keep their person records: the national
 * operational team against trafficking, and the regions' health care.
 */
export const CASE_AUTHORITY_KINDS = ['police', 'prosecution', 'migration', 'social-services', 'coordinator', 'health-care'] as const;

/**
 * Those brought into a case for a part of it, who open none and keep no person record here: NGOs and shelters
 * (shown what the person consented to, and nothing else), the chief guardian (överförmyndare, who appoints an
 * unaccompanied child's god man), counsel for the injured party (målsägandebiträde, rättegångsbalken 20 kap.
 * 15 §; lag 1988:609) and the national method support against trafficking (NMT, at the Gender Equality Agency).
 */
export const PARTICIPANT_KINDS = ['ngo', 'chief-guardian', 'injured-party-counsel', 'method-support'] as const;

/** Every kind of organisation that acts on cases. */
export const OPERATIONAL_KINDS = [...CASE_AUTHORITY_KINDS, ...PARTICIPANT_KINDS] as const;

/**
 * Every kind of agency, each with its own mandate. Auditors (internal audit, the data-protection officer)
 * act on no case: they read cases and the ledger to check the chain of custody.
 */
export const AGENCY_KINDS = [...OPERATIONAL_KINDS, 'auditor'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];
export type CaseAuthorityKind = (typeof CASE_AUTHORITY_KINDS)[number];

/** The agency that issues a command, as the command path knows it after authentication. */
export interface Issuer {
  readonly agencyId: string;
  readonly kind: AgencyKind;
}

/** The service itself, when a process manager issues a command. */
export const SYSTEM_AGENCY_ID = 'samverkan';
