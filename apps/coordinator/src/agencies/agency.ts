/** The kinds of organisation that act on cases: the national operational team. */
export const OPERATIONAL_KINDS = ['police', 'prosecution', 'migration', 'social-services', 'coordinator'] as const;

/**
 * Every kind of agency, each with its own mandate. Auditors (internal audit, the data-protection officer)
 * act on no case: they read cases and the ledger to check the chain of custody.
 */
export const AGENCY_KINDS = [...OPERATIONAL_KINDS, 'auditor'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

/** Cities with their own specialised units and social services; a case belongs to one. */
export const CITIES = ['stockholm', 'goteborg', 'malmo'] as const;
export type City = (typeof CITIES)[number];

/** The agency that issues a command, as the command path knows it after authentication. */
export interface Issuer {
  readonly agencyId: string;
  readonly kind: AgencyKind;
}

/** The service itself, when a process manager issues a command. */
export const SYSTEM_AGENCY_ID = 'samverkan';
