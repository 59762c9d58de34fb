import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LogPosition, RecordedEvent } from '@samverkan/eventstore';
import { JsonObject } from '@samverkan/sealing';
import { caseDecider } from '../cases/case.decider';
import { Delivery, share } from '../sharing/sharing.policy';
import { CaseEvent, CaseState } from '../cases/case.model';

export interface WorklistReferral {
  caseId: string;
  referralId: string;
  fromAgency: string;
  urgency: string;
  reason: string;
  dueBy: string | null;
  escalatedTo: string | null;
  city: string | null;
  subject: { category: string; ageGroup: string } | null;
}

export interface WorklistCase {
  caseId: string;
  status: string;
  city: string | null;
  leadAgency: string | null;
  revision: number;
  subject: { category: string; ageGroup: string } | null;
}

/** One event as an agency's feed carries it: what the sharing policy lets that agency see. */
export interface FeedEntry {
  readonly eventId: string;
  readonly caseId: string;
  readonly revision: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly agency: string;
  readonly actor: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly data: JsonObject;
  /** Fields the agency may not see; when any is listed, `data` no longer hashes to `hash`. */
  readonly withheldFields: readonly string[];
  readonly case?: Delivery['case'];
  /** The sealed event's hash, to check against the ledger. */
  readonly hash: string;
  readonly position: string;
}

export interface DueReferral {
  caseId: string;
  referralId: string;
  city: string;
  dueBy: string;
}

/**
 * The case index: a read model of every case's summary (the decider's own fold), with who is on each team
 * and which referrals are open, for worklists and for escalation, and each agency's feed of the events the
 * sharing policy lets it see (the embedded default's stand-in for its Kafka topic). It lives in its own SQLite file, updated
 * from the global log together with its position in one transaction, so it is exact after any crash and can
 * be rebuilt from the log at any time by deleting the file.
 */
