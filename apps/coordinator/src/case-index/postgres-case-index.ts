import { Pool, PoolClient, QueryResultRow } from 'pg';
import { LogPosition, RecordedEvent } from '@samverkan/eventstore';
import { createTablesOnce, initialised, inTransaction, partPool, PostgresPartOptions } from '@samverkan/sql/postgres';
import { CaseState } from '../cases/case.model';
import { CASE_INDEX, CaseAbout, CaseIndex, DueReferral, FeedEntry, WorklistCase, WorklistReferral } from './case-index';
import { CaseFacts } from '../statistics/case-facts';
import {
  casesIn,
  foldBatch,
  IndexChanges,
  IndexedCase,
  openReferralsOf,
  personsOf,
  RecentCases,
  teamOf,
  worklistCase,
  worklistReferral,
} from './case-index.fold';

export type PostgresCaseIndexOptions = PostgresPartOptions;

type Query = { name: string; text: string };
type Statement = Query & { values: unknown[] };

/** A batch folded ahead of its transaction (`PostgresCaseIndex.prepare`). */
interface PreparedBatch {
  readonly events: readonly RecordedEvent[];
  readonly caseIds: string[];
  /** What the fold assumed the index holds of each case (undefined: nothing). */
  readonly assumed: ReadonlyMap<string, IndexedCase | undefined>;
  /** The fold over what was assumed and the statements that write it; undefined where that left a gap. */
  readonly guess: FoldedBatch | undefined;
}

/** A batch's changes and the statements that write them. */
interface FoldedBatch {
  readonly changes: IndexChanges;
  readonly writes: Statement[];
}

/**
 * The case index in PostgreSQL, when `DATABASE_URL` is set: the SQLite index's tables, prefixed
 * `case_index_`, and `projection_positions`, in the configured schema.
 *
 * A batch is one transaction that first takes a transaction-level advisory lock of the schema's index, so
 * writers (the service's projector, a rebuild) take turns, and then reads the revisions it folds onto: each
 * event is folded exactly once whoever gets to it first, and the feed's cursors are numbered in log order
 * without gaps (they are assigned here, not drawn from a sequence, whose numbers a rolled-back batch would
 * lose), so that a rebuild of the same log hands every entry the cursor it had.
 */
export class PostgresCaseIndex extends CaseIndex {
  private readonly sql: ReturnType<typeof statements>;
  private readonly recent = new RecentCases();

  private constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {
    super();
    this.sql = statements(schema);
  }

  /** Connects, creates the schema and the tables if missing, and answers the open index. */
  static async open(options: PostgresCaseIndexOptions): Promise<PostgresCaseIndex> {
    const { pool, schema } = partPool(options, { what: 'the case index', application: 'samverkan-case-index', poolSize: 4 });
    const index = new PostgresCaseIndex(pool, schema);
    await initialised(pool, () => index.createTables());
    return index;
  }

  async position(name = CASE_INDEX): Promise<LogPosition | undefined> {
    const { rows } = await this.query<{ position: string }>(this.sql.position, [name]);
    return rows[0]?.position;
  }

  async savePosition(name: string, position: LogPosition): Promise<void> {
    await this.query(this.sql.savePosition, [name, position]);
  }

