/**
 * What both case index adapters share, so that only their SQL differs: the fold of a batch of log events into
 * the rows to write (over the log's one fold, foldSteps), the mapping of stored summaries back to worklist
 * entries, and the cache of recent case states.
 */
import { InvariantError } from '@samverkan/common';
import { foldSteps, RecordedEvent } from '@samverkan/eventstore';
import { caseIdOf } from '@samverkan/sealing';
import { CaseFacts, foldFacts } from '../statistics/case-facts';
import { caseDecider } from '../cases/case.decider';
import { share } from '../cases/case.disclosure';
import { CaseState } from '../cases/case.model';
import { disclosedEntry } from '../cases/case.views';
import type { FeedEntry, WorklistCase, WorklistReferral } from './case-index';

/** A case as the index holds it. */
export interface IndexedCase {
  readonly revision: number;
  readonly state: CaseState;
  /** What the figures need of the case (statistics/case-facts.ts); null before its opening was folded. */
  readonly facts: CaseFacts | null;
}

export interface CaseChange extends IndexedCase {
  readonly caseId: string;
  /** Whether the team rows must be rewritten: the team changed, or the index did not hold the case. */
  readonly teamChanged: boolean;
  /** Whether the open-referral rows must be rewritten. */
  readonly referralsChanged: boolean;
  /** Whether the persons the case is about may have changed: the index did not hold it. */
  readonly personsChanged: boolean;
}

export interface FeedRow {
  readonly agencyId: string;
  readonly eventId: string;
  readonly entry: FeedEntry;
}

/** What a batch changes: each case touched, at its last revision in the batch, and the feed rows in log order. */
export interface IndexChanges {
  readonly cases: readonly CaseChange[];
  readonly feed: readonly FeedRow[];
}

export interface OpenReferralRow {
  readonly referralId: string;
  readonly toAgency: string;
  readonly dueBy: string | null;
  readonly escalatedTo: string | null;
}

/** The distinct cases a batch touches, for an adapter to read what it holds of them in one go. */
export function casesIn(events: readonly RecordedEvent[]): string[] {
  const ids = new Set<string>();
  for (const { envelope } of events) {
    const caseId = caseIdOf(envelope.stream);
    if (caseId !== undefined) ids.add(caseId);
  }
  return [...ids];
}

/**
 * Folds a batch of log events over what the index holds (`held`, read before the batch). An event of a
 * revision the index already has is skipped; one that leaves a gap after it is refused (see
 * `CaseIndex.projectBatch`).
 */
export function foldBatch(events: readonly RecordedEvent[], held: (caseId: string) => IndexedCase | undefined): IndexChanges {
  // The events the index does not hold yet, each the next of its case; and what it holds of each case before them.
  const heldBefore = new Map<string, IndexedCase | undefined>();
  const next = new Map<string, number>();
  const start = new Map<string, CaseState>();
  const fresh: RecordedEvent[] = [];
  for (const event of events) {
    const { envelope } = event;
    const caseId = caseIdOf(envelope.stream);
    if (caseId === undefined) continue;
    if (!heldBefore.has(caseId)) {
      const known = held(caseId);
      heldBefore.set(caseId, known);
      next.set(caseId, known ? known.revision + 1 : 0);
      start.set(envelope.stream, known?.state ?? caseDecider.initialState());
    }
    const expected = next.get(caseId)!;
    if (envelope.revision < expected) continue;
    if (envelope.revision !== expected) {
      throw new InvariantError(
        `the case index holds case ${caseId} at ${expected > 0 ? `revision ${expected - 1}` : 'no revision'}, so it cannot fold revision ${envelope.revision} ` +
          `(event ${envelope.id}) without the events between; was it cleared while the service was running? ` +
          'Rebuild it with the service stopped: npm run projections:rebuild -- --from-scratch',
        {
          rule: 'case-index-gap',
          details: { caseId, heldRevision: expected > 0 ? expected - 1 : null, eventRevision: envelope.revision, eventId: envelope.id },
        },
      );
    }
    next.set(caseId, expected + 1);
    fresh.push(event);
  }
  const now = new Map<string, IndexedCase>();
  const feed: FeedRow[] = [];
  for (const { event, folded, before, after } of foldSteps(fresh, caseDecider, start)) {
    const { envelope } = event;
    const caseId = caseIdOf(envelope.stream)!;
    const facts = foldFacts((now.get(caseId) ?? heldBefore.get(caseId))?.facts ?? undefined, folded, envelope.metadata.recordedAt) ?? null;
    for (const delivery of share(envelope, before, after)) {
      const entry: FeedEntry = { eventId: envelope.id, caseId, ...disclosedEntry(envelope, delivery), position: event.position };
      feed.push({ agencyId: delivery.agencyId, eventId: envelope.id, entry });
    }
    now.set(caseId, { revision: envelope.revision, state: after, facts });
  }
  const cases = [...now].map(([caseId, after]) => {
    const before = heldBefore.get(caseId);
    return {
      caseId,
      ...after,
      // evolve keeps a part it did not change, so unchanged teams and referrals need no rewrite.
      teamChanged: !before || before.state.team !== after.state.team,
      referralsChanged: !before || before.state.referrals !== after.state.referrals,
      personsChanged: !before,
    };
  });
  return { cases, feed };
}

