import type { EncryptedField } from '@samverkan/vault';
import { Issuer } from '../agencies/agency';

/** Who a person record is of. A relative is linked to the person they are related to. */
export const PERSON_CATEGORIES = ['victim', 'sex-seller', 'sex-buyer', 'relative', 'suspect'] as const;
export type PersonCategory = (typeof PERSON_CATEGORIES)[number];

/** How a relative is related to the person: a child's guardian (vårdnadshavare) is one. */
export const RELATIONS = ['guardian', 'parent', 'child', 'partner', 'sibling', 'other-relative'] as const;
export type Relation = (typeof RELATIONS)[number];

/**
 * The legal basis of an erasure: the retention period ended (a retention rule), the person's request where the
 * law grants it (GDPR art. 17), processing found unlawful, or a court's or supervisor's order.
 */
export const ERASURE_BASES = ['retention-period-ended', 'request-by-the-person', 'unlawful-processing', 'order'] as const;
export type ErasureBasis = (typeof ERASURE_BASES)[number];

/**
 * What identifies a person. It exists in clear only in a request and in an answer to a reader the access table
 * lets see it: events hold it encrypted under the person's own key, as one field.
 */
export interface Identity {
  readonly givenName: string | null;
  readonly familyName: string | null;
  /** Swedish personal identity number (personnummer or samordningsnummer), as 12 digits. */
  readonly personalIdentityNumber: string | null;
  readonly dateOfBirth: string | null;
  /** ISO 3166-1 alpha-2 country code. */
  readonly citizenship: string | null;
  /** How to reach the person (or, for a guardian, them); free text. */
  readonly contact: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Commands: ids, time, the encrypted identity and looked-up facts come in on the command.
// ---------------------------------------------------------------------------------------------------------

interface CommandBase {
  readonly personId: string;
  readonly issuer: Issuer;
  readonly at: string;
}

export type RegisterPerson = CommandBase & {
  readonly type: 'RegisterPerson';
  readonly category: PersonCategory;
  /** Null for the subject of a case opened without a person record: someone whose identity is not recorded. */
  readonly identity: EncryptedField | null;
};
export type LinkRelative = CommandBase & {
  readonly type: 'LinkRelative';
  readonly relativeId: string;
  readonly relation: Relation;
  /** Whether the relative's own record exists and is not erased (looked up). */
  readonly relativeRecorded: boolean;
};
export type ProtectIdentity = CommandBase & { readonly type: 'ProtectIdentity'; readonly protect: boolean };
export type ErasePerson = CommandBase & { readonly type: 'ErasePerson'; readonly basis: ErasureBasis };

export type PersonCommand = RegisterPerson | LinkRelative | ProtectIdentity | ErasePerson;

// ---------------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------------

type Ev<T extends string, D> = { readonly type: T; readonly data: D };

export type PersonRegistered = Ev<
  'PersonRegistered',
  { personId: string; category: PersonCategory; identity: EncryptedField | null; registeredBy: string; registeredAt: string }
>;
export type RelativeLinked = Ev<'RelativeLinked', { relativeId: string; relation: Relation; linkedBy: string }>;
/** Skyddade personuppgifter: the identity is shown to nobody but the agency that set it and the leads of the person's cases. */
export type IdentityProtected = Ev<'IdentityProtected', { protectedBy: string }>;
export type IdentityProtectionLifted = Ev<'IdentityProtectionLifted', { liftedBy: string }>;
/** The person's key is destroyed with this: every field encrypted for the person is unreadable from then on. */
export type PersonErased = Ev<'PersonErased', { erasedBy: string; basis: ErasureBasis; erasedAt: string }>;

export type PersonEvent = PersonRegistered | RelativeLinked | IdentityProtected | IdentityProtectionLifted | PersonErased;
export type PersonEventType = PersonEvent['type'];

// ---------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------

export interface PersonState {
  readonly status: 'none' | 'recorded' | 'erased';
  readonly personId: string | null;
  readonly category: PersonCategory | null;
  readonly identity: EncryptedField | null;
  /** The agency that registered the person, which answers for the record (and may erase it). */
  readonly responsibleAgency: string | null;
  readonly registeredAt: string | null;
  /** The agency that protected the identity, while it is protected. */
  readonly protectedBy: string | null;
  readonly relatives: ReadonlyArray<{ readonly relativeId: string; readonly relation: Relation }>;
  readonly erasure: { readonly erasedBy: string; readonly basis: ErasureBasis; readonly erasedAt: string } | null;
}