export class CaseIndex {
  private readonly db: Database.Database;
  private readonly applyInTransaction: (event: RecordedEvent) => { caseId: string; revision: number; state: CaseState } | undefined;
  private readonly recent = new Map<string, { revision: number; state: CaseState }>();
  private readonly sql: ReturnType<typeof statements>;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS positions (name TEXT PRIMARY KEY, position TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS cases (
        case_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, status TEXT NOT NULL, city TEXT,
        lead_agency TEXT, summary TEXT NOT NULL);
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
    `);
    this.sql = statements(this.db);
    this.applyInTransaction = this.db.transaction((event: RecordedEvent) => {
      const folded = this.apply(event);
      this.sql.savePosition.run('case-index', event.position);
      return folded;
    });
  }

  position(name = 'case-index'): LogPosition | undefined {
    return this.sql.position.get(name)?.position;
  }

  /** Positions of other followers (process managers) kept in the same file. */
  savePosition(name: string, position: LogPosition): void {
    this.sql.savePosition.run(name, position);
  }

  /** Folds one event into the index; an event already folded (by revision) changes nothing. */
  project(event: RecordedEvent): void {
    const folded = this.applyInTransaction(event);
    // Remembered only once committed: a failed transaction must leave the event to be folded again.
    if (folded) {
      this.recent.delete(folded.caseId);
      this.recent.set(folded.caseId, { revision: folded.revision, state: folded.state });
      if (this.recent.size > RECENT_CASES) this.recent.delete(this.recent.keys().next().value!);
    }
  }

  /** Open referrals addressed to the agency. */
  referralsAwaiting(agencyId: string): WorklistReferral[] {
    return this.openReferrals('r.to_agency = ?', agencyId);
  }

  /** Open referrals that went unanswered past their due time and were escalated to the agency. */
  referralsEscalatedTo(agencyId: string): WorklistReferral[] {
    return this.openReferrals('r.escalated_to = ?', agencyId);
  }

  private openReferrals(where: string, agencyId: string): WorklistReferral[] {
    const rows = this.db
      .prepare<[string], { case_id: string; referral_id: string; summary: string }>(
        `SELECT r.case_id, r.referral_id, c.summary FROM open_referrals r JOIN cases c USING (case_id)
         WHERE ${where} ORDER BY r.due_by IS NULL, r.due_by, r.case_id`,
      )
      .all(agencyId);
    return rows.map((row) => {
      const state = JSON.parse(row.summary) as CaseState;
      const referral = state.referrals.find((r) => r.referralId === row.referral_id)!;
      return {
        caseId: row.case_id,
        referralId: referral.referralId,
        fromAgency: referral.fromAgency,
        urgency: referral.urgency,
        reason: referral.reason,
        dueBy: referral.dueBy,
        escalatedTo: referral.escalatedTo,
        city: state.city,
        subject: descriptors(state),
      };
    });
  }

  casesOf(agencyId: string): WorklistCase[] {
    return this.db
      .prepare<[string], { case_id: string; summary: string; revision: number }>(
        `SELECT c.case_id, c.summary, c.revision FROM team t JOIN cases c USING (case_id)
         WHERE t.agency_id = ? ORDER BY c.status, c.case_id`,
      )
      .all(agencyId)
      .map((row) => {
        const state = JSON.parse(row.summary) as CaseState;
        return { caseId: row.case_id, status: state.status, city: state.city, leadAgency: state.leadAgency, revision: row.revision, subject: descriptors(state) };
      });
  }

  /** The agency's feed after a cursor (exclusive), oldest first. */
  feedOf(agencyId: string, after: number, limit: number): Array<FeedEntry & { cursor: string }> {
    return this.sql.feed.all(agencyId, after, limit).map((row) => ({ cursor: String(row.seq), ...(JSON.parse(row.entry) as FeedEntry) }));
  }

  /** Whether the agency is on the case's team (as far as the index has caught up). */
  isMember(caseId: string, agencyId: string): boolean {
    return this.sql.isMember.get(caseId, agencyId) !== undefined;
  }

  /** Open referrals, not yet escalated, whose due time is at or before `now`. */
  dueReferrals(now: Date): DueReferral[] {
    return this.db
      .prepare<[string], { case_id: string; referral_id: string; city: string; due_by: string }>(
        `SELECT r.case_id, r.referral_id, c.city, r.due_by FROM open_referrals r JOIN cases c USING (case_id)
         WHERE r.escalated_to IS NULL AND r.due_by IS NOT NULL AND r.due_by <= ? AND c.status = 'open'`,
      )
      .all(now.toISOString())
      .map((row) => ({ caseId: row.case_id, referralId: row.referral_id, city: row.city, dueBy: row.due_by }));
  }

  close(): void {
    this.db.close();
  }

  private apply(event: RecordedEvent): { caseId: string; revision: number; state: CaseState } | undefined {
    const { envelope } = event;
    if (!envelope.stream.startsWith('case-')) return undefined;
    const caseId = envelope.stream.slice('case-'.length);
    const known = this.recent.get(caseId) ?? this.readCase(caseId);
    if (known && known.revision >= envelope.revision) return undefined;
    const before = known?.state ?? caseDecider.initialState();
    const state = caseDecider.evolve(before, envelope as unknown as CaseEvent);
    this.sql.upsertCase.run(caseId, envelope.revision, state.status, state.city, state.leadAgency, JSON.stringify(state));
    // evolve keeps a part it did not change, so unchanged teams and referrals need no rewrite.
    if (!known || before.team !== state.team) {
      this.sql.clearTeam.run(caseId);
      for (const member of state.team) this.sql.addMember.run(caseId, member.agencyId);
    }
    if (!known || before.referrals !== state.referrals) {
      this.sql.clearReferrals.run(caseId);
      for (const r of state.referrals) if (r.status === 'open') this.sql.addReferral.run(caseId, r.referralId, r.toAgency, r.dueBy, r.escalatedTo);
    }
    // Each agency's feed: what the sharing policy lets it see of the event, in the order of the global log.
    for (const delivery of share(envelope as unknown as CaseEvent, before, state)) {
      const { metadata } = envelope;
      const entry: FeedEntry = {
        eventId: envelope.id,
        caseId,
        revision: envelope.revision,
        type: envelope.type,
        schemaVersion: envelope.schemaVersion,
        agency: metadata.agencyId,
        actor: metadata.actorId,
        occurredAt: metadata.occurredAt,
        recordedAt: metadata.recordedAt,
        data: delivery.data,
        withheldFields: delivery.withheldFields,
        ...(delivery.case ? { case: delivery.case } : {}),
        hash: envelope.hash,
        position: event.position,
      };
      this.sql.addFeed.run(delivery.agencyId, envelope.id, JSON.stringify(entry));
    }
    return { caseId, revision: envelope.revision, state };
  }

  private readCase(caseId: string): { revision: number; state: CaseState } | undefined {
    const row = this.sql.readCase.get(caseId);
    return row && { revision: row.revision, state: JSON.parse(row.summary) as CaseState };
  }
}

/** Cases whose summaries are kept parsed between events. */
const RECENT_CASES = 5_000;

function descriptors(state: CaseState) {
  return state.subject && { category: state.subject.category, ageGroup: state.subject.ageGroup };
}

function statements(db: Database.Database) {
  return {
    position: db.prepare<[string], { position: string }>('SELECT position FROM positions WHERE name = ?'),
    savePosition: db.prepare<[string, string]>(
      'INSERT INTO positions (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
    ),
    readCase: db.prepare<[string], { revision: number; summary: string }>('SELECT revision, summary FROM cases WHERE case_id = ?'),
    upsertCase: db.prepare<[string, number, string, string | null, string | null, string]>(
      `INSERT INTO cases (case_id, revision, status, city, lead_agency, summary) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (case_id) DO UPDATE SET revision = excluded.revision, status = excluded.status, city = excluded.city,
         lead_agency = excluded.lead_agency, summary = excluded.summary`,
    ),
    clearTeam: db.prepare<[string]>('DELETE FROM team WHERE case_id = ?'),
    addFeed: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO feed (agency_id, event_id, entry) VALUES (?, ?, ?)'),
    feed: db.prepare<[string, number, number], { seq: number; entry: string }>('SELECT seq, entry FROM feed WHERE agency_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    isMember: db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM team WHERE case_id = ? AND agency_id = ?'),
    addMember: db.prepare<[string, string]>('INSERT INTO team (case_id, agency_id) VALUES (?, ?)'),
    clearReferrals: db.prepare<[string]>('DELETE FROM open_referrals WHERE case_id = ?'),
    addReferral: db.prepare<[string, string, string, string | null, string | null]>(
      'INSERT INTO open_referrals (case_id, referral_id, to_agency, due_by, escalated_to) VALUES (?, ?, ?, ?, ?)',
    ),
  };
}
