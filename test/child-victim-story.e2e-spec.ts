import { AgencyClient, eventually, RunningService } from './support/running-service';

/**
 * The whole story of a child victim from the source material, over HTTP against the running service: opened
 * by the police in Malmö, referred to social services by the service itself, accepted; shelter and
 * psychological support, consent, cooperation; investigation, prosecution, conviction with a prison
 * sentence; the case closed. Its timeline replays as of any point and its chain verifies.
 */
describe('the story of a child victim', () => {
  let service: RunningService;
  let police: AgencyClient;
  let social: AgencyClient;
  let prosecutor: AgencyClient;
  let caseId: string;
  const revisionAfter: Record<string, number> = {};
  const recordedAfter: Record<string, string> = {};

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-malmo', 'officer-17');
    social = await service.as('socialtjansten-malmo', 'social-worker-3');
    prosecutor = await service.as('aklagare-internationella', 'prosecutor-2');
  });

  afterAll(() => service.stop());

  async function step(name: string, client: AgencyClient, path: string, body: unknown) {
    const reply = await client.post(path, body);
    expect({ name, status: reply.status, body: reply.body }).toMatchObject({ name, status: 201 });
    revisionAfter[name] = reply.body.revision;
    const timeline = await police.get(`/cases/${caseId}/timeline`);
    recordedAfter[name] = timeline.body.events.at(-1).recordedAt;
    return reply.body;
  }

  it('is opened by the police in Malmö, who lead it', async () => {
    const reply = await police.post(
      '/cases',
      { subject: { category: 'victim', ageGroup: 'child', gender: 'female', originRegion: 'baltic' }, exploitation: 'sexual-exploitation' },
      { 'idempotency-key': 'malmo-2026-0001' },
    );
    expect(reply.status).toBe(201);
    expect(reply.headers.get('etag')).toBe('"1"');
    expect(reply.body.events.map((e: { type: string }) => e.type)).toEqual(['CaseOpened', 'AgencyJoinedCase']);
    caseId = reply.body.caseId;
    revisionAfter.opened = 1;
  });

  it('answers a retried opening with the same case and writes nothing', async () => {
    const again = await police.post(
      '/cases',
      { subject: { category: 'victim', ageGroup: 'child', gender: 'female', originRegion: 'baltic' }, exploitation: 'sexual-exploitation' },
      { 'idempotency-key': 'malmo-2026-0001' },
    );
    expect(again.status).toBe(200);
    expect(again.body.caseId).toBe(caseId);
    expect(again.body.revision).toBe(1);
  });

  let referralId: string;

  it('is referred by the service itself to the social services of Malmö, because the subject is a child', async () => {
    const referral = await eventually(async () => {
      const worklist = await social.get('/agencies/me/worklist');
      return worklist.body.referralsAwaitingAnswer.find((r: { caseId: string }) => r.caseId === caseId);
    }, 'the automatic referral in the worklist of socialtjansten-malmo');
    expect(referral).toMatchObject({ fromAgency: 'samverkan', urgency: 'urgent', subject: { category: 'victim', ageGroup: 'child' } });
    referralId = referral.referralId;

    const timeline = await police.get(`/cases/${caseId}/timeline`);
    const referred = timeline.body.events.find((e: { type: string }) => e.type === 'CaseReferred');
    const opened = timeline.body.events.find((e: { type: string }) => e.type === 'CaseOpened');
    expect(referred).toMatchObject({ agency: 'samverkan', causationId: opened.id, data: { toAgency: 'socialtjansten-malmo', automatic: true } });
  });

  it('shows the addressed social services only what the referral needs, until they accept', async () => {
    const summary = await social.get(`/cases/${caseId}`);
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual(expect.objectContaining({ caseId, subject: { category: 'victim', ageGroup: 'child' } }));
    expect(summary.body.team).toBeUndefined();
    expect((await social.get(`/cases/${caseId}/timeline`)).status).toBe(404);
  });

  it('is accepted by social services, who join the team', async () => {
    const body = await step('accepted', social, `/cases/${caseId}/referrals/${referralId}/accept`, {});
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(['ReferralAccepted', 'AgencyJoinedCase']);
  });

  it('records shelter and psychological support, consent and the victim’s cooperation', async () => {
    await step('shelter', social, `/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-02' });
    await step('psychological', social, `/cases/${caseId}/support`, { kind: 'psychological', providedOn: '2026-03-05' });
    await step('consent', social, `/cases/${caseId}/consent`, { scope: 'information-sharing', given: true });
    await step('cooperation', police, `/cases/${caseId}/cooperation`, { status: 'willing' });
  });

  let investigationId: string;

  it('is investigated by the police, who bring in the prosecutor', async () => {
    const opened = await step('investigation', police, `/cases/${caseId}/investigations`, { reference: '5000-K123456-26' });
    investigationId = opened.investigationId;
    expect(investigationId).toEqual(expect.any(String));
    await step('prosecutor-added', police, `/cases/${caseId}/team`, { agencyId: 'aklagare-internationella', reason: 'preliminary investigation led by a prosecutor' });
    await step('statement', police, `/cases/${caseId}/cooperation`, { status: 'statement-given' });
    await step('investigation-closed', prosecutor, `/cases/${caseId}/investigations/${investigationId}/close`, { outcome: 'charges-filed' });
  });

  it('is prosecuted, and the trafficker convicted to prison', async () => {
    await step('prosecution', prosecutor, `/cases/${caseId}/prosecution`, { charges: ['trafficking-in-human-beings', 'purchase-of-sexual-act-from-child'] });
    await step('sentenced', prosecutor, `/cases/${caseId}/sentencing`, {
      court: 'Malmö tingsrätt',
      verdict: 'convicted',
      offences: ['trafficking-in-human-beings'],
      sentence: { kind: 'prison', months: 48 },
      appealed: false,
      decidedOn: new Date().toISOString().slice(0, 10),
    });
  });

  it('is closed by its lead', async () => {
    await step('closed', police, `/cases/${caseId}/close`, { outcome: 'trafficker convicted; victim in long-term support' });
    const summary = await police.get(`/cases/${caseId}`);
    expect(summary.body).toMatchObject({
      status: 'closed',
      leadAgency: 'polisen-malmo',
      subject: { category: 'victim', ageGroup: 'child' },
      cooperation: 'statement-given',
      prosecution: { charges: ['trafficking-in-human-beings', 'purchase-of-sexual-act-from-child'] },
      sentencing: [{ verdict: 'convicted', sentence: { kind: 'prison', months: 48 } }],
    });
    expect(summary.body.team.map((m: { agencyId: string }) => m.agencyId).sort()).toEqual(['aklagare-internationella', 'polisen-malmo', 'socialtjansten-malmo']);
    expect(summary.body.investigations).toEqual([expect.objectContaining({ investigationId, status: 'closed', outcome: 'charges-filed' })]);
  });

  it('replays as it stood at every revision and at every point in time', async () => {
    const full = await police.get(`/cases/${caseId}/timeline`);
    const events = full.body.events;
    expect(events.map((e: { revision: number }) => e.revision)).toEqual(events.map((_: unknown, i: number) => i));
    for (const [name, revision] of Object.entries(revisionAfter)) {
      const then = await police.get(`/cases/${caseId}/timeline?revision=${revision}`);
      expect({ name, revisions: then.body.events.length }).toEqual({ name, revisions: revision + 1 });
      expect(then.body.events).toEqual(events.slice(0, revision + 1));
    }
    const beforeSentence = await police.get(`/cases/${caseId}?asOf=${encodeURIComponent(recordedAfter.prosecution)}`);
    expect(beforeSentence.body).toMatchObject({ status: 'open', sentencing: [] });
    expect(beforeSentence.body.prosecution).not.toBeNull();
    const atCooperation = await police.get(`/cases/${caseId}?revision=${revisionAfter.cooperation}`);
    expect(atCooperation.body).toMatchObject({ status: 'open', cooperation: 'willing', investigations: [], prosecution: null });
  });

  it('has a hash chain that verifies', async () => {
    const verdict = await police.get(`/cases/${caseId}/verify`);
    expect(verdict.body).toMatchObject({ caseId, result: 'ok' });
    const timeline = await police.get(`/cases/${caseId}/timeline`);
    expect(verdict.body.events).toBe(timeline.body.events.length);
    expect(verdict.body.head).toBe(timeline.body.events.at(-1).hash);
    expect(timeline.body.events[0].prev).toBe('0'.repeat(64));
    for (let i = 1; i < timeline.body.events.length; i++) expect(timeline.body.events[i].prev).toBe(timeline.body.events[i - 1].hash);
  });

  it('stays hidden from agencies that are not on its team', async () => {
    const stranger = await service.as('polisen-stockholm');
    for (const path of [`/cases/${caseId}`, `/cases/${caseId}/timeline`, `/cases/${caseId}/verify`]) {
      const reply = await stranger.get(path);
      expect({ path, status: reply.status }).toEqual({ path, status: 404 });
    }
    const unknown = await stranger.get('/cases/00000000-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect((await stranger.get(`/cases/${caseId}`)).body.detail).toBe(unknown.body.detail.replace('00000000-0000-7000-8000-000000000000', caseId));
  });
});
