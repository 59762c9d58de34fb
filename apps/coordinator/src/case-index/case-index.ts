import type { CaseFacts } from '../statistics/case-facts';
import { LogPosition, RecordedEvent } from '@samverkan/eventstore';
import type { Text } from '../cases/case.model';
import { DisclosedEntry } from '../cases/case.views';

export interface WorklistReferral {
  caseId: string;
  referralId: string;
  fromAgency: string;
  urgency: string;
  /** Encrypted as stored; the worklist route shows it in clear. */
  reason: Text;
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

/** One event as an agency's feed carries it: as the access table lets that agency see it, as on its timeline. */
export type FeedEntry = DisclosedEntry & {
  readonly eventId: string;
  readonly caseId: string;
  /** Where the event sits in the store's log. */
  readonly position: string;
};

/** A case about a person: who leads it, where it stands, who is on it. */
export interface CaseAbout {
  readonly caseId: string;
  readonly status: string;
  readonly leadAgency: string | null;
  readonly team: readonly string[];
}

export interface DueReferral {
  caseId: string;
  referralId: string;
  city: string;
  dueBy: string;
}

/** The name the case index's own position is stored under; process managers store theirs beside it. */
export const CASE_INDEX = 'case-index';

/**
 * The fold the index's stored summaries were written by, kept beside the positions under this name. A
 * summary written by another fold (an earlier version's CaseState) cannot be folded on, so the index is
 * folded again from the start of the log when it changes. Fold 1 (never stored) was 0.1.0's; fold 2 keeps
 * consent with who gave it and when, support by kind, and who registered each piece of evidence; fold 3 files
 * each case under its subject (the person it is about); fold 4 keeps the lifecycle as Swedish law has it (parts
 * closed, applications and decisions, citizenship, a child's representatives, defendants each judged), in a
 * table of the persons each case is about; fold 5 keeps beside each summary what the figures need of the case.
 */
export const CASE_INDEX_FOLD = 'case-index-fold';
export const CURRENT_FOLD = '5';

/**
 * Makes the index one of the current fold: an index folded by an earlier version is emptied, all but its feeds,
 * to be folded again from the start of the log. The feeds keep what they delivered, with their cursors, as a
 * Kafka topic keeps what was published; folding again only adds what the current access table grants and no
 * earlier feed entry holds. Returns whether it was emptied.
 */
export async function ensureCurrentFold(index: CaseIndex): Promise<boolean> {
  const held = await index.position(CASE_INDEX_FOLD);
  if (held === CURRENT_FOLD) return false;
  const stale = held !== undefined || (await index.position()) !== undefined;
  if (stale) await index.clear({ keepFeeds: true });
  await index.savePosition(CASE_INDEX_FOLD, CURRENT_FOLD);
  return stale;
}

/**
 * The case index: a read model of every case's summary (the decider's own fold), with who is on each team
 * and which referrals are open, for worklists and for escalation, and each agency's feed of the events the
 * sharing policy lets it see (the embedded default's stand-in for its Kafka topic). Updated from the global
 * log together with its position in one transaction, so it is exact after any crash, and can be rebuilt
 * from the log at any time (`npm run projections:rebuild`).
 *
 * Two adapters hold it: `SqliteCaseIndex` (a file in the data directory, the embedded default) and
 * `PostgresCaseIndex` (when `DATABASE_URL` is set). They share the fold (`case-index.fold.ts`); only the SQL
 * differs. This class is also the token Nest injects the open adapter by.
 */
export abstract class CaseIndex {
  /** Where the index (or, by name, another follower keeping its position here) has got to in the log. */
  abstract position(name?: string): Promise<LogPosition | undefined>;

  /** Positions of other followers (process managers), kept with the index. */
  abstract savePosition(name: string, position: LogPosition): Promise<void>;

  /**
   * Folds events of the log, in log order, into the index and stores the last one's position, all in one
   * transaction. An event already folded (its case is at its revision or beyond) changes nothing, so a batch
   * may be applied again after a crash. A case event that does not follow the revision the index holds is
   * refused with an `InvariantError` and nothing of the batch is applied: the index is missing part of that
   * case (it was cleared under a running follower), and folding on would make it wrong for good.
   */
  abstract projectBatch(events: readonly RecordedEvent[]): Promise<void>;

  /**
   * Folds batches of the log one after the other, each as `projectBatch` does, telling `written` after each
   * one's commit; stops at the first that fails, when `batches` ends, and when `signal` is aborted (after the
   * batch being written: then it answers false). The next batch is read while one is written; an adapter may
   * also fold it meanwhile.
   */
  async projectBatches(batches: AsyncIterable<readonly RecordedEvent[]>, written: (events: number) => void, signal?: AbortSignal): Promise<boolean> {
    const prepare = this.batchPreparer();
    let writing: Promise<void> = Promise.resolve();
    for await (const batch of batches) {
      if (batch.length === 0) continue;
      const write = prepare(batch);
      await writing; // written only once the one before is
      if (signal?.aborted) return false;
      writing = write().then(() => written(batch.length));
      writing.catch(() => undefined); // thrown when awaited, with the next batch or at the end
    }
    await writing;
    return true;
  }

  /**
   * For one run of `projectBatches`: what is done with each batch as soon as it is read, while the one before
   * is being written, answering how to write it then. Here nothing: the batch is projected when its turn comes.
   */
  protected batchPreparer(): (events: readonly RecordedEvent[]) => () => Promise<void> {
    return (events) => () => this.projectBatch(events);
  }

  /** Folds one event; see `projectBatch`. */
  project(event: RecordedEvent): Promise<void> {
    return this.projectBatch([event]);
  }

  /** Open referrals addressed to the agency. */
  abstract referralsAwaiting(agencyId: string): Promise<WorklistReferral[]>;

  /** Open referrals that went unanswered past their due time and were escalated to the agency. */
  abstract referralsEscalatedTo(agencyId: string): Promise<WorklistReferral[]>;

  /** The cases the agency is on the team of. */
  abstract casesOf(agencyId: string): Promise<WorklistCase[]>;

  /** The agency's feed after a cursor (exclusive), oldest first. */
  abstract feedOf(agencyId: string, after: number, limit: number): Promise<Array<FeedEntry & { cursor: string }>>;

  /** The cases whose subject is the person, oldest id first. */
  abstract casesAbout(personId: string): Promise<CaseAbout[]>;

  /** What the figures need of every case (statistics/case-facts.ts), by case id. */
  abstract caseFacts(): Promise<CaseFacts[]>;

  /** Open referrals of open cases, not yet escalated, whose due time is at or before `now`. */
  abstract dueReferrals(now: Date): Promise<DueReferral[]>;

  /**
   * Empties the index and forgets its position, for a rebuild from the start of the log; the positions of
   * other followers are kept. Feed cursors start again from the beginning, so a rebuild of the same log hands
   * every entry the cursor it had. With `keepFeeds`, the feeds are kept as they are.
   */
  abstract clear(options?: { keepFeeds?: boolean }): Promise<void>;

  abstract close(): Promise<void>;
}
