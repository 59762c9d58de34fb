import { Inject, Injectable, Logger } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { Clock, CLOCK, ConcurrencyError, UnavailableError } from '@samverkan/common';
import { appendSealed, EVENT_STORE, EventStore, eventDrafts, readStreamHead, StreamHead } from '@samverkan/eventstore';
import { EventDraft } from '@samverkan/sealing';
import { AgencyKind } from '../agencies/agency';
import type { Caller } from '../auth/agency-authenticator';
import { ReaderStanding, ReadView, ViewAccess } from '../cases/case.access';

/** Who read: the agency, its kind, and the acting officer. */
export interface Reader {
  readonly agencyId: string;
  readonly kind: AgencyKind;
  readonly actorId: string;
}

export function readerOf(caller: Caller): Reader {
  return { agencyId: caller.agency.id, kind: caller.agency.kind, actorId: caller.actorId };
}

/** One read of case data, as the access log keeps it. */
export interface AccessEntry {
  readonly reader: Reader;
  readonly view: ReadView;
  /** The case read, or asked for; null for a read of no one case (the ledger export). */
  readonly caseId: string | null;
  /** Whether the case exists; a read of a case that does not is logged with the reader, not the case. */
  readonly caseExists: boolean;
  /** The reader's standing on the case when it read; null for a feed page, whose events each carry what was shared at the event. */
  readonly standing: ReaderStanding | null;
  readonly outcome: ViewAccess;
  /** The revision or time the reader asked the case as of, if any. */
  readonly asOfRevision?: number | null;
  readonly asOfTime?: string | null;
  /** The case's revisions a feed page carried. */
  readonly revisions?: readonly number[] | null;
  /** The cases a worklist named (a read of no one case). */
  readonly caseIds?: readonly string[] | null;
  /** The person whose record was read; its reads are kept with the person, not a case. */
  readonly personId?: string | null;
  /** The person records a search found. */
  readonly personIds?: readonly string[] | null;
  /** The size of the tree a ledger export covered. */
  readonly treeSize?: number | null;
}

/** The event a read becomes: the same shape for every view, the facts a view does not have being null. */
export interface CaseRead {
  readonly type: 'CaseRead';
  readonly data: {
    view: ReadView;
    caseId: string | null;
    standing: ReaderStanding | null;
    outcome: ViewAccess;
    readerKind: AgencyKind;
    asOfRevision: number | null;
    asOfTime: string | null;
    revisions: number[] | null;
    caseIds: string[] | null;
    personId: string | null;
    personIds: string[] | null;
    treeSize: number | null;
  };
}

/**
 * The access log's streams: `access-<caseId>` holds every read of that case, allowed or refused; reads that
 * are of no one case that exists (a case id that was never opened, the whole ledger, a worklist naming many)
 * go to `agencyreads-<agency>` of the reader, so that probing for cases is on record without making a stream
 * for every id tried, and a worklist polled every few seconds is one entry, not one per case it names.
 */
export const accessStream = (caseId: string) => `access-${caseId}`;
export const agencyReadsStream = (agencyId: string) => `agencyreads-${agencyId}`;
/** Every read of a person's record, allowed or refused. */
export const personAccessStream = (personId: string) => `personaccess-${personId}`;

/** The case id of an access-log stream, or undefined for any other stream. */
export function caseIdOfAccessStream(stream: string): string | undefined {
  return stream.startsWith('access-') ? stream.slice('access-'.length) : undefined;
}

interface Pending {
  readonly drafts: EventDraft[];
  readonly waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

const HEADS_KEPT = 10_000;
const ATTEMPTS = 12;
/** Most entries in one append: a burst of reads of one case is written in appends no store refuses for size. */
const MOST_PER_APPEND = 200;

/**
 * The sealed log of who read what. Every read of case data is appended, as a `CaseRead` event, to the access
 * log's streams in the same store, so the ledger seals and checkpoints it like the case record itself.
 *
 * A read is answered only once its entry is durable: `record` resolves when the entry is stored, and a read
 * whose entry cannot be stored is refused. Reads of one stream that arrive while an append to it is in flight
 * wait for the next append and go in it together, and the store commits appends to different streams together,
 * so under load a read costs a share of one commit, not a commit of its own.
 */
@Injectable()
export class AccessLog {
  private readonly pending = new Map<string, Pending>();
  private readonly flushing = new Set<string>();
  private readonly heads = new Map<string, StreamHead>();
  private readonly logger = new Logger('AccessLog');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Appends the entries; resolves once they are durable, rejects (UnavailableError) when they could not be stored. */
  record(...entries: AccessEntry[]): Promise<void> {
    return Promise.all(entries.map((entry) => this.enqueue(entry))).then(() => undefined);
  }