/**
 * The person records a case is about, which is what lets its team read them (`casesAbout`): its subject. The
 * defendants and suspects it names are not: a victim's team does not learn a defendant's identity, relatives or
 * other cases by being on her case; their records are read on their own rule (the agency responsible for them,
 * the teams of cases about them), as the retention of records counts cases.
 */
export function personsOf(state: CaseState): string[] {
  return state.subject ? [state.subject.subjectId] : [];
}

export function teamOf(state: CaseState): string[] {
  return state.team.map((member) => member.agencyId);
}

export function openReferralsOf(state: CaseState): OpenReferralRow[] {
  return state.referrals
    .filter((r) => r.status === 'open')
    .map((r) => ({ referralId: r.referralId, toAgency: r.toAgency, dueBy: r.dueBy, escalatedTo: r.escalatedTo }));
}

export function worklistReferral(caseId: string, state: CaseState, referralId: string): WorklistReferral {
  const referral = state.referrals.find((r) => r.referralId === referralId)!;
  return {
    caseId,
    referralId: referral.referralId,
    fromAgency: referral.fromAgency,
    urgency: referral.urgency,
    reason: referral.reason,
    dueBy: referral.dueBy,
    escalatedTo: referral.escalatedTo,
    city: state.city,
    subject: descriptors(state),
  };
}

export function worklistCase(caseId: string, state: CaseState, revision: number): WorklistCase {
  return { caseId, status: state.status, city: state.city, leadAgency: state.leadAgency, revision, subject: descriptors(state) };
}

function descriptors(state: CaseState) {
  return state.subject && { category: state.subject.category, ageGroup: state.subject.ageGroup };
}

/**
 * Cases whose summaries are kept parsed between batches. Only a hint: an adapter uses an entry only when the
 * revision it reads in its write transaction is the entry's, so another writer of the same index (a rebuild)
 * can never make it fold onto a stale state.
 */
export class RecentCases {
  private readonly cases = new Map<string, IndexedCase>();

  constructor(private readonly capacity = 5_000) {}

  get(caseId: string): IndexedCase | undefined {
    return this.cases.get(caseId);
  }

  /** Called once the batch's transaction has committed: a failed one must leave its events to be folded again. */
  remember(changes: IndexChanges): void {
    for (const { caseId, revision, state, facts } of changes.cases) {
      this.cases.delete(caseId);
      this.cases.set(caseId, { revision, state, facts });
      if (this.cases.size > this.capacity) this.cases.delete(this.cases.keys().next().value!);
    }
  }

  clear(): void {
    this.cases.clear();
  }
}
