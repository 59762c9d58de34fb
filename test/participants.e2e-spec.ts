import { swedishDate } from '../apps/coordinator/src/cases/case.decider';
import { timelineOf } from './support/reader-paths';
import { AgencyClient, RunningService } from './support/running-service';

/**
 * Those the registry knows besides the operational team, each as the access table has them, on a victim's case
 * in Malmö: an NGO told of the case only while the person consents to it, the region's health care recording
 * the care it gives, counsel for the injured party who sees the investigation, the method support that sees
 * what the case is and nothing of the person.
 */
describe('health care, an NGO, counsel and the method support on a case', () => {
  let service: RunningService;
  const as: Record<string, AgencyClient> = {};
  let caseId: string;
  const today = () => swedishDate(new Date().toISOString());
  const NGO = 'plattformen-civila-sverige';

  beforeAll(async () => {
    service = await RunningService.start();
    for (const id of ['polisen-malmo', 'socialtjansten-malmo', 'region-skane', NGO, 'malsagandebitrade-malmo', 'jamstalldhetsmyndigheten-nmt'])
      as[id] = await service.as(id);
    caseId = (
      await as['polisen-malmo'].post('/cases', { subject: { category: 'victim', ageGroup: 'adult', originCountry: 'RO' }, exploitation: 'sexual-exploitation' })
    ).body.caseId;
    expect((await as['polisen-malmo'].post(`/cases/${caseId}/team`, { agencyId: 'socialtjansten-malmo', reason: 'support' })).status).toBe(201);
  });
  afterAll(() => service.stop());

  const post = async (agency: string, path: string, body: object, status = 201) => {
    const reply = await as[agency].post(`/cases/${caseId}${path}`, body);
    expect({ agency, path, status: reply.status, body: reply.body }).toMatchObject({ agency, path, status });
    return reply.body;
  };
  const typesSeenBy = async (agency: string) => ((await timelineOf(as[agency], caseId)) ?? []).map((e) => e.type);

  it('refuses to tell an NGO of the case before the person consented (OSL 12 kap. 2 §), and writes nothing', async () => {
    const before = (await as['polisen-malmo'].get(`/cases/${caseId}`)).body.revision;
    const refused = await post('polisen-malmo', '/referrals', { toAgency: NGO, reason: 'a place in a shelter', urgency: 'urgent' }, 409);
    expect(refused).toMatchObject({ rule: 'consent-required', consentNeeded: ['share-with-ngo'] });
    expect((await as['polisen-malmo'].get(`/cases/${caseId}`)).body.revision).toBe(before);
    expect((await as[NGO].get(`/cases/${caseId}`)).status).toBe(404);
  });

  it('refers the case to the NGO once she consented, which then sees the support but not the investigation', async () => {
    await post('socialtjansten-malmo', '/consent', { scope: 'share-with-ngo', given: true, by: 'person', on: today() });
    const { referralId } = await post('polisen-malmo', '/referrals', { toAgency: NGO, reason: 'a place in a shelter', urgency: 'urgent' });
    await post(NGO, `/referrals/${referralId}/accept`, {});
    await post(NGO, '/support', { kind: 'shelter', providedOn: today() });
    await post('polisen-malmo', '/investigations', { reference: '5000-K777-26' });
    const seen = await typesSeenBy(NGO);
    expect(seen).toEqual(expect.arrayContaining(['CaseReferred', 'AgencyJoinedCase', 'SupportProvided']));
    expect(seen).not.toContain('InvestigationOpened');
    const summary = (await as[NGO].get(`/cases/${caseId}`)).body;
    expect(summary.access).toMatchObject({ case: { basis: 'consent', consentScopes: ['share-with-ngo'] }, investigation: null });
    // It keeps no person record here: it knows her as she chose to tell it.
    expect((await as[NGO].post('/persons', { category: 'victim', identity: { givenName: 'Ana' } })).status).toBe(403);
  });

  it("lets the region's health care record the care it gives, which the police see only on her consent to share health details", async () => {
    await post('polisen-malmo', '/team', { agencyId: 'region-skane', reason: 'medical examination' });
    const { revision } = await post('region-skane', '/support', { kind: 'health-care', providedOn: today() });
    expect(await typesSeenBy('region-skane')).toContain('SupportProvided');
    const police = (await timelineOf(as['polisen-malmo'], caseId))!;
    expect(police.find((e) => e.revision === revision)).toBeUndefined();
    // The NGO does not see the shelter's care either without consent to share health details.
    expect((await timelineOf(as[NGO], caseId))!.find((e) => e.revision === revision)).toBeUndefined();
  });

  it('shows counsel for the injured party the investigation, and the method support what the case is but none of her support', async () => {
    await post('polisen-malmo', '/team', { agencyId: 'malsagandebitrade-malmo', reason: 'counsel appointed by the court' });
    await post('polisen-malmo', '/team', { agencyId: 'jamstalldhetsmyndigheten-nmt', reason: 'method support' });
    expect((await as['malsagandebitrade-malmo'].get(`/cases/${caseId}`)).body.investigations).toEqual([expect.objectContaining({ reference: '5000-K777-26' })]);
    const nmt = (await as['jamstalldhetsmyndigheten-nmt'].get(`/cases/${caseId}`)).body;
    expect(nmt).toMatchObject({ caseId, subject: { category: 'victim', originCountry: 'RO' } });
    expect(nmt.access).toMatchObject({ support: null, care: null, investigation: null });
  });

  it('tells the NGO nothing more once she withdraws her consent; what it was told stays told', async () => {
    const before = await typesSeenBy(NGO);
    await post('socialtjansten-malmo', '/consent', { scope: 'share-with-ngo', given: false, by: 'person', on: today() });
    const { revision } = await post('socialtjansten-malmo', '/support', { kind: 'counselling-group', providedOn: today() });
    await post('socialtjansten-malmo', '/support', { kind: 'interpreter', providedOn: today() });
    const after = (await timelineOf(as[NGO], caseId))!;
    expect(after.map((e) => e.type).slice(0, before.length)).toEqual(before);
    expect(after.find((e) => e.revision >= revision)).toBeUndefined();
    // Nor does its worklist list the case, nor may it read the person records: not hers, not by search.
    expect((await as[NGO].get('/agencies/me/worklist')).body.cases.map((c: { caseId: string }) => c.caseId)).not.toContain(caseId);
    const { subjectId } = (await as['polisen-malmo'].get(`/cases/${caseId}`)).body.subject;
    expect((await as[NGO].get(`/persons/${subjectId}`)).status).toBe(404);
    expect((await as[NGO].post('/persons/search', { dateOfBirth: '1990-01-01', familyName: 'Popescu' })).status).toBe(403);
  });

  it('takes back from the NGO a referral whose consent was withdrawn before it answered: it sees nothing and may not accept', async () => {
    const other = (await as['polisen-malmo'].post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    const on = (path: string) => `/cases/${other}${path}`;
    expect((await as['polisen-malmo'].post(on('/team'), { agencyId: 'socialtjansten-malmo', reason: 'support' })).status).toBe(201);
    expect((await as['socialtjansten-malmo'].post(on('/consent'), { scope: 'share-with-ngo', given: true, by: 'person', on: today() })).status).toBe(201);
    const { referralId } = (await as['polisen-malmo'].post(on('/referrals'), { toAgency: NGO, reason: 'shelter', urgency: 'urgent' })).body;
    expect((await as[NGO].get(`/cases/${other}`)).status).toBe(200);
    expect((await as['socialtjansten-malmo'].post(on('/consent'), { scope: 'share-with-ngo', given: false, by: 'person', on: today() })).status).toBe(201);
    expect((await as[NGO].get(`/cases/${other}`)).status).toBe(404);
    expect((await as[NGO].get('/agencies/me/worklist')).body.referralsAwaitingAnswer.map((r: { caseId: string }) => r.caseId)).not.toContain(other);
    const accept = await as[NGO].post(on(`/referrals/${referralId}/accept`), {});
    expect({ status: accept.status, rule: accept.body.rule }).toEqual({ status: 409, rule: 'consent-required' });
  });
});
