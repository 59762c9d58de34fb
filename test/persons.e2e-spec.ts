import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '@samverkan/sealing';
import { AgencyClient, eventually, RunningService } from './support/running-service';

/**
 * Person records over HTTP: registered by the agency that meets the person, found by another agency that
 * knows the personal identity number, linked to a guardian, protected, erased.
 */
describe('person records', () => {
  let service: RunningService;
  let police: AgencyClient;
  let social: AgencyClient;
  let migration: AgencyClient;
  let auditor: AgencyClient;
  const pin = '20100523-1236';

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-malmo');
    social = await service.as('socialtjansten-malmo');
    migration = await service.as('migrationsverket-stockholm');
    auditor = await service.as('internrevisionen');
  });
  afterAll(() => service.stop());

  const register = async (client: AgencyClient, body: object, headers: Record<string, string> = {}) => client.post('/persons', body, headers);

  it('records a person with the identity only encrypted in the event, and shows it to the agency responsible', async () => {
    const body = { category: 'victim', identity: { givenName: 'Anna', familyName: 'Svensson', personalIdentityNumber: pin, citizenship: 'EE' } };
    const reply = await register(police, body);
    expect(reply.status).toBe(201);
    const { personId } = reply.body;
    const record = (await police.get(`/persons/${personId}`)).body;
    expect(record).toMatchObject({
      personId,
      category: 'victim',
      responsibleAgency: 'polisen-malmo',
      identity: { givenName: 'Anna', familyName: 'Svensson', personalIdentityNumber: '201005231236', citizenship: 'EE' },
    });
    // Nothing of it in clear in any file of the data directory: the store, its log, the index, the ledger, the vault;
    // nor a plain hash of the request, which anyone with the files could test guesses of the number against.
    const requestHash = sha256Hex(canonicalJson({ method: 'POST', url: '/persons', body }));
    for (const file of readdirSync(service.config.dataDir)) {
      const path = join(service.config.dataDir, file);
      if (!statSync(path).isFile()) continue;
      const bytes = readFileSync(path);
      expect({ file, clear: ['Svensson', '201005231236', '1005231236', requestHash].filter((text) => bytes.includes(text)) }).toEqual({ file, clear: [] });
    }
  });

  it('refuses a personal identity number whose check digit is wrong, and an identity with nothing in it', async () => {
    expect((await register(police, { category: 'victim', identity: { personalIdentityNumber: '20100523-1239' } })).status).toBe(400);
    expect((await register(police, { category: 'victim', identity: {} })).body.detail).toMatch(/identity needs at least one part/);
  });

  it('lets another agency that meets the person find the record, who answers for it, and no identity it was not given', async () => {
    const found = (await social.post('/persons/search', { personalIdentityNumber: '100523-1236' })).body.persons;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ responsibleAgency: 'polisen-malmo', identity: null, identityWithheld: 'not-granted', relatives: [] });
    expect((await social.get(`/persons/${found[0].personId}`)).status).toBe(404);
    expect((await social.post('/persons/search', { personalIdentityNumber: '20100523-1244' })).body.persons).toEqual([]);
  });

  it("brings two agencies' cases about one person together through the person's record", async () => {
    const [child] = (await police.post('/persons/search', { personalIdentityNumber: pin })).body.persons;
    const subject = { personId: child.personId, category: 'victim', ageGroup: 'child' };
    const policeCase = (await police.post('/cases', { subject })).body.caseId;
    const stockholm = await service.as('polisen-stockholm');
    const otherCase = (await stockholm.post('/cases', { subject })).body.caseId;
    const found = await eventually(async () => {
      const [record] = (await stockholm.post('/persons/search', { personalIdentityNumber: pin })).body.persons;
      return record.cases.length === 2 ? record : undefined;
    }, 'both cases under the person');
    expect(found.cases).toEqual(
      expect.arrayContaining([
        { caseId: policeCase, status: 'open', leadAgency: 'polisen-malmo' },
        { caseId: otherCase, status: 'open', leadAgency: 'polisen-stockholm' },
      ]),
    );
    // leading a case about the person, polisen-stockholm now sees the record, and the identity
    expect((await stockholm.get(`/persons/${child.personId}`)).body.identity).toMatchObject({ familyName: 'Svensson' });
    expect((await stockholm.post('/cases', { subject: { ...subject, personId: '01a24300-0000-7000-8000-000000000000' } })).status).toBe(404);
  });

  it('links a guardian, by the agency responsible only', async () => {
    const [child] = (await police.post('/persons/search', { personalIdentityNumber: pin })).body.persons;
    const guardian = (await register(police, { category: 'relative', identity: { givenName: 'Maria', familyName: 'Svensson', contact: '+46 70 000 00 00' } }))
      .body.personId;
    expect((await social.post(`/persons/${child.personId}/relatives`, { relativeId: guardian, relation: 'guardian' })).status).toBe(403);
    expect((await police.post(`/persons/${child.personId}/relatives`, { relativeId: guardian, relation: 'guardian' })).status).toBe(201);
    expect((await police.get(`/persons/${child.personId}`)).body.relatives).toEqual([{ relativeId: guardian, relation: 'guardian' }]);
  });

  it('hides a protected identity from searches by others', async () => {
    const personId = (await register(police, { category: 'victim', identity: { familyName: 'Hidden', dateOfBirth: '1999-02-03' } })).body.personId;
    expect((await migration.post('/persons/search', { dateOfBirth: '1999-02-03', familyName: 'hidden' })).body.persons).toHaveLength(1);
    expect((await police.post(`/persons/${personId}/protection`, { protect: true })).status).toBe(201);
    expect((await migration.post('/persons/search', { dateOfBirth: '1999-02-03', familyName: 'Hidden' })).body.persons).toEqual([]);
    expect((await police.get(`/persons/${personId}`)).body).toMatchObject({ identity: { familyName: 'Hidden' }, protectedIdentity: true });
    expect((await auditor.get(`/persons/${personId}`)).body.identity).toMatchObject({ familyName: 'Hidden' });
  });

  it('erases a person: the identity is gone for everyone, and the record cannot be found by it any more', async () => {
    const personId = (await register(police, { category: 'sex-buyer', identity: { givenName: 'Erik', personalIdentityNumber: '19800101-0001' } })).body
      .personId;
    expect((await social.post(`/persons/${personId}/erasure`, { basis: 'request-by-the-person' })).status).toBe(403);
    const erased = await police.post(`/persons/${personId}/erasure`, { basis: 'request-by-the-person' });
    expect(erased.status).toBe(201);
    expect(erased.body.events.map((e: { type: string }) => e.type)).toEqual(['PersonErased']);
    expect((await auditor.get(`/persons/${personId}`)).body).toMatchObject({
      status: 'erased',
      identity: null,
      identityWithheld: 'erased',
      erasure: { erasedBy: 'polisen-malmo', basis: 'request-by-the-person' },
    });
    expect((await police.post('/persons/search', { personalIdentityNumber: '19800101-0001' })).body.persons).toEqual([]);
    expect((await police.post(`/persons/${personId}/protection`, { protect: true })).status).toBe(409);
  });

  it('gives the subject of a case opened without a person record a record of their own, which erasure reaches', async () => {
    const body = { subject: { category: 'victim', ageGroup: 'adult' }, summary: 'Met at Centralen, speaks Romanian' };
    const opened = await police.post('/cases', body, { 'idempotency-key': 'anonymous-subject-1' });
    expect(opened.status).toBe(201);
    const { caseId } = opened.body;
    const personId = (await police.get(`/cases/${caseId}`)).body.subject.subjectId;
    expect((await police.get(`/persons/${personId}`)).body).toMatchObject({
      personId,
      category: 'victim',
      responsibleAgency: 'polisen-malmo',
      identity: null,
      identityWithheld: 'not-recorded',
      erasure: null,
    });
    // A retried opening finds the same case and the same record, and adds neither.
    const again = await police.post('/cases', body, { 'idempotency-key': 'anonymous-subject-1' });
    expect({ status: again.status, caseId: again.body.caseId }).toEqual({ status: 200, caseId });
    expect((await police.get(`/cases/${caseId}`)).body.subject.subjectId).toBe(personId);

    expect((await police.post(`/persons/${personId}/erasure`, { basis: 'request-by-the-person' })).status).toBe(201);
    expect((await police.get(`/cases/${caseId}`)).body.summary).toEqual({ erased: true });
    expect((await police.get(`/persons/${personId}`)).body).toMatchObject({ status: 'erased', identity: null });
  });

  it('answers a retried registration with the same record', async () => {
    const body = { category: 'victim', identity: { givenName: 'Lena' } };
    const first = await register(police, body, { 'idempotency-key': 'person-lena-1' });
    const again = await register(police, body, { 'idempotency-key': 'person-lena-1' });
    expect({ status: again.status, personId: again.body.personId }).toEqual({ status: 200, personId: first.body.personId });
  });
});
