import { eventLeafHash, fromHex, openCheckpoint, parseVerifierKey, verifyConsistency, verifyInclusion } from '@samverkan/ledger';
import { caseStream, envelopeHash } from '@samverkan/sealing';
import { expectIncluded } from './support/ledger-proofs';
import { AgencyClient, eventually, RunningService } from './support/running-service';

/** The ledger over HTTP, checked with nothing but the ledger library and the published key. */
describe('the ledger', () => {
  let service: RunningService;
  let police: AgencyClient;
  let auditor: AgencyClient;
  let verifier: ReturnType<typeof parseVerifierKey>;

  async function text(path: string, token?: string) {
    const response = await fetch(`${service.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  }

  async function checkpointNow() {
    const response = await fetch(`${service.baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${police.token}` } });
    expect(response.status).toBe(200);
    return openCheckpoint(await response.text(), verifier).checkpoint;
  }

  async function openCase(category = 'victim') {
    return (await police.post('/cases', { subject: { category, ageGroup: 'adult' } })).body.caseId as string;
  }

  beforeAll(async () => {
    service = await RunningService.start({ env: { SAMVERKAN_CHECKPOINT_INTERVAL_MS: '200', SAMVERKAN_LEDGER_ORIGIN: 'test.samverkan.local/ledger' } });
    police = await service.as('polisen-malmo');
    auditor = await service.as('internrevisionen');
    const key = await text('/ledger/key');
    expect(key.status).toBe(200);
    verifier = parseVerifierKey(key.body.trim());
  });
  afterAll(() => service.stop());

  it('publishes its key, without a token, in C2SP verifier-key form named after its origin', async () => {
    const key = await text('/ledger/key');
    expect(key.type).toMatch(/^text\/plain/);
    expect(key.body).toMatch(/^test\.samverkan\.local\/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*\n$/);
  });

  it('signs a checkpoint on its own while events arrive, covering them', async () => {
    const caseId = await openCase();
    const events = (await police.get(`/cases/${caseId}/timeline`)).body.events;
    const note = await eventually(async () => {
      const latest = await text('/ledger/checkpoint', police.token);
      if (latest.status !== 200) return undefined;
      const { checkpoint } = openCheckpoint(latest.body, verifier);
      return checkpoint.size >= 2 ? checkpoint : undefined;
    }, 'a checkpoint signed by the timer');
    expect(note.origin).toBe('test.samverkan.local/ledger');
    const proof = (await police.get(`/ledger/proofs/inclusion?eventId=${events[1].id}&treeSize=${note.size}`)).body;
    verifyInclusion(
      eventLeafHash(events[1].hash),
      proof.leafIndex,
      note.size,
      proof.proof.map((h: string) => fromHex(h, 'proof')),
      note.root,
    );
  });

  it('proves every event of a case included in the latest checkpoint', async () => {
    const caseId = await openCase();
    await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-02' });
    const checkpoint = await checkpointNow();
    const events = (await police.get(`/cases/${caseId}/timeline`)).body.events;
    const replies = await expectIncluded(police, events, checkpoint);
    events.forEach((event: { id: string; hash: string }, i: number) =>
      expect(replies[i].body).toMatchObject({ eventId: event.id, treeSize: checkpoint.size, eventHash: event.hash }),
    );
  });

  it('proves each checkpoint consistent with every earlier one', async () => {
    const first = await checkpointNow();
    await openCase();
    await openCase('sex-buyer');
    const second = await checkpointNow();
    expect(second.size).toBeGreaterThan(first.size);
    const reply = await police.get(`/ledger/proofs/consistency?from=${first.size}&to=${second.size}`);
    expect(reply.status).toBe(200);
    verifyConsistency(
      first.size,
      second.size,
      first.root,
      second.root,
      reply.body.proof.map((h: string) => fromHex(h, 'proof')),
    );
    const old = await text(`/ledger/checkpoints?size=${first.size}`, police.token);
    expect(openCheckpoint(old.body, verifier).checkpoint.root.equals(first.root)).toBe(true);
    const list = (await police.get('/ledger/checkpoints')).body.checkpoints;
    expect(list[0].size).toBeGreaterThanOrEqual(second.size);
  });

  it('refuses proofs for sizes it does not have, with a problem', async () => {
    const size = (await checkpointNow()).size;
    expect((await police.get(`/ledger/proofs/consistency?from=${size}&to=${size + 1000}`)).status).toBe(400);
    expect((await police.get(`/ledger/proofs/consistency?from=0&to=${size}`)).status).toBe(400);
    expect((await police.get('/ledger/proofs/inclusion?eventId=not-an-id')).status).toBe(400);
  });

  it('does not prove events of a case to an agency outside its team', async () => {
    const caseId = await openCase();
    await checkpointNow();
    const event = (await police.get(`/cases/${caseId}/timeline`)).body.events[0];
    const stranger = await service.as('polisen-stockholm');
    expect((await stranger.get(`/ledger/proofs/inclusion?eventId=${event.id}`)).status).toBe(404);
    expect((await auditor.get(`/ledger/proofs/inclusion?eventId=${event.id}`)).status).toBe(200);
  });

  it("proves to an agency on a case's team the events it may see, and only those, logging each ask", async () => {
    const caseId = await openCase();
    const social = await service.as('socialtjansten-malmo');
    const { referralId } = (await police.post(`/cases/${caseId}/referrals`, { toAgency: 'socialtjansten-malmo', reason: 'needs shelter', urgency: 'routine' }))
      .body;
    expect((await social.post(`/cases/${caseId}/referrals/${referralId}/accept`, {})).status).toBe(201);
    expect((await police.post(`/cases/${caseId}/investigations`, { reference: '5000-K77-26' })).status).toBe(201);
    const size = (await checkpointNow()).size;
    const events: Array<{ id: string; type: string }> = (await police.get(`/cases/${caseId}/timeline`)).body.events;
    const seenBySocial = new Set((await social.get(`/cases/${caseId}/timeline`)).body.events.map((e: { id: string }) => e.id));
    const investigation = events.find((e) => e.type === 'InvestigationOpened')!;
    expect(seenBySocial.has(investigation.id)).toBe(false); // secrecy of the investigation: the police's side only
    expect(seenBySocial.size).toBeGreaterThan(0);
    for (const event of events) {
      const answer = await social.get(`/ledger/proofs/inclusion?eventId=${event.id}&treeSize=${size}`);
      expect({ type: event.type, status: answer.status }).toEqual({ type: event.type, status: seenBySocial.has(event.id) ? 200 : 404 });
      expect((await auditor.get(`/ledger/proofs/inclusion?eventId=${event.id}&treeSize=${size}`)).status).toBe(200);
    }
    const log = (await police.get(`/cases/${caseId}/access-log`)).body.entries as Array<{ agency: string; view: string; outcome: string }>;
    expect(log.filter((e) => e.agency === 'socialtjansten-malmo' && e.view === 'inclusion-proof')).toHaveLength(events.length);
    expect(log.filter((e) => e.agency === 'internrevisionen' && e.view === 'inclusion-proof')).toHaveLength(events.length);
  });

  it('gives a self-contained audit bundle of a case: every event as stored, each proven in one signed checkpoint', async () => {
    const caseId = await openCase();
    await police.post(`/cases/${caseId}/support`, { kind: 'protection', providedOn: '2026-01-03' });
    const bundle = (await police.get(`/cases/${caseId}/audit-bundle`)).body;
    expect(bundle).toMatchObject({ format: 'samverkan-audit-bundle/v2', madeFor: 'polisen-malmo', caseId, stream: caseStream(caseId) });
    const { checkpoint } = openCheckpoint(bundle.checkpoint, verifier);
    expect(bundle.events.map((e: { event: { revision: number } }) => e.event.revision)).toEqual([0, 1, 2]);
    for (const { event, leafIndex, inclusionProof } of bundle.events) {
      expect(envelopeHash(event)).toBe(event.hash);
      verifyInclusion(
        eventLeafHash(event.hash),
        leafIndex,
        checkpoint.size,
        inclusionProof.map((h: string) => fromHex(h, 'proof')),
        checkpoint.root,
      );
    }
    expect((await (await service.as('polisen-stockholm')).get(`/cases/${caseId}/audit-bundle`)).status).toBe(404);
    expect((await auditor.get(`/cases/${caseId}/audit-bundle`)).status).toBe(200);
  });

  it('exports the whole log in leaf order to auditors only, up to a checkpoint', async () => {
    const checkpoint = await checkpointNow();
    expect((await police.get('/ledger/export')).status).toBe(403);
    const exported = await text(`/ledger/export?size=${checkpoint.size}`, auditor.token);
    expect(exported.status).toBe(200);
    expect(exported.type).toMatch(/^application\/x-ndjson/);
    const lines = exported.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.index)).toEqual([...Array(checkpoint.size).keys()]);
    for (const { event } of lines) expect(envelopeHash(event)).toBe(event.hash);
  });

  it('reports its size and latest checkpoint in health', async () => {
    const checkpoint = await checkpointNow();
    const health = (await service.health()).body;
    expect(health).toMatchObject({ status: 'ok', ledger: { checkpoint: expect.any(Number) } });
    expect(health.ledger.size).toBeGreaterThanOrEqual(checkpoint.size);
  });
});