  private enqueue(entry: AccessEntry): Promise<void> {
    const stream = entry.personId
      ? personAccessStream(entry.personId)
      : entry.caseId !== null && entry.caseExists
        ? accessStream(entry.caseId)
        : agencyReadsStream(entry.reader.agencyId);
    const event: CaseRead = {
      type: 'CaseRead',
      data: {
        view: entry.view,
        caseId: entry.caseId,
        standing: entry.standing,
        outcome: entry.outcome,
        readerKind: entry.reader.kind,
        asOfRevision: entry.asOfRevision ?? null,
        asOfTime: entry.asOfTime ?? null,
        revisions: entry.revisions ? [...entry.revisions] : null,
        caseIds: entry.caseIds ? [...entry.caseIds] : null,
        personId: entry.personId ?? null,
        personIds: entry.personIds ? [...entry.personIds] : null,
        treeSize: entry.treeSize ?? null,
      },
    };
    const [draft] = eventDrafts([event], { agencyId: entry.reader.agencyId, actorId: entry.reader.actorId, commandId: uuidv7() }, this.clock.now());
    return new Promise((resolve, reject) => {
      const batch = this.pending.get(stream) ?? { drafts: [], waiters: [] };
      this.pending.set(stream, batch);
      batch.drafts.push(draft);
      batch.waiters.push({ resolve, reject });
      if (!this.flushing.has(stream)) void this.flush(stream);
    });
  }

  /** Appends what waits for the stream, one append at a time; what arrives meanwhile goes in the next. */
  private async flush(stream: string): Promise<void> {
    this.flushing.add(stream);
    try {
      for (let batch = this.take(stream); batch; batch = this.take(stream)) {
        try {
          await this.append(stream, batch.drafts);
          for (const waiter of batch.waiters) waiter.resolve();
        } catch (error) {
          // The reader is told no more than that: the store's own words could name the case or its reads.
          this.logger.error(`${batch.drafts.length} reads could not be recorded in ${stream}: ${(error as Error).message}`);
          const refusal = new UnavailableError('the read could not be recorded in the access log, so it is not answered; try again', {
            rule: 'access-log-unavailable',
          });
          for (const waiter of batch.waiters) waiter.reject(refusal);
        }
      }
    } finally {
      this.flushing.delete(stream);
    }
  }

  private take(stream: string): Pending | undefined {
    const batch = this.pending.get(stream);
    if (!batch || batch.drafts.length <= MOST_PER_APPEND) {
      this.pending.delete(stream);
      return batch;
    }
    return { drafts: batch.drafts.splice(0, MOST_PER_APPEND), waiters: batch.waiters.splice(0, MOST_PER_APPEND) };
  }

  /** Appends after the head this process knows; another process may have appended since, so on a conflict it reads the head again. */
  private async append(stream: string, drafts: readonly EventDraft[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const head = this.heads.has(stream) ? this.heads.get(stream)! : await readStreamHead(this.store, stream);
      try {
        const { sealed } = await appendSealed(this.store, stream, head, drafts);
        const last = sealed[sealed.length - 1];
        this.remember(stream, { revision: last.revision, hash: last.hash });
        return;
      } catch (error) {
        this.heads.delete(stream);
        if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
        // Another process logs reads of the same case: take turns rather than meet again at once.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 * 2 ** attempt)));
      }
    }
  }

  private remember(stream: string, head: StreamHead): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    if (this.heads.size > HEADS_KEPT) this.heads.delete(this.heads.keys().next().value!);
  }
}
