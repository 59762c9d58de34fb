import { ConflictError, ForbiddenError, InvariantError, NotFoundError } from '@samverkan/common';
import type { Decider } from '@samverkan/eventstore';
import { CASE_AUTHORITY_KINDS, SYSTEM_AGENCY_ID } from '../agencies/agency';
import { ErasePerson, LinkRelative, PersonCommand, PersonEvent, PersonState, ProtectIdentity, RegisterPerson } from './person.model';

export function initialState(): PersonState {
  return {
    status: 'none',
    personId: null,
    category: null,
    identity: null,
    responsibleAgency: null,
    registeredAt: null,
    protectedBy: null,
    relatives: [],
    erasure: null,
  };
}

export function decide(command: PersonCommand, state: PersonState): PersonEvent[] {
  authorise(command, state);
  switch (command.type) {
    case 'RegisterPerson':
      return registerPerson(command);
    case 'LinkRelative':
      return linkRelative(command, state);
    case 'ProtectIdentity':
      return protectIdentity(command, state);
    case 'ErasePerson':
      return erasePerson(command, state);
    default:
      return assertNever(command);
  }
}

/**
 * Who may do what to a person record: any agency of the operational team registers a person it meets; the
 * record is then the responsible agency's, which links relatives, protects the identity and erases the
 * record. An erased record takes nothing more.
 */
export function authorise(command: PersonCommand, state: PersonState): void {
  const who = command.issuer.agencyId;
  if (!(CASE_AUTHORITY_KINDS as readonly string[]).includes(command.issuer.kind)) {
    throw new ForbiddenError(
      `only the authorities that open cases keep person records (${CASE_AUTHORITY_KINDS.join(', ')}); ${who} is ${command.issuer.kind}`,
      { rule: 'agency-kind' },
    );
  }
  if (command.type === 'RegisterPerson') {
    if (state.status !== 'none') throw new ConflictError(`person ${command.personId} is already recorded`, { rule: 'person-exists' });
    return;
  }
  if (state.status === 'none') throw new NotFoundError(`person ${command.personId} was not found`, { rule: 'person-not-found' });
  if (state.status === 'erased') throw new ConflictError(`person ${command.personId} was erased: the record takes nothing more`, { rule: 'person-erased' });
  // The service itself erases a record whose retention period ended (the retention job), on that basis alone.
  const retention = command.type === 'ErasePerson' && command.basis === 'retention-period-ended' && who === SYSTEM_AGENCY_ID;
  if (who !== state.responsibleAgency && !retention) {
    throw new ForbiddenError(`the record of person ${command.personId} is ${state.responsibleAgency}'s, which registered it; ${who} may not change it`, {
      rule: 'not-responsible',
      details: { responsibleAgency: state.responsibleAgency },
    });
  }
}

function registerPerson(cmd: RegisterPerson): PersonEvent[] {
  if (cmd.identity && cmd.identity.kid !== cmd.personId) {
    throw new InvariantError(`the identity of person ${cmd.personId} must be encrypted under its own key, not ${cmd.identity.kid}`, { rule: 'identity-key' });
  }
  return [
    {
      type: 'PersonRegistered',
      data: { personId: cmd.personId, category: cmd.category, identity: cmd.identity, registeredBy: cmd.issuer.agencyId, registeredAt: cmd.at },
    },
  ];
}

function linkRelative(cmd: LinkRelative, state: PersonState): PersonEvent[] {
  if (cmd.relativeId === cmd.personId) throw new InvariantError('a person is not their own relative', { rule: 'self-relative' });
  if (!cmd.relativeRecorded) {
    throw new NotFoundError(`person ${cmd.relativeId} was not found: register the relative first`, {
      rule: 'relative-not-found',
      details: { relativeId: cmd.relativeId },
    });
  }
  const linked = state.relatives.find((r) => r.relativeId === cmd.relativeId);
  if (linked) {
    throw new ConflictError(`person ${cmd.relativeId} is already linked to person ${cmd.personId} as ${linked.relation}`, { rule: 'relative-linked' });
  }
  return [{ type: 'RelativeLinked', data: { relativeId: cmd.relativeId, relation: cmd.relation, linkedBy: cmd.issuer.agencyId } }];
}

function protectIdentity(cmd: ProtectIdentity, state: PersonState): PersonEvent[] {
  if (cmd.protect === (state.protectedBy !== null)) {
    throw new ConflictError(`the identity of person ${cmd.personId} is ${cmd.protect ? 'already' : 'not'} protected`, { rule: 'protection-unchanged' });
  }
  return [
    cmd.protect
      ? { type: 'IdentityProtected', data: { protectedBy: cmd.issuer.agencyId } }
      : { type: 'IdentityProtectionLifted', data: { liftedBy: cmd.issuer.agencyId } },
  ];
}

function erasePerson(cmd: ErasePerson, _state: PersonState): PersonEvent[] {
  return [{ type: 'PersonErased', data: { erasedBy: cmd.issuer.agencyId, basis: cmd.basis, erasedAt: cmd.at } }];
}

export function evolve(state: PersonState, event: PersonEvent): PersonState {
  switch (event.type) {
    case 'PersonRegistered': {
      const { personId, category, identity, registeredBy, registeredAt } = event.data;
      return { ...state, status: 'recorded', personId, category, identity, responsibleAgency: registeredBy, registeredAt };
    }
    case 'RelativeLinked':
      return { ...state, relatives: [...state.relatives, { relativeId: event.data.relativeId, relation: event.data.relation }] };
    case 'IdentityProtected':
      return { ...state, protectedBy: event.data.protectedBy };
    case 'IdentityProtectionLifted':
      return { ...state, protectedBy: null };
    case 'PersonErased':
      return { ...state, status: 'erased', erasure: { ...event.data } };
    default:
      return state;
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

export const personDecider: Decider<PersonCommand, PersonEvent, PersonState> = { initialState, evolve, decide, authorise };

/** A person's stream, and back. */
export const personStream = (personId: string) => `person-${personId}`;
export function personIdOfStream(stream: string): string | undefined {
  return stream.startsWith('person-') ? stream.slice('person-'.length) : undefined;
}
