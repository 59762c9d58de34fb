import { AgencyClient, RunningService } from './support/running-service';

/**
 * Every route refuses bad input with a clear RFC 9457 problem, and writes nothing: the case's revision is the
 * same after the refusal as before.
 */
describe('refusing bad input', () => {
  let service: RunningService;
  let police: AgencyClient;
  let migration: AgencyClient;
  let caseId: string;

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-stockholm');
    migration = await service.as('migrationsverket-stockholm');
    const opened = await police.post('/cases', { subject: { category: 'sex-buyer', ageGroup: 'adult' } });
    caseId = opened.body.caseId;
    await police.post(`/cases/${caseId}/team`, { agencyId: 'migrationsverket-stockholm', reason: 'residence questions' });
  });
  afterAll(() => service.stop());

  async function revision(): Promise<number> {
    return (await police.get(`/cases/${caseId}/timeline`)).body.revision;
  }

  async function expectProblem(reply: { status: number; headers: Headers; body: { detail?: string } }, status: number, detail: RegExp) {
    expect({ status: reply.status, detail: reply.body?.detail }).toEqual({ status, detail: expect.stringMatching(detail) });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, instance: expect.any(String) });
  }

  const malformed: Array<[string, string, unknown, RegExp]> = [
    ['opening a case without a subject', '/cases', {}, /subject/],
    ['opening a case with an unknown category', '/cases', { subject: { category: 'witness', ageGroup: 'adult' } }, /category must be one of/],
    ['opening a case with an unknown field', '/cases', { subject: { category: 'victim', ageGroup: 'adult' }, name: 'Anna' }, /property name should not exist/],
    [
      'opening a case with an unknown subject field',
      '/cases',
      { subject: { category: 'victim', ageGroup: 'adult', personalNumber: '1' } },
      /subject.personalNumber/,
    ],
    [
      'opening a case with an unknown contact type',
      '/cases',
      { subject: { category: 'victim', ageGroup: 'adult' }, contact: 'telepathy' },
      /contact must be one of/,
    ],
    [
      'opening a case in an unknown city',
      '/cases',
      { subject: { category: 'victim', ageGroup: 'adult' }, city: 'uppsala' },
      /^uppsala is not a listed municipality/,
    ],
    ['opening a case whose subject is a list', '/cases', { subject: [{ category: 'victim', ageGroup: 'child' }] }, /subject must be an object/],
    ['opening a case whose subject is an empty list', '/cases', { subject: [] }, /subject must be an object/],
    [
      'referring with a due time as a week date',
      '/cases/:id/referrals',
      { toAgency: 'polisen-noa', reason: 'r', urgency: 'urgent', dueBy: '2027-W10' },
      /dueBy must be an RFC 3339 time/,
    ],
    [
      'referring with a due time that does not exist',
      '/cases/:id/referrals',
      { toAgency: 'polisen-noa', reason: 'r', urgency: 'urgent', dueBy: '2027-02-30T10:00:00Z' },
      /dueBy/,
    ],
    ['accepting a referral with a field', '/cases/:id/referrals/r-1/accept', { reason: 'ignored' }, /property reason should not exist/],
    ['withdrawing a referral with a field', '/cases/:id/referrals/r-1/withdraw', { foo: 1 }, /property foo should not exist/],
    ['adding an agency without a reason', '/cases/:id/team', { agencyId: 'polisen-noa' }, /reason/],
    ['referring without urgency', '/cases/:id/referrals', { toAgency: 'polisen-noa', reason: 'r' }, /urgency/],
    [
      'referring with a due time that is not a time',
      '/cases/:id/referrals',
      { toAgency: 'polisen-noa', reason: 'r', urgency: 'urgent', dueBy: 'tomorrow' },
      /dueBy/,
    ],
    ['declining without a reason', '/cases/:id/referrals/r-1/decline', {}, /reason/],
    ['recording an unknown kind of support', '/cases/:id/support', { kind: 'money', providedOn: '2026-01-01' }, /kind must be one of/],
    ['recording support on a date that is not a date', '/cases/:id/support', { kind: 'shelter', providedOn: '2026-13-45' }, /providedOn/],
    ['recording consent without saying whether it is given', '/cases/:id/consent', { scope: 'share-with-migration', by: 'person', on: '2026-01-01' }, /given/],
    [
      'recording consent for a scope outside the vocabulary',
      '/cases/:id/consent',
      { scope: 'share-with-everyone', given: true, by: 'person', on: '2026-01-01' },
      /scope must be one of/,
    ],
    ['recording consent without who gave it', '/cases/:id/consent', { scope: 'share-with-migration', given: true, on: '2026-01-01' }, /by must be one of/],
    ['deciding a reflection period without a decision', '/cases/:id/reflection-period', {}, /granted/],
    [
      'deciding a reflection period of a length of its own',
      '/cases/:id/reflection-period',
      { granted: true, until: '2031-01-01' },
      /property until should not exist/,
    ],
    ['extending a reflection period without a reason', '/cases/:id/reflection-period/extension', { until: '2027-01-01' }, /reason/],
    ['deciding a residence permit without a decision', '/cases/:id/residence-permit', { until: '2027-01-01' }, /granted/],
    ['applying for a residence permit without the conditions', '/cases/:id/residence-permit/application', { presenceNeeded: true }, /willToCooperate/],
    ['recording a citizenship that is not a country code', '/cases/:id/citizenship', { citizenship: 'Estonia' }, /ISO 3166-1 alpha-2/],
    ['recording an unknown cooperation status', '/cases/:id/cooperation', { status: 'maybe' }, /status must be one of/],
    ['opening an investigation without a reference', '/cases/:id/investigations', {}, /reference/],
    ['closing an investigation with an unknown outcome', '/cases/:id/investigations/i-1/close', { outcome: 'solved' }, /outcome must be one of/],
    ['prosecuting no one', '/cases/:id/prosecution', { defendants: [] }, /defendants/],
    [
      'prosecuting a defendant without charges',
      '/cases/:id/prosecution',
      { defendants: [{ personId: '0190a0b0-0000-7000-8000-000000000001', charges: [] }] },
      /defendants\.0\.charges/,
    ],
    [
      'prosecuting an unknown offence',
      '/cases/:id/prosecution',
      { defendants: [{ personId: '0190a0b0-0000-7000-8000-000000000001', charges: ['jaywalking'] }] },
      /charges/,
    ],
    [
      'prosecuting a defendant named by something not a person record id',
      '/cases/:id/prosecution',
      { defendants: [{ personId: 'Nils Nilsson', charges: ['procuring'] }] },
      /personId/,
    ],
    [
      'recording a sentence of a defendant named by something not a person record id',
      '/cases/:id/sentencing',
      { defendantId: 'Nils', court: 'c', verdict: 'acquitted', offences: ['procuring'], appealed: false, decidedOn: '2026-01-01' },
      /defendantId/,
    ],
    [
      'recording a sentence without a verdict',
      '/cases/:id/sentencing',
      { court: 'Stockholms tingsrätt', offences: ['procuring'], appealed: false, decidedOn: '2026-01-01' },
      /verdict/,
    ],
    [
      'recording a conviction whose sentence is a list',
      '/cases/:id/sentencing',
      { court: 'c', verdict: 'convicted', offences: ['procuring'], sentence: [], appealed: false, decidedOn: '2026-01-01' },
      /sentence must be an object/,
    ],
    [
      'recording a sentence of an unknown kind',
      '/cases/:id/sentencing',
      { court: 'c', verdict: 'convicted', offences: ['procuring'], sentence: { kind: 'exile' }, appealed: false, decidedOn: '2026-01-01' },
      /sentence.kind/,
    ],
    ['registering evidence with a malformed hash', '/cases/:id/evidence', { description: 'phone', contentSha256: 'abc' }, /contentSha256/],
    ['transferring evidence without a recipient', '/cases/:id/evidence/e-1/transfer', { reason: 'r' }, /toAgency/],
    ['closing a case without an outcome', '/cases/:id/close', {}, /outcome/],
    ['reopening a case without a reason', '/cases/:id/reopen', {}, /reason/],
  ];

  it.each(malformed)('answers %s with 400 and writes nothing', async (_, path, body, detail) => {
    const before = await revision();
    await expectProblem(await police.post(path.replace(':id', caseId), body), 400, detail);
    expect(await revision()).toBe(before);
  });

  const ruleBreaks: Array<[string, () => AgencyClient, string, unknown, number, RegExp]> = [
    [
      'a referral to an agency that does not exist',
      () => police,
      '/cases/:id/referrals',
      { toAgency: 'polisen-narnia', reason: 'r', urgency: 'routine' },
      400,
      /polisen-narnia is not a registered agency/,
    ],
    [
      'a referral to an agency already on the team',
      () => police,
      '/cases/:id/referrals',
      { toAgency: 'migrationsverket-stockholm', reason: 'r', urgency: 'routine' },
      409,
      /migrationsverket-stockholm/,
    ],
    ['accepting a referral that does not exist', () => police, '/cases/:id/referrals/no-such-referral/accept', {}, 404, /no-such-referral/],
    ['cooperation recorded for a sex buyer', () => police, '/cases/:id/cooperation', { status: 'willing' }, 422, /only for victims/],
    ['the police deciding a reflection period', () => police, '/cases/:id/reflection-period', { granted: true }, 403, /migration/],
    [
      'the Migration Agency applying for a reflection period',
      () => migration,
      '/cases/:id/reflection-period/application',
      {},
      403,
      /police, prosecution or social-services/,
    ],
    ['the Migration Agency opening an investigation', () => migration, '/cases/:id/investigations', { reference: 'x' }, 403, /police|prosecution/],
    [
      'the police recording a sentencing outcome',
      () => police,
      '/cases/:id/sentencing',
      { court: 'c', verdict: 'acquitted', offences: ['procuring'], appealed: false, decidedOn: '2026-01-01' },
      403,
      /prosecution/,
    ],
    [
      'closing an investigation that does not exist',
      () => police,
      '/cases/:id/investigations/no-such-investigation/close',
      { outcome: 'discontinued' },
      404,
      /no-such-investigation/,
    ],
    [
      'transferring evidence that does not exist',
      () => police,
      '/cases/:id/evidence/no-such-evidence/transfer',
      { toAgency: 'migrationsverket-stockholm', reason: 'r' },
      404,
      /no-such-evidence/,
    ],
    [
      'an agency other than a coordinator closing the whole case',
      () => migration,
      '/cases/:id/close',
      { outcome: 'done', wholeCase: true },
      403,
      /only a coordinator may close the whole case/,
    ],
    ['reopening a case that is open', () => police, '/cases/:id/reopen', { reason: 'r' }, 409, /open/],
  ];

  it.each(ruleBreaks)('refuses %s with a problem naming the rule, and writes nothing', async (_, client, path, body, status, detail) => {
    const before = await revision();
    const reply = await client().post(path.replace(':id', caseId), body);
    await expectProblem(reply, status, detail);
    expect(await revision()).toBe(before);
  });

  it('refuses a body that is not JSON', async () => {
    const reply = await service.request('POST', '/cases', {
      token: police.token,
      rawBody: '{"subject": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('refuses a case id that is not a UUID', async () => {
    const reply = await police.post('/cases/not-a-uuid/support', { kind: 'shelter', providedOn: '2026-01-01' });
    expect(reply.status).toBe(400);
  });

  it('answers a command on a case that does not exist with 404', async () => {
    await expectProblem(
      await police.post('/cases/00000000-0000-7000-8000-000000000000/support', { kind: 'shelter', providedOn: '2026-01-01' }),
      404,
      /not found/,
    );
  });

  it('refuses a command whose If-Match revision is stale with 412, and writes nothing', async () => {
    const before = await revision();
    const reply = await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-01' }, { 'if-match': `"${before - 1}"` });
    await expectProblem(reply, 412, new RegExp(`revision ${before}`));
    expect(await revision()).toBe(before);
  });

  it('accepts a command whose If-Match revision is current, and answers with the new ETag', async () => {
    const before = await revision();
    const reply = await police.post(`/cases/${caseId}/support`, { kind: 'protection', providedOn: '2026-01-01' }, { 'if-match': `"${before}"` });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('etag')).toBe(`"${before + 1}"`);
  });

  it('refuses a malformed If-Match with 400', async () => {
    await expectProblem(await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-01' }, { 'if-match': 'three' }), 400, /If-Match/);
  });

  it('never forks the chain under concurrent commands on one case', async () => {
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        police.post(`/cases/${caseId}/support`, { kind: 'outreach', providedOn: '2026-01-01' }, { 'idempotency-key': `concurrent-${i}` }),
      ),
    );
    for (const reply of replies) expect([201, 409]).toContain(reply.status);
    const accepted = replies.filter((r) => r.status === 201);
    expect(accepted.length).toBeGreaterThan(0);
    const revisions = accepted.map((r) => r.body.revision);
    expect(new Set(revisions).size).toBe(revisions.length);
    expect((await police.get(`/cases/${caseId}/verify`)).body).toMatchObject({ result: 'ok' });
  });

  it('refuses an As-of time given as a week date', async () => {
    await expectProblem(await police.get(`/cases/${caseId}?asOf=2027-W10`), 400, /asOf/);
  });

  it('treats an upper-case case id as the same case', async () => {
    const reply = await police.get(`/cases/${caseId.toUpperCase()}`);
    expect(reply.status).toBe(200);
    expect(reply.body.caseId).toBe(caseId);
  });

  it('refuses a case id that is not a UUID with a problem', async () => {
    await expectProblem(await police.get('/cases/not-a-uuid'), 400, /not a case id/);
  });

  it('gives an agency outside the team the same 404 with any If-Match, as for a missing case', async () => {
    const outsider = await service.as('polisen-goteborg');
    const missing = '00000000-0000-7000-8000-000000000000';
    for (const ifMatch of ['"-1"', '"0"', `"${await revision()}"`]) {
      const hidden = await outsider.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-01' }, { 'if-match': ifMatch });
      const absent = await outsider.post(`/cases/${missing}/support`, { kind: 'shelter', providedOn: '2026-01-01' }, { 'if-match': ifMatch });
      expect({ ifMatch, hidden: hidden.status, absent: absent.status }).toEqual({ ifMatch, hidden: 404, absent: 404 });
      expect(hidden.body.detail.replace(caseId, missing)).toBe(absent.body.detail);
    }
  });

  describe('reusing an Idempotency-Key', () => {
    it('answers the same request again with the first answer', async () => {
      const first = await police.post(`/cases/${caseId}/support`, { kind: 'legal-counsel', providedOn: '2026-01-02' }, { 'idempotency-key': 'reuse-1' });
      const again = await police.post(`/cases/${caseId}/support`, { kind: 'legal-counsel', providedOn: '2026-01-02' }, { 'idempotency-key': 'reuse-1' });
      expect([first.status, again.status]).toEqual([201, 200]);
      expect(again.body).toEqual(first.body);
    });

    it('refuses it for a different body, and writes nothing', async () => {
      const before = await revision();
      await expectProblem(
        await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-02' }, { 'idempotency-key': 'reuse-1' }),
        422,
        /already used .* for a different request/,
      );
      expect(await revision()).toBe(before);
    });

    it('refuses it for a different route, and writes nothing', async () => {
      const before = await revision();
      await expectProblem(
        await police.post(
          `/cases/${caseId}/consent`,
          { scope: 'share-with-social-services', given: true, by: 'person', on: '2026-03-02' },
          { 'idempotency-key': 'reuse-1' },
        ),
        422,
        /for a different request/,
      );
      expect(await revision()).toBe(before);
    });

    it('refuses it for opening a case with another subject', async () => {
      const body = (category: string) => ({ subject: { category, ageGroup: 'adult' } });
      expect((await police.post('/cases', body('victim'), { 'idempotency-key': 'open-reuse' })).status).toBe(201);
      await expectProblem(await police.post('/cases', body('sex-buyer'), { 'idempotency-key': 'open-reuse' }), 422, /for a different request/);
    });
  });

  describe('answering a referral', () => {
    it('answers a second accept, a decline after an accept, and a late withdrawal with 409', async () => {
      const social = await service.as('socialtjansten-stockholm');
      const referral = await police.post(`/cases/${caseId}/referrals`, {
        toAgency: 'socialtjansten-stockholm',
        reason: 'support for the subject',
        urgency: 'routine',
      });
      expect(referral.status).toBe(201);
      const path = `/cases/${caseId}/referrals/${referral.body.referralId}`;
      expect((await social.post(`${path}/accept`)).status).toBe(201);
      const before = await revision();
      await expectProblem(await social.post(`${path}/accept`), 409, /accepted/);
      await expectProblem(await social.post(`${path}/decline`, { reason: 'changed our mind' }), 409, /accepted/);
      await expectProblem(await police.post(`${path}/withdraw`), 409, /accepted/);
      expect(await revision()).toBe(before);
    });

    it('answers recording the same cooperation twice with 409', async () => {
      const victimCase = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
      expect((await police.post(`/cases/${victimCase}/cooperation`, { status: 'willing' })).status).toBe(201);
      await expectProblem(await police.post(`/cases/${victimCase}/cooperation`, { status: 'willing' }), 409, /willing/);
    });
  });
});
