import { AgencyClient, eventually, RunningService } from './support/running-service';

/** Without Kafka, each agency polls its feed: the events the access table lets it see, in log order. */
describe("an agency's feed", () => {
  let service: RunningService;
  let police: AgencyClient;
  let social: AgencyClient;
  let migration: AgencyClient;

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-stockholm');
    social = await service.as('socialtjansten-stockholm');
    migration = await service.as('migrationsverket-stockholm');
  });
  afterAll(() => service.stop());

  async function feedOf(client: AgencyClient, caseId: string, count: number) {
    return eventually(async () => {
      const events = [];
      let after = '0';
      for (;;) {
        const page = (await client.get(`/agencies/me/feed?after=${after}&limit=3`)).body;
        events.push(...page.events);
        if (page.events.length === 0) break;
        after = page.next;
      }
      const ofCase = events.filter((e: { caseId: string }) => e.caseId === caseId);
      return ofCase.length >= count ? ofCase : undefined;
    }, `${count} feed events`);
  }

  it('carries exactly what the access table grants each agency, in order, page by page', async () => {
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-01' });
    const referralId = (await police.post(`/cases/${caseId}/referrals`, { toAgency: 'socialtjansten-stockholm', reason: 'support', urgency: 'routine' })).body
      .referralId;
    await social.post(`/cases/${caseId}/referrals/${referralId}/accept`);
    await police.post(`/cases/${caseId}/team`, { agencyId: 'migrationsverket-stockholm', reason: 'permit' });
    await social.post(`/cases/${caseId}/support`, { kind: 'psychological', providedOn: '2026-03-02' });
    await police.post(`/cases/${caseId}/evidence`, { description: 'ledger of payments' });

    // The psychological support stays with social services: nobody consented to sharing health details.
    const toPolice = await feedOf(police, caseId, 8);
    expect(toPolice.map((e: { type: string }) => e.type)).toEqual([
      'CaseOpened',
      'AgencyJoinedCase',
      'SupportProvided',
      'CaseReferred',
      'ReferralAccepted',
      'AgencyJoinedCase',
      'AgencyJoinedCase',
      'EvidenceRegistered',
    ]);
    const toSocial = await feedOf(social, caseId, 6);
    expect(toSocial.map((e: { type: string }) => e.type)).toEqual([
      'CaseReferred',
      'ReferralAccepted',
      'AgencyJoinedCase',
      'AgencyJoinedCase',
      'SupportProvided',
      'EvidenceRegistered',
    ]);
    expect(toSocial[0].case).toMatchObject({
      caseId,
      status: 'open',
      subject: { category: 'victim', ageGroup: 'adult' },
      city: 'stockholm',
      exploitation: null,
    });
    expect(toSocial[0].case).not.toHaveProperty('team');
    // Its joining brings it the case as it stands, as social services may see it.
    expect(toSocial[2].case).toMatchObject({ caseId, team: [expect.anything(), expect.anything()], support: { total: 1, byKind: { shelter: 1 } } });
    expect(toSocial[5].data).not.toHaveProperty('description');
    expect(toSocial[5].withheldFields).toEqual(['description']);
    expect(toSocial.map((e: { basis: string }) => e.basis)).toEqual(['mandate', 'mandate', 'mandate', 'mandate', 'mandate', 'mandate']);

    const toMigration = await feedOf(migration, caseId, 2);
    expect(toMigration.map((e: { type: string }) => e.type)).toEqual(['AgencyJoinedCase', 'EvidenceRegistered']);

    for (const entry of toPolice) expect(entry).toMatchObject({ caseId, hash: expect.stringMatching(/^[0-9a-f]{64}$/), withheldFields: [] });
    const cursors = toPolice.map((e: { cursor: string }) => Number(e.cursor));
    expect([...cursors].sort((a, b) => a - b)).toEqual(cursors);
  });

  it('refuses a malformed cursor', async () => {
    expect((await police.get('/agencies/me/feed?after=abc')).status).toBe(400);
  });
});
