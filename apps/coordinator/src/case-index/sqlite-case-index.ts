import Database from 'better-sqlite3';
import { LogPosition, RecordedEvent } from '@samverkan/eventstore';
import { openSqliteFile } from '@samverkan/sql/sqlite';
import { CaseState } from '../cases/case.model';
import { CASE_INDEX, CaseAbout, CaseIndex, DueReferral, FeedEntry, WorklistCase, WorklistReferral } from './case-index';
import { CaseFacts } from '../statistics/case-facts';
import { foldBatch, IndexChanges, IndexedCase, openReferralsOf, personsOf, RecentCases, teamOf, worklistCase, worklistReferral } from './case-index.fold';

/** The case index in its own SQLite file (`<dataDir>/case-index.db` on the embedded default). */
export class SqliteCaseIndex extends CaseIndex {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof statements>;
  private readonly recent = new RecentCases();
  private readonly applyBatch: Database.Transaction<(events: readonly RecordedEvent[]) => IndexChanges>;
  private readonly clearAll: Database.Transaction<(keepFeeds: boolean) => void>;

  constructor(file: string) {
    super();
    this.db = openSqliteFile(file, 'NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS positions (name TEXT PRIMARY KEY, position TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS cases (
        case_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, status TEXT NOT NULL, city TEXT,
        lead_agency TEXT, summary TEXT NOT NULL, facts TEXT);
      CREATE TABLE IF NOT EXISTS team (case_id TEXT NOT NULL, agency_id TEXT NOT NULL, PRIMARY KEY (case_id, agency_id));
      CREATE INDEX IF NOT EXISTS team_by_agency ON team (agency_id);
      CREATE TABLE IF NOT EXISTS open_referrals (
        case_id TEXT NOT NULL, referral_id TEXT NOT NULL, to_agency TEXT NOT NULL, due_by TEXT,
        escalated_to TEXT, PRIMARY KEY (case_id, referral_id));
      CREATE INDEX IF NOT EXISTS open_referrals_by_agency ON open_referrals (to_agency);
      CREATE INDEX IF NOT EXISTS open_referrals_by_coordinator ON open_referrals (escalated_to);
      CREATE INDEX IF NOT EXISTS open_referrals_by_due ON open_referrals (due_by) WHERE escalated_to IS NULL;
      CREATE TABLE IF NOT EXISTS feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, agency_id TEXT NOT NULL, event_id TEXT NOT NULL, entry TEXT NOT NULL,
        UNIQUE (agency_id, event_id));
      CREATE INDEX IF NOT EXISTS feed_by_agency ON feed (agency_id, seq);
      -- The persons each case is about (fold 4; fold 3 kept one subject per case, in a table now dropped).
      DROP TABLE IF EXISTS subjects;
      CREATE TABLE IF NOT EXISTS case_persons (case_id TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (case_id, person_id));
      CREATE INDEX IF NOT EXISTS case_persons_by_person ON case_persons (person_id);
    `);
    // Added by fold 5: an index of an earlier version has the table without it (and is folded again).
    if (!(this.db.pragma('table_info(cases)') as { name: string }[]).some((column) => column.name === 'facts'))
      this.db.exec('ALTER TABLE cases ADD COLUMN facts TEXT');
    this.sql = statements(this.db);
    this.applyBatch = this.db.transaction((events: readonly RecordedEvent[]) => {
      const changes = foldBatch(events, (caseId) => this.held(caseId));
      this.write(changes);
      this.sql.savePosition.run(CASE_INDEX, events[events.length - 1].position);
      return changes;
    });
    this.clearAll = this.db.transaction((keepFeeds: boolean) => {
      this.db.exec('DELETE FROM cases; DELETE FROM team; DELETE FROM open_referrals; DELETE FROM case_persons;');
      if (!keepFeeds) this.db.exec("DELETE FROM feed; DELETE FROM sqlite_sequence WHERE name = 'feed';");
      this.sql.deletePosition.run(CASE_INDEX);
    });
  }

  async position(name = CASE_INDEX): Promise<LogPosition | undefined> {
    return this.sql.position.get(name)?.position;
  }

  async savePosition(name: string, position: LogPosition): Promise<void> {
    this.sql.savePosition.run(name, position);
  }

  async projectBatch(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    // IMMEDIATE: the write lock is taken before the revisions are read, so a second writer (a rebuild beside
    // the service) waits instead of folding onto what it read before the first one committed.
    const changes = this.applyBatch.immediate(events);
    this.recent.remember(changes);
  }

  async referralsAwaiting(agencyId: string): Promise<WorklistReferral[]> {
    return this.sql.referralsTo.all(agencyId).map(toReferral);
  }

  async referralsEscalatedTo(agencyId: string): Promise<WorklistReferral[]> {
    return this.sql.referralsEscalatedTo.all(agencyId).map(toReferral);
  }

  async casesOf(agencyId: string): Promise<WorklistCase[]> {
    return this.sql.casesOf.all(agencyId).map((row) => worklistCase(row.case_id, JSON.parse(row.summary) as CaseState, row.revision));
  }

  async feedOf(agencyId: string, after: number, limit: number): Promise<Array<FeedEntry & { cursor: string }>> {
    return this.sql.feed.all(agencyId, after, limit).map((row) => ({ cursor: String(row.seq), ...(JSON.parse(row.entry) as FeedEntry) }));
  }

  async caseFacts(): Promise<CaseFacts[]> {
    return this.sql.facts.all().map((row) => JSON.parse(row.facts) as CaseFacts);
  }

  async casesAbout(personId: string): Promise<CaseAbout[]> {
    return this.sql.casesAbout.all(personId).map((row) => ({
      caseId: row.case_id,
      status: row.status,
      leadAgency: row.lead_agency,
      team: row.team ? row.team.split(',') : [],
    }));
  }

  async dueReferrals(now: Date): Promise<DueReferral[]> {
    return this.sql.dueReferrals.all(now.toISOString()).map((row) => ({ caseId: row.case_id, referralId: row.referral_id, city: row.city, dueBy: row.due_by }));
  }

  async clear({ keepFeeds = false } = {}): Promise<void> {
    this.clearAll.immediate(keepFeeds);
    this.recent.clear();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** What the file holds of the case, with the summary parsed only when the recent copy is not of that revision. */
  private held(caseId: string): IndexedCase | undefined {
    const recent = this.recent.get(caseId);
    const row = this.sql.readCase.get(recent?.revision ?? -1, caseId);
    if (!row) return undefined;
    if (row.summary === null) return recent;
    return { revision: row.revision, state: JSON.parse(row.summary) as CaseState, facts: row.facts === null ? null : (JSON.parse(row.facts) as CaseFacts) };
  }

  private write({ cases, feed }: IndexChanges): void {
    for (const { caseId, revision, state, facts, teamChanged, referralsChanged, personsChanged } of cases) {
      this.sql.upsertCase.run(
        caseId,
        revision,
        state.status,
        state.city,
        state.leadAgency,
        JSON.stringify(state),
        facts === null ? null : JSON.stringify(facts),
      );
      if (personsChanged) for (const personId of personsOf(state)) this.sql.addPerson.run(caseId, personId);
      if (teamChanged) {
        this.sql.clearTeam.run(caseId);
        for (const agencyId of teamOf(state)) this.sql.addMember.run(caseId, agencyId);
      }
      if (referralsChanged) {
        this.sql.clearReferrals.run(caseId);
        for (const r of openReferralsOf(state)) this.sql.addReferral.run(caseId, r.referralId, r.toAgency, r.dueBy, r.escalatedTo);
      }
    }
    for (const { agencyId, eventId, entry } of feed) this.sql.addFeed.run({ agencyId, eventId, entry: JSON.stringify(entry) });
  }
}

function toReferral(row: { case_id: string; referral_id: string; summary: string }): WorklistReferral {
  return worklistReferral(row.case_id, JSON.parse(row.summary) as CaseState, row.referral_id);
}

function statements(db: Database.Database) {
  const openReferrals = (where: string) =>
    db.prepare<[string], { case_id: string; referral_id: string; summary: string }>(
      `SELECT r.case_id, r.referral_id, c.summary FROM open_referrals r JOIN cases c USING (case_id)
       WHERE ${where} ORDER BY r.due_by IS NULL, r.due_by, r.case_id, r.referral_id`,
    );
  return {
    position: db.prepare<[string], { position: string }>('SELECT position FROM positions WHERE name = ?'),
    savePosition: db.prepare<[string, string]>(
      'INSERT INTO positions (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
    ),
    deletePosition: db.prepare<[string]>('DELETE FROM positions WHERE name = ?'),
    readCase: db.prepare<[number, string], { revision: number; summary: string | null; facts: string | null }>(
      'SELECT revision, CASE WHEN revision = ? THEN NULL ELSE summary END AS summary, facts FROM cases WHERE case_id = ?',
    ),
    upsertCase: db.prepare<[string, number, string, string | null, string | null, string, string | null]>(
      `INSERT INTO cases (case_id, revision, status, city, lead_agency, summary, facts) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (case_id) DO UPDATE SET revision = excluded.revision, status = excluded.status, city = excluded.city,
         lead_agency = excluded.lead_agency, summary = excluded.summary, facts = excluded.facts`,
    ),
    facts: db.prepare<[], { facts: string }>('SELECT facts FROM cases WHERE facts IS NOT NULL ORDER BY case_id'),
    clearTeam: db.prepare<[string]>('DELETE FROM team WHERE case_id = ?'),
    addMember: db.prepare<[string, string]>('INSERT INTO team (case_id, agency_id) VALUES (?, ?)'),
    clearReferrals: db.prepare<[string]>('DELETE FROM open_referrals WHERE case_id = ?'),
    addReferral: db.prepare<[string, string, string, string | null, string | null]>(
      'INSERT INTO open_referrals (case_id, referral_id, to_agency, due_by, escalated_to) VALUES (?, ?, ?, ?, ?)',
    ),
    // An entry the feed holds already (kept when the index was cleared to be folded again) is kept, and the
    // new one not inserted at all: INSERT OR IGNORE would use up a cursor for it, leaving a gap that a
    // rebuild of the same log would not leave, so that an agency's cursor would pass over entries it never had.
    addFeed: db.prepare<{ agencyId: string; eventId: string; entry: string }>(
      'INSERT INTO feed (agency_id, event_id, entry) SELECT @agencyId, @eventId, @entry WHERE NOT EXISTS (SELECT 1 FROM feed WHERE agency_id = @agencyId AND event_id = @eventId)',
    ),
    feed: db.prepare<[string, number, number], { seq: number; entry: string }>(
      'SELECT seq, entry FROM feed WHERE agency_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    referralsTo: openReferrals('r.to_agency = ?'),
    referralsEscalatedTo: openReferrals('r.escalated_to = ?'),
    casesOf: db.prepare<[string], { case_id: string; summary: string; revision: number }>(
      `SELECT c.case_id, c.summary, c.revision FROM team t JOIN cases c USING (case_id)
       WHERE t.agency_id = ? ORDER BY c.status, c.case_id`,
    ),
    addPerson: db.prepare<[string, string]>('INSERT OR IGNORE INTO case_persons (case_id, person_id) VALUES (?, ?)'),
    casesAbout: db.prepare<[string], { case_id: string; status: string; lead_agency: string | null; team: string | null }>(
      `SELECT c.case_id, c.status, c.lead_agency, (SELECT group_concat(agency_id) FROM team t WHERE t.case_id = c.case_id) AS team
       FROM case_persons p JOIN cases c USING (case_id) WHERE p.person_id = ? ORDER BY c.case_id`,
    ),
    dueReferrals: db.prepare<[string], { case_id: string; referral_id: string; city: string; due_by: string }>(
      `SELECT r.case_id, r.referral_id, c.city, r.due_by FROM open_referrals r JOIN cases c USING (case_id)
       WHERE r.escalated_to IS NULL AND r.due_by IS NOT NULL AND r.due_by <= ? AND c.status = 'open'
       ORDER BY r.due_by, r.case_id, r.referral_id`,
    ),
  };
}