  async projectBatch(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length > 0) await this.commit(this.prepare(events));
  }

  /**
   * Each batch of a run is folded as soon as it is read, while the one before is being written: over the cases
   * as that one will leave them, a guess that its transaction checks (see `commit`).
   */
  protected override batchPreparer(): (events: readonly RecordedEvent[]) => () => Promise<void> {
    const ahead = new Map<string, IndexedCase>();
    return (events) => {
      const prepared = this.prepare(events, ahead);
      return () => this.commit(prepared);
    };
  }

  /**
   * Folds a batch over the cases as this index last wrote them (`recent`) or is about to (`ahead`, which the
   * fold's outcome joins): a guess, and no fold at all where the guess leaves a gap.
   */
  private prepare(events: readonly RecordedEvent[], ahead = new Map<string, IndexedCase>()): PreparedBatch {
    const caseIds = casesIn(events);
    const assumed = new Map(caseIds.map((caseId) => [caseId, ahead.get(caseId) ?? this.recent.get(caseId)]));
    try {
      const changes = foldBatch(events, (caseId) => assumed.get(caseId));
      for (const change of changes.cases) ahead.set(change.caseId, change);
      return { events, caseIds, assumed, guess: this.withWrites(changes) };
    } catch {
      ahead.clear(); // what the transaction reads will say whether there is a gap
      return { events, caseIds, assumed, guess: undefined };
    }
  }

  /**
   * Writes a prepared batch in one transaction with its position. Its guess stands if every case is stored as
   * it assumed (at the assumed revision, or not at all where it assumed none), which the transaction reads
   * under the lock; otherwise the batch is folded again over what is stored (another writer got there first,
   * or the case was not in memory).
   */
  private async commit({ events, caseIds, assumed, guess }: PreparedBatch): Promise<void> {
    const changes = await this.transaction(async (client) => {
      const held = await this.held(client, caseIds, assumed);
      const { changes: folded, writes } = guess && held.asAssumed ? guess : this.withWrites(foldBatch(events, (caseId) => held.cases.get(caseId)));
      for (const statement of writes) await client.query(statement);
      await client.query({ ...this.sql.savePosition, values: [CASE_INDEX, events[events.length - 1].position] });
      return folded;
    });
    this.recent.remember(changes);
  }

  async referralsAwaiting(agencyId: string): Promise<WorklistReferral[]> {
    return (await this.query<ReferralRow>(this.sql.referralsTo, [agencyId])).rows.map(toReferral);
  }

  async referralsEscalatedTo(agencyId: string): Promise<WorklistReferral[]> {
    return (await this.query<ReferralRow>(this.sql.referralsEscalatedTo, [agencyId])).rows.map(toReferral);
  }

  async casesOf(agencyId: string): Promise<WorklistCase[]> {
    const { rows } = await this.query<{ case_id: string; summary: string; revision: string }>(this.sql.casesOf, [agencyId]);
    return rows.map((row) => worklistCase(row.case_id, JSON.parse(row.summary) as CaseState, Number(row.revision)));
  }

  async feedOf(agencyId: string, after: number, limit: number): Promise<Array<FeedEntry & { cursor: string }>> {
    const { rows } = await this.query<{ cursor: string; entry: string }>(this.sql.feed, [agencyId, after, limit]);
    return rows.map((row) => ({ cursor: row.cursor, ...(JSON.parse(row.entry) as FeedEntry) }));
  }

  async caseFacts(): Promise<CaseFacts[]> {
    const { rows } = await this.query<{ facts: string }>(this.sql.facts, []);
    return rows.map((row) => JSON.parse(row.facts) as CaseFacts);
  }

  async casesAbout(personId: string): Promise<CaseAbout[]> {
    const { rows } = await this.query<{ case_id: string; status: string; lead_agency: string | null; team: string[] | null }>(this.sql.casesAbout, [personId]);
    return rows.map((row) => ({ caseId: row.case_id, status: row.status, leadAgency: row.lead_agency, team: row.team ?? [] }));
  }

  async dueReferrals(now: Date): Promise<DueReferral[]> {
    const { rows } = await this.query<{ case_id: string; referral_id: string; city: string; due_by: string }>(this.sql.dueReferrals, [now.toISOString()]);
    return rows.map((row) => ({ caseId: row.case_id, referralId: row.referral_id, city: row.city, dueBy: row.due_by }));
  }

  async clear({ keepFeeds = false } = {}): Promise<void> {
    await this.transaction(async (client) => {
      const tables: Array<'cases' | 'team' | 'open_referrals' | 'feed' | 'persons'> = [
        'cases',
        'team',
        'open_referrals',
        'persons',
        ...(keepFeeds ? [] : ['feed' as const]),
      ];
      await client.query(`TRUNCATE ${tables.map((name) => this.table(name)).join(', ')}`);
      await client.query({ ...this.sql.deletePosition, values: [CASE_INDEX] });
    });
    this.recent.clear();
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * What the index holds of the batch's cases, read under the lock in one query, which sends a summary only
   * where the stored revision is not the assumed one; and whether every case is stored as assumed.
   */
  private async held(
    client: PoolClient,
    caseIds: string[],
    assumed: ReadonlyMap<string, IndexedCase | undefined>,
  ): Promise<{ cases: Map<string, IndexedCase>; asAssumed: boolean }> {
    const cases = new Map<string, IndexedCase>();
    if (caseIds.length === 0) return { cases, asAssumed: true };
    const { rows } = await client.query<{ case_id: string; revision: string; summary: string | null; facts: string | null }>({
      ...this.sql.held,
      values: [caseIds, caseIds.map((id) => assumed.get(id)?.revision ?? -1)],
    });
    let asAssumed = true;
    for (const row of rows) {
      if (row.summary === null) {
        cases.set(row.case_id, assumed.get(row.case_id)!);
        continue;
      }
      asAssumed = false;
      const state = JSON.parse(row.summary) as CaseState;
      cases.set(row.case_id, { revision: Number(row.revision), state, facts: row.facts === null ? null : (JSON.parse(row.facts) as CaseFacts) });
    }
    for (const [caseId, known] of assumed) if (known && !cases.has(caseId)) asAssumed = false;
    return { cases, asAssumed };
  }

  private withWrites(changes: IndexChanges): FoldedBatch {
    return { changes, writes: this.writesOf(changes) };
  }

  /** The statements that write a batch's changes, with their values (made before the transaction where they can be). */
  private writesOf({ cases, feed }: IndexChanges): Statement[] {
    const writes: Statement[] = [];
    // Rows with JSON text in them go as one JSON document: array parameters would escape every quote.
    if (cases.length > 0) {
      const rows = cases.map((c) => ({
        case_id: c.caseId,
        revision: c.revision,
        status: c.state.status,
        city: c.state.city,
        lead_agency: c.state.leadAgency,
        summary: c.state,
        facts: c.facts,
      }));
      writes.push({ ...this.sql.upsertCases, values: [JSON.stringify(rows)] });
    }
    const persons = cases.filter((c) => c.personsChanged).flatMap((c) => personsOf(c.state).map((personId) => ({ caseId: c.caseId, personId })));
    if (persons.length > 0) writes.push({ ...this.sql.addPersons, values: [persons.map((p) => p.caseId), persons.map((p) => p.personId)] });
    const teams = cases.filter((c) => c.teamChanged);
    if (teams.length > 0) {
      const members = teams.flatMap((c) => teamOf(c.state).map((agencyId) => ({ caseId: c.caseId, agencyId })));
      writes.push({ ...this.sql.clearTeams, values: [teams.map((c) => c.caseId)] });
      if (members.length > 0) writes.push({ ...this.sql.addMembers, values: [members.map((m) => m.caseId), members.map((m) => m.agencyId)] });
    }
    const referrals = cases.filter((c) => c.referralsChanged);
    if (referrals.length > 0) {
      const open = referrals.flatMap((c) => openReferralsOf(c.state).map((r) => ({ caseId: c.caseId, ...r })));
      writes.push({ ...this.sql.clearReferrals, values: [referrals.map((c) => c.caseId)] });
      if (open.length > 0) {
        writes.push({
          ...this.sql.addReferrals,
          values: [
            open.map((r) => r.caseId),
            open.map((r) => r.referralId),
            open.map((r) => r.toAgency),
            open.map((r) => r.dueBy),
            open.map((r) => r.escalatedTo),
          ],
        });
      }
    }
    if (feed.length > 0) {
      // The entries as one text, split by PostgreSQL: JSON.stringify never writes the separator (it escapes every
      // control character), and neither a JSON document nor a text array is parsed, which was most of the
      // insert's time (1,000 entries: 53 ms as a JSON document, 29 ms so).
      const entries = feed.map((f) => JSON.stringify(f.entry)).join(ENTRY_SEPARATOR);
      writes.push({ ...this.sql.addFeed, values: [feed.map((f) => f.agencyId), feed.map((f) => f.eventId), entries] });
    }
    return writes;
  }

  private async createTables(): Promise<void> {
    await createTablesOnce(
      this.pool,
      this.schema,
      this.table('feed'),
      `
        CREATE TABLE IF NOT EXISTS "${this.schema}".projection_positions (name text PRIMARY KEY, position text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${this.table('cases')} (
          case_id text COLLATE "C" PRIMARY KEY, revision bigint NOT NULL, status text COLLATE "C" NOT NULL, city text,
          lead_agency text, summary text NOT NULL, facts text);
        CREATE TABLE IF NOT EXISTS ${this.table('team')} (
          case_id text COLLATE "C" NOT NULL, agency_id text NOT NULL, PRIMARY KEY (case_id, agency_id));
        CREATE INDEX IF NOT EXISTS case_index_team_by_agency ON ${this.table('team')} (agency_id);
        CREATE TABLE IF NOT EXISTS ${this.table('open_referrals')} (
          case_id text COLLATE "C" NOT NULL, referral_id text COLLATE "C" NOT NULL, to_agency text NOT NULL,
          due_by text COLLATE "C", escalated_to text, PRIMARY KEY (case_id, referral_id));
        CREATE INDEX IF NOT EXISTS case_index_open_referrals_by_agency ON ${this.table('open_referrals')} (to_agency);
        CREATE INDEX IF NOT EXISTS case_index_open_referrals_by_coordinator ON ${this.table('open_referrals')} (escalated_to);
        CREATE INDEX IF NOT EXISTS case_index_open_referrals_by_due ON ${this.table('open_referrals')} (due_by) WHERE escalated_to IS NULL;
        CREATE TABLE IF NOT EXISTS ${this.table('feed')} (
          seq bigint PRIMARY KEY, agency_id text NOT NULL, event_id text NOT NULL, entry text NOT NULL,
          CONSTRAINT case_index_feed_once UNIQUE (agency_id, event_id));
        CREATE INDEX IF NOT EXISTS case_index_feed_by_agency ON ${this.table('feed')} (agency_id, seq);
      `,
    );
    // The persons each case is about, added by fold 4 (an index of an earlier version has the other tables
    // already); fold 3's one subject per case is folded again into it, and its table dropped.
    await createTablesOnce(
      this.pool,
      this.schema,
      this.table('persons'),
      `
        DROP TABLE IF EXISTS "${this.schema}".case_index_subjects;
        CREATE TABLE IF NOT EXISTS ${this.table('persons')} (
          case_id text COLLATE "C" NOT NULL, person_id text COLLATE "C" NOT NULL, PRIMARY KEY (case_id, person_id));
        CREATE INDEX IF NOT EXISTS case_index_persons_by_person ON ${this.table('persons')} (person_id);
      `,
    );
    // What the figures need of each case, added by fold 5 (an index of an earlier version is folded again).
    const { rows } = await this.pool.query<{ present: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'case_index_cases' AND column_name = 'facts') AS present`,
      [this.schema],
    );
    if (!rows[0].present) await this.pool.query(`ALTER TABLE ${this.table('cases')} ADD COLUMN IF NOT EXISTS facts text`);
  }

  /**
   * A transaction holding the index's write lock, begun in one round trip. A read model need not wait for its commit to reach the disk: a server crash can
   * take back only the last batches, with their position, and the projector folds them again.
   */
  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work, this.sql.begin);
  }

  private query<R extends QueryResultRow>(query: Query, values: unknown[]) {
    return this.pool.query<R>({ ...query, values });
  }

  private table(name: 'cases' | 'team' | 'open_referrals' | 'feed' | 'persons'): string {
    return `"${this.schema}".case_index_${name}`;
  }
}

/** Between the feed entries of a batch, as PostgreSQL splits them: ASCII's record separator, a control character. */
const ENTRY_SEPARATOR = '\x1e';

interface ReferralRow {
  case_id: string;
  referral_id: string;
  summary: string;
}

function toReferral(row: ReferralRow): WorklistReferral {
  return worklistReferral(row.case_id, JSON.parse(row.summary) as CaseState, row.referral_id);
}

/**
 * The SQL of one schema's index, named so that each pooled connection prepares it once. The pool is the
 * index's own, so the names need not tell schemas apart (and PostgreSQL cuts names at 63 bytes).
 */
function statements(schema: string) {
  const named = (name: string, text: string): Query => ({ name: `case-index-${name}`, text });
  const positions = `"${schema}".projection_positions`;
  const cases = `"${schema}".case_index_cases`;
  const team = `"${schema}".case_index_team`;
  const referrals = `"${schema}".case_index_open_referrals`;
  const feed = `"${schema}".case_index_feed`;
  const persons = `"${schema}".case_index_persons`;
  const openReferrals = (name: string, where: string) =>
    named(
      name,
      `SELECT r.case_id, r.referral_id, c.summary FROM ${referrals} r JOIN ${cases} c USING (case_id)
       WHERE ${where} ORDER BY r.due_by NULLS LAST, r.case_id, r.referral_id`,
    );
  return {
    // The schema name is checked when the index is opened (SCHEMA_NAME), so it may stand in the text.
    begin: `BEGIN; SET LOCAL synchronous_commit = 'off'; SELECT pg_advisory_xact_lock(hashtext('samverkan-case-index:${schema}'))`,
    position: named('position', `SELECT position FROM ${positions} WHERE name = $1`),
    savePosition: named(
      'save-position',
      `INSERT INTO ${positions} (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
    ),
    deletePosition: named('delete-position', `DELETE FROM ${positions} WHERE name = $1`),
    held: named(
      'held',
      `SELECT c.case_id, c.revision::text AS revision, CASE WHEN c.revision = k.recent THEN NULL ELSE c.summary END AS summary,
         CASE WHEN c.revision = k.recent THEN NULL ELSE c.facts END AS facts
       FROM unnest($1::text[], $2::bigint[]) AS k (case_id, recent) JOIN ${cases} c ON c.case_id = k.case_id`,
    ),
    // A json value keeps its text as given: the summary and the entry are stored as JSON.stringify wrote them.
    upsertCases: named(
      'upsert-cases',
      `INSERT INTO ${cases} (case_id, revision, status, city, lead_agency, summary, facts)
       SELECT c.case_id, c.revision, c.status, c.city, c.lead_agency, c.summary::text, c.facts::text
       FROM json_to_recordset($1::json) AS c (case_id text, revision bigint, status text, city text, lead_agency text, summary json, facts json)
       ON CONFLICT (case_id) DO UPDATE SET revision = excluded.revision, status = excluded.status, city = excluded.city,
         lead_agency = excluded.lead_agency, summary = excluded.summary, facts = excluded.facts`,
    ),
    addPersons: named('add-persons', `INSERT INTO ${persons} (case_id, person_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`),
    facts: named('facts', `SELECT facts FROM ${cases} WHERE facts IS NOT NULL ORDER BY case_id`),
    casesAbout: named(
      'cases-about',
      `SELECT c.case_id, c.status, c.lead_agency, (SELECT array_agg(agency_id ORDER BY agency_id) FROM ${team} t WHERE t.case_id = c.case_id) AS team
       FROM ${persons} p JOIN ${cases} c USING (case_id) WHERE p.person_id = $1 ORDER BY c.case_id`,
    ),
    clearTeams: named('clear-teams', `DELETE FROM ${team} WHERE case_id = ANY($1::text[])`),
    addMembers: named('add-members', `INSERT INTO ${team} (case_id, agency_id) SELECT * FROM unnest($1::text[], $2::text[])`),
    clearReferrals: named('clear-referrals', `DELETE FROM ${referrals} WHERE case_id = ANY($1::text[])`),
    addReferrals: named(
      'add-referrals',
      `INSERT INTO ${referrals} (case_id, referral_id, to_agency, due_by, escalated_to)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    ),
    // Cursors continue from the highest one, which the lock keeps still, numbering the rows in log order. An
    // entry the feed holds already (kept when the index was cleared to be folded again) is left out before the
    // rows are numbered, so that the cursors go on without a gap, as a rebuild of the same log numbers them.
    addFeed: named(
      'add-feed',
      `INSERT INTO ${feed} (seq, agency_id, event_id, entry)
       SELECT (SELECT COALESCE(max(seq), 0) FROM ${feed}) + row_number() OVER (ORDER BY e.n), e.agency_id, e.event_id, e.entry
       FROM unnest($1::text[], $2::text[], string_to_array($3::text, E'\\x1e')) WITH ORDINALITY AS e (agency_id, event_id, entry, n)
       WHERE NOT EXISTS (SELECT 1 FROM ${feed} AS f WHERE f.agency_id = e.agency_id AND f.event_id = e.event_id)`,
    ),
    feed: named('feed', `SELECT seq::text AS cursor, entry FROM ${feed} WHERE agency_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`),
    referralsTo: openReferrals('referrals-to', 'r.to_agency = $1'),
    referralsEscalatedTo: openReferrals('referrals-escalated-to', 'r.escalated_to = $1'),
    casesOf: named(
      'cases-of',
      `SELECT c.case_id, c.summary, c.revision::text AS revision FROM ${team} t JOIN ${cases} c USING (case_id)
       WHERE t.agency_id = $1 ORDER BY c.status, c.case_id`,
    ),
    dueReferrals: named(
      'due-referrals',
      `SELECT r.case_id, r.referral_id, c.city, r.due_by FROM ${referrals} r JOIN ${cases} c USING (case_id)
       WHERE r.escalated_to IS NULL AND r.due_by IS NOT NULL AND r.due_by <= $1 AND c.status = 'open'
       ORDER BY r.due_by, r.case_id, r.referral_id`,
    ),
  };
}
