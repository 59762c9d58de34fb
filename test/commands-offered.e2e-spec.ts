import { AgencyClient, RunningService } from './support/running-service';

jest.setTimeout(60_000);

const SOCIAL = 'socialtjansten-malmo';
const POLICE = 'polisen-malmo';
const MIGRATION = 'migrationsverket-stockholm';
const PROSECUTOR = 'aklagare-internationella';
const AUDITOR = 'internrevisionen';
const OUTSIDER = 'socialtjansten-lund';

interface Offer {
  name: string;
  type: string;
  method: string;
  path: string;
  operation: string;
  params: Record<string, string>;
  choices: Record<string, unknown[]>;
}

/**
 * GET /cases/:id/commands: what each agency may send on a case now, by its kind and its standing, as the
 * case page offers it. Each offer is sent where it says, with a body its OpenAPI schema describes.
 */
describe('the commands an agency is offered on a case', () => {
  let service: RunningService;
  const as: Record<string, AgencyClient> = {};
  let caseId: string;
  let referralId: string;

  const offers = async (agencyId: string): Promise<Offer[]> => {
    const reply = await as[agencyId].get(`/cases/${caseId}/commands`);
    expect(reply.status).toBe(200);
    return reply.body.commands;
  };
  const names = async (agencyId: string) => (await offers(agencyId)).map((o) => o.name).sort();
  const offer = async (agencyId: string, name: string) => (await offers(agencyId)).find((o) => o.name === name);

  beforeAll(async () => {
    service = await RunningService.start();
    for (const id of [SOCIAL, POLICE, MIGRATION, PROSECUTOR, AUDITOR, OUTSIDER]) as[id] = await service.as(id);
    caseId = (await as[SOCIAL].post('/cases', { subject: { category: 'victim', ageGroup: 'adult', originCountry: 'NG' } })).body.caseId;
    for (const agencyId of [POLICE, MIGRATION])
      expect((await as[SOCIAL].post(`/cases/${caseId}/team`, { agencyId, reason: 'the victim needs it' })).status).toBe(201);
    const referred = await as[POLICE].post(`/cases/${caseId}/referrals`, {
      toAgency: PROSECUTOR,
      reason: 'a prosecutor to lead the investigation',
      urgency: 'urgent',
    });
    expect(referred.status).toBe(201);
    referralId = referred.body.referralId;
  });
  afterAll(() => service?.stop());

  it("follows each agency's kind: cooperation for the police only, psychological support for social services only", async () => {
    expect(await names(POLICE)).toEqual(expect.arrayContaining(['record-cooperation', 'record-support', 'open-investigation', 'withdraw-referral']));
    for (const agency of [SOCIAL, MIGRATION]) expect(await names(agency)).not.toContain('record-cooperation');
    const kinds = async (agency: string) => (await offer(agency, 'record-support'))!.choices.kind;
    expect(await kinds(SOCIAL)).toContain('psychological');
    expect(await kinds(MIGRATION)).not.toContain('psychological');
    expect(await kinds(MIGRATION)).toContain('financial-aid');
    expect(await kinds(POLICE)).not.toEqual(expect.arrayContaining(['psychological', 'health-care', 'financial-aid']));
    // Only the lead (or a coordinator) brings agencies in; the others refer.
    expect(await names(SOCIAL)).toContain('add-agency');
    expect(await names(POLICE)).not.toContain('add-agency');
    expect((await offer(SOCIAL, 'close-case'))!.choices.wholeCase).toEqual([false]);
  });

  it('offers the addressee of a referral the answers to it, and nothing else; accepting where the offer says works', async () => {
    const answers = await offers(PROSECUTOR);
    expect(answers.map((o) => o.name).sort()).toEqual(['accept-referral', 'decline-referral']);
    const accept = answers.find((o) => o.name === 'accept-referral')!;
    expect(accept).toMatchObject({
      method: 'POST',
      path: `/cases/${caseId}/referrals/${referralId}/accept`,
      operation: '/cases/{id}/referrals/{referralId}/accept',
      params: { referralId },
    });
    expect((await as[PROSECUTOR].post(accept.path, {})).status).toBe(201);
    expect(await names(PROSECUTOR)).toEqual(expect.arrayContaining(['record-support', 'initiate-prosecution']));
    expect(await names(POLICE)).not.toContain('withdraw-referral');
  });

  it('names evidence only to its holder, and gives the team to transfer it to', async () => {
    const { evidenceId } = (await as[POLICE].post(`/cases/${caseId}/evidence`, { description: 'a phone' })).body;
    const transfer = await offer(POLICE, 'transfer-evidence');
    expect(transfer).toMatchObject({ params: { evidenceId }, path: `/cases/${caseId}/evidence/${evidenceId}/transfer` });
    expect(transfer!.choices.toAgency.sort()).toEqual([MIGRATION, PROSECUTOR, SOCIAL].sort());
    expect(await names(SOCIAL)).not.toContain('transfer-evidence');
  });

  it('offers an agency that closed its part only to reopen it', async () => {
    expect((await as[MIGRATION].post(`/cases/${caseId}/close`, { outcome: 'the permit matter is done' })).status).toBe(201);
    expect(await names(MIGRATION)).toEqual(['reopen-case']);
    expect(await names(SOCIAL)).not.toContain('reopen-case');
  });

  it('refuses auditors (they send no commands) and answers an outsider as for a case that does not exist; the lead sees each read logged', async () => {
    const auditor = await as[AUDITOR].get(`/cases/${caseId}/commands`);
    expect(auditor.status).toBe(403);
    expect(auditor.body.rule).toBe('view-refused');
    expect((await as[OUTSIDER].get(`/cases/${caseId}/commands`)).status).toBe(404);
    const log = await as[SOCIAL].get(`/cases/${caseId}/access-log?limit=1000`);
    const reads = (log.body.entries as { view: string; agency: string; outcome: string; standing: string }[]).filter((e) => e.view === 'commands');
    expect(reads).toEqual(expect.arrayContaining([{ ...reads.find((e) => e.agency === AUDITOR), outcome: 'refused', standing: 'auditor' }]));
    expect(reads.filter((e) => e.agency === PROSECUTOR).map((e) => e.standing)).toEqual(expect.arrayContaining(['addressee', 'member']));
  });

  it("describes each offer's body in the OpenAPI document, as served by this process", async () => {
    const document = (await service.request('GET', '/docs/openapi.json')).body;
    for (const o of await offers(SOCIAL)) {
      const body = document.paths[o.operation]?.post?.requestBody?.content?.['application/json']?.schema;
      expect({ name: o.name, body: body?.$ref }).toEqual({ name: o.name, body: expect.stringMatching(/^#\/components\/schemas\//) });
    }
    const support = document.components.schemas.RecordSupportDto;
    expect(support.properties.kind.enum).toContain('psychological');
    expect(support.properties.providedOn).toMatchObject({ type: 'string', format: 'date' });
    // In the order the DTO declares them, as a form built from the document asks.
    expect(Object.keys(support.properties)).toEqual(['kind', 'providedOn']);
    expect(support.required).toEqual(['kind', 'providedOn']);
    expect(document.components.schemas.DeclineReferralDto.properties.reason).toMatchObject({ minLength: 1, maxLength: 1000 });
  });
});
