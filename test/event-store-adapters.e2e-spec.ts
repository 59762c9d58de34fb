/**
 * The service on the production event stores: the same API over a real PostgreSQL server (`EVENT_STORE=postgres`,
 * each run in a fresh schema) and a real EventStoreDB (`EVENT_STORE=eventstoredb`, where one is reachable; see
 * libs/eventstore/src/testing/eventstoredb.ts). Commands are acknowledged once the store has them, survive a
 * restart, and concurrent commands on one case neither fork its chain nor lose one; the ledger follows the log.
 */
import { describeWithEventStoreDb, eventStoreDbConnectionString } from '@samverkan/eventstore/testing/eventstoredb';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { AgencyClient, eventually, RunningService } from './support/running-service';

jest.setTimeout(60_000);

describeWithPostgres('the service on the PostgreSQL event store', () => {
  const schema = freshSchemaName();
  describeServiceOn('PostgreSQL', () => ({ EVENT_STORE: 'postgres', DATABASE_URL: postgresUrl, SAMVERKAN_DATABASE_SCHEMA: schema }));
  afterAll(() => dropSchemas([schema]));
});

// Read models stay in SQLite here (no DATABASE_URL): EventStoreDB holds only the log. The server keeps what
// each run writes; every case is new, and the ledger and projections take the whole log as it is.
describeWithEventStoreDb('the service on the EventStoreDB event store', () => {
  describeServiceOn('EventStoreDB', () => ({ EVENT_STORE: 'eventstoredb', ESDB_CONNECTION_STRING: eventStoreDbConnectionString() }));
});

function describeServiceOn(store: string, environment: () => Record<string, string>): void {
  let service: RunningService;
  let police: AgencyClient;
  let social: AgencyClient;

  const start = async (dataDir?: string) => {
    service = await RunningService.start({ env: environment(), dataDir });
    police = await service.as('polisen-stockholm');
    social = await service.as('socialtjansten-stockholm');
  };

  beforeAll(() => start());
  afterAll(() => service?.stop());

  it('runs a case through referral and support, with a chain that verifies, and keeps it across a restart', async () => {
    const opened = await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
    expect(opened.status).toBe(201);
    const { caseId } = opened.body;
    const referral = await police.post(`/cases/${caseId}/referrals`, { toAgency: 'socialtjansten-stockholm', reason: 'support', urgency: 'routine' });
    expect(referral.status).toBe(201);
    expect((await social.post(`/cases/${caseId}/referrals/${referral.body.referralId}/accept`)).status).toBe(201);
    expect((await social.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-01' })).status).toBe(201);

    const before = (await police.get(`/cases/${caseId}/timeline`)).body.events;
    expect(before.map((e: { type: string }) => e.type)).toEqual([
      'CaseOpened',
      'AgencyJoinedCase',
      'CaseReferred',
      'ReferralAccepted',
      'AgencyJoinedCase',
      'SupportProvided',
    ]);
    expect((await police.get(`/cases/${caseId}/verify`)).body).toMatchObject({ caseId, result: 'ok', events: before.length });

    await service.stop({ keepData: true });
    await start(service.config.dataDir);
    expect((await police.get(`/cases/${caseId}/timeline`)).body.events).toEqual(before);
  });

  it('accepts concurrent commands on one case without forking its chain or losing one', async () => {
    const { caseId } = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body;
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: `2026-03-${String((i % 28) + 1).padStart(2, '0')}` }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 201));
    const events = (await police.get(`/cases/${caseId}/timeline`)).body.events as Array<{ id: string; revision: number }>;
    const acknowledged = replies.flatMap((r) => r.body.events.map((e: { id: string }) => e.id));
    expect(events.filter((e) => acknowledged.includes(e.id))).toHaveLength(40);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    expect((await police.get(`/cases/${caseId}/verify`)).body).toMatchObject({ result: 'ok', events: events.length });
  });

  it(`has the ledger follow the ${store} log: an inclusion proof of the last event`, async () => {
    const { caseId } = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body;
    const last = (await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-01' })).body.events[0].id;
    await eventually(async () => {
      const proof = await police.get(`/ledger/proofs/inclusion?eventId=${last}`);
      return proof.status === 200 ? proof : undefined;
    }, 'an inclusion proof of the last event');
  });
}
