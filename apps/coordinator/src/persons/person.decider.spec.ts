import { ConflictError, ForbiddenError, InvariantError, NotFoundError } from '@samverkan/common';
import { Issuer } from '../agencies/agency';
import { scenarios } from '../cases/testing/given';
import { personDecider } from './person.decider';
import { PersonCommand, PersonEvent, PersonState } from './person.model';

const given = scenarios<PersonCommand, PersonEvent, PersonState>(personDecider);
const police: Issuer = { agencyId: 'polisen-malmo', kind: 'police' };
const social: Issuer = { agencyId: 'socialtjansten-malmo', kind: 'social-services' };
const auditor: Issuer = { agencyId: 'internrevisionen', kind: 'auditor' };
const AT = '2026-03-01T09:00:00.000Z';
const identity = { $enc: 'A256GCM' as const, kid: 'p-1', iv: 'aXY', ct: 'Y3Q' };
const registered: PersonEvent = {
  type: 'PersonRegistered',
  data: { personId: 'p-1', category: 'victim', identity, registeredBy: police.agencyId, registeredAt: AT },
};
const cmd = <T extends PersonCommand['type']>(type: T, issuer: Issuer, fields: object = {}) =>
  ({ type, personId: 'p-1', issuer, at: AT, ...fields }) as Extract<PersonCommand, { type: T }>;

describe('registering a person', () => {
  it('records the person, their category and their encrypted identity; the registering agency answers for the record', () => {
    const state = given([])
      .when(cmd('RegisterPerson', police, { category: 'victim', identity }))
      .then([registered]);
    expect(state).toMatchObject({ status: 'recorded', responsibleAgency: police.agencyId, identity });
  });

  it("refuses an identity encrypted under another key than the person's own", () => {
    given([])
      .when(cmd('RegisterPerson', police, { category: 'victim', identity: { ...identity, kid: 'p-2' } }))
      .thenThrows(InvariantError, /must be encrypted under its own key/);
  });

  it('keeps no person record for an NGO, which knows the person as the person chose to tell it', () => {
    const ngo = { agencyId: 'plattformen-civila-sverige', kind: 'ngo' } as const;
    given([])
      .when(cmd('RegisterPerson', ngo, { category: 'victim', identity }))
      .thenThrows(ForbiddenError, /only the authorities that open cases keep person records \(police, .*health-care\); plattformen-civila-sverige is ngo/);
  });

  it('refuses an auditor, and a person recorded already', () => {
    given([])
      .when(cmd('RegisterPerson', auditor, { category: 'victim', identity }))
      .thenThrows(ForbiddenError, /only the authorities that open cases keep person records/);
    given([registered])
      .when(cmd('RegisterPerson', police, { category: 'victim', identity }))
      .thenThrows(ConflictError, 'person p-1 is already recorded');
  });
});

describe('changing a person record', () => {
  it('links a recorded relative once', () => {
    const linked = given([registered]).when(cmd('LinkRelative', police, { relativeId: 'p-2', relation: 'guardian', relativeRecorded: true }));
    const state = linked.then([{ type: 'RelativeLinked', data: { relativeId: 'p-2', relation: 'guardian', linkedBy: police.agencyId } }]);
    expect(state.relatives).toEqual([{ relativeId: 'p-2', relation: 'guardian' }]);
    given([registered])
      .when(cmd('LinkRelative', police, { relativeId: 'p-9', relation: 'guardian', relativeRecorded: false }))
      .thenThrows(NotFoundError, /register the relative first/);
    given([registered])
      .when(cmd('LinkRelative', police, { relativeId: 'p-1', relation: 'parent', relativeRecorded: true }))
      .thenThrows(InvariantError, 'a person is not their own relative');
  });

  it('is for the agency responsible for the record only', () => {
    given([registered])
      .when(cmd('ProtectIdentity', social, { protect: true }))
      .thenThrows(ForbiddenError, "the record of person p-1 is polisen-malmo's, which registered it; socialtjansten-malmo may not change it");
  });

  it('protects the identity and lifts the protection', () => {
    const state = given([registered])
      .when(cmd('ProtectIdentity', police, { protect: true }))
      .then([{ type: 'IdentityProtected', data: { protectedBy: police.agencyId } }]);
    expect(state.protectedBy).toBe(police.agencyId);
    given([registered])
      .when(cmd('ProtectIdentity', police, { protect: false }))
      .thenThrows(ConflictError, 'the identity of person p-1 is not protected');
  });

  it('erases the person, after which the record takes nothing more', () => {
    const erased: PersonEvent = { type: 'PersonErased', data: { erasedBy: police.agencyId, basis: 'retention-period-ended', erasedAt: AT } };
    const state = given([registered])
      .when(cmd('ErasePerson', police, { basis: 'retention-period-ended' }))
      .then([erased]);
    expect(state).toMatchObject({ status: 'erased', erasure: { basis: 'retention-period-ended' } });
    given([registered, erased])
      .when(cmd('ProtectIdentity', police, { protect: true }))
      .thenThrows(ConflictError, 'person p-1 was erased: the record takes nothing more');
    given([])
      .when(cmd('ErasePerson', police, { basis: 'order' }))
      .thenThrows(NotFoundError, 'person p-1 was not found');
  });
});
