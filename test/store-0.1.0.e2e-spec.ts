import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CASE_INDEX_FOLD, CURRENT_FOLD } from '../apps/coordinator/src/case-index/case-index';
import { AgencyClient, eventually, RunningService } from './support/running-service';

/**
 * The service started on a data directory written by 0.1.0 (test/fixtures/store-0.1.0): consent events of
 * version 1 are read as the current version reads them, while their stored bytes, hashes and chain stay as
 * sealed; the case index, folded by 0.1.0's fold, is folded again, and its feeds keep what they delivered.
 */
describe('a store written by 0.1.0', () => {
  const ADULT_CASE = '25e826be-ffa2-5dc8-8158-90978c11e98a';
  const CHILD_CASE = '4a71a984-d47f-5d21-9e6d-ae2709e6fb21';
  let service: RunningService;
  let police: AgencyClient;
  let auditor: AgencyClient;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-store-0.1.0-'));
    for (const file of ['events.db', 'case-index.db']) cpSync(join(__dirname, 'fixtures/store-0.1.0', file), join(dataDir, file));
    service = await RunningService.start({ dataDir });
    police = await service.as('polisen-malmo');
    auditor = await service.as('internrevisionen');
  });

  afterAll(() => service?.stop());

  it('hands out its version 1 consent events as they were sealed', async () => {
    const timeline = (await auditor.get(`/cases/${ADULT_CASE}/timeline`)).body.events;
    const consents = timeline.filter((e: { type: string }) => e.type.startsWith('Consent'));
    expect(consents.map((e: { type: string; schemaVersion: number; data: object }) => [e.type, e.schemaVersion, e.data])).toEqual([
      ['ConsentGiven', 1, { scope: 'information-sharing', recordedBy: 'socialtjansten-malmo' }],
      ['ConsentGiven', 1, { scope: 'share-with-migration', recordedBy: 'socialtjansten-malmo' }],
      ['ConsentWithdrawn', 1, { scope: 'share-with-migration', recordedBy: 'socialtjansten-malmo' }],
    ]);
    expect((await auditor.get(`/cases/${ADULT_CASE}/verify`)).body).toMatchObject({ result: 'ok', events: 13 });
  });

  it('reads them as consent given by someone unrecorded, on a day unrecorded; a scope outside the vocabulary grants nothing', async () => {
    const summary = (await police.get(`/cases/${ADULT_CASE}`)).body;
    expect(summary.consents).toEqual([{ scope: 'information-sharing', givenBy: null, givenOn: null, recordedBy: 'socialtjansten-malmo' }]);
    // The psychological support of 0.1.0 stays with social services: no consent to share health details.
    expect(summary.support.byKind).toEqual({ shelter: 1 });
    const migration = await service.as('migrationsverket-goteborg');
    const toMigration = (await migration.get(`/cases/${ADULT_CASE}`)).body;
    expect(toMigration.access.support).toBeNull(); // consent to share with it was withdrawn
  });

  it('takes new consent in version 2 after the old', async () => {
    const social = await service.as('socialtjansten-malmo');
    const reply = await social.post(`/cases/${ADULT_CASE}/consent`, { scope: 'share-with-migration', given: true, by: 'person', on: '2026-12-01' });
    expect(reply.status).toBe(201);
    const last = (await auditor.get(`/cases/${ADULT_CASE}/timeline`)).body.events.at(-1);
    expect(last).toMatchObject({ type: 'ConsentGiven', schemaVersion: 2, data: { scope: 'share-with-migration', givenBy: 'person', givenOn: '2026-12-01' } });
  });

  it('folds its case index again, and keeps what the feeds had delivered', async () => {
    // Once the consent just given is in the feed, the index has folded everything before it.
    await eventually(async () => {
      const feed = (await police.get('/agencies/me/feed?limit=1000')).body.events;
      return feed.at(-1)?.type === 'ConsentGiven' ? true : undefined;
    }, 'the index to fold the new consent');
    const worklist = (await police.get('/agencies/me/worklist')).body.cases;
    expect(worklist.map((c: { caseId: string }) => c.caseId).sort()).toEqual([ADULT_CASE, CHILD_CASE].sort());
    // Its summaries are of the current fold, not 0.1.0's (whose consents were bare scope names).
    const index = new Database(join(service.config.dataDir, 'case-index.db'), { readonly: true });
    try {
      expect(index.prepare('SELECT position FROM positions WHERE name = ?').get(CASE_INDEX_FOLD)).toEqual({ position: CURRENT_FOLD });
      const { summary } = index.prepare('SELECT summary FROM cases WHERE case_id = ?').get(ADULT_CASE) as { summary: string };
      expect(JSON.parse(summary).consents).toEqual([
        expect.objectContaining({ scope: 'information-sharing', givenBy: null }),
        expect.objectContaining({ scope: 'share-with-migration', givenBy: 'person' }),
      ]);
    } finally {
      index.close();
    }
    const feed = (await police.get('/agencies/me/feed?limit=1000')).body.events;
    // 0.1.0 gave the police the psychological support; what a feed delivered stays delivered.
    const delivered = feed.filter((e: { caseId: string; type: string; data: { kind?: string } }) => e.caseId === ADULT_CASE && e.data.kind === 'psychological');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).not.toHaveProperty('basis');
    // New events are delivered as the access table now says.
    expect(feed.at(-1)).toMatchObject({ caseId: ADULT_CASE, type: 'ConsentGiven', basis: 'mandate' });
  });

  it('seals its events anew in a ledger of its own, and bundles them', async () => {
    const bundle = await eventually(async () => {
      const reply = await auditor.get(`/cases/${ADULT_CASE}/audit-bundle`);
      return reply.status === 200 ? reply.body : undefined;
    }, 'an audit bundle of the case');
    expect(bundle.events.map((e: { event: { revision: number } }) => e.event.revision)).toEqual(Array.from({ length: 14 }, (_, i) => i));
  });
});
