/** The kinds of organisation in the national operational team; each kind has its own mandate. */
export const AGENCY_KINDS = ['police', 'prosecution', 'migration', 'social-services', 'coordinator'] as const;
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
