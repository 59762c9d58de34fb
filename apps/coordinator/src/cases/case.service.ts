import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK, NotFoundError, ValidationError } from '@samverkan/common';
import { CommandContext, CommandOutcome, CommandPath, EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { SealedEnvelope, verifyChain } from '@samverkan/sealing';
import { Issuer, SYSTEM_AGENCY_ID } from '../agencies/agency';
import { caseDecider, visibleTo } from './case.decider';
import { CaseCommand, CaseEvent, CaseState } from './case.model';

export const caseStream = (caseId: string) => `case-${caseId}`;

/** A point in a case's history: a time or a revision; none means now. */
export interface HistoryCut {
  readonly asOf?: string;
  readonly revision?: number;
}

export interface CaseHistory {
  readonly caseId: string;
  /** Revision of the last event shown (-1 for none). */
  readonly revision: number;
  readonly events: SealedEnvelope[];
  readonly state: CaseState;
  readonly visibility: 'team' | 'addressee' | 'auditor' | 'system';
}

/** Runs case commands through the one command path, and reads cases for agencies allowed to see them. */
@Injectable()
export class CaseService {
  private readonly path: CommandPath<CaseCommand, CaseEvent, CaseState>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.path = new CommandPath(store, caseDecider, { now: () => clock.now() });
  }

  now(): Date {
    return this.clock.now();
  }

  execute(command: CaseCommand, context: CommandContext): Promise<CommandOutcome<CaseState>> {
    return this.path.execute(caseStream(command.caseId), command, context);
  }

  /** Current state, for process managers; no visibility check. */
  async state(caseId: string): Promise<CaseState> {
    return (await this.path.load(caseStream(caseId))).state;
  }

  /**
   * The case's events and state, as of a time or revision, for an agency that may see the case now: on its
   * team, addressed by an open referral, or an auditor. Anyone else is told the case does not exist.
   */
  async history(caseId: string, reader: Issuer, cut: HistoryCut = {}): Promise<CaseHistory> {
    const agencyId = reader.agencyId;
    if (cut.asOf !== undefined && cut.revision !== undefined) {
      throw new ValidationError('give either asOf or revision, not both', { rule: 'invalid-input' });
    }
    const asOf = cut.asOf === undefined ? undefined : Date.parse(cut.asOf);
    const events: SealedEnvelope[] = [];
    let current = caseDecider.initialState();
    let then = current;
    for await (const { envelope } of this.store.readStream(caseStream(caseId))) {
      current = caseDecider.evolve(current, envelope as unknown as CaseEvent);
      const included =
        (cut.revision === undefined || envelope.revision <= cut.revision) &&
        (asOf === undefined || Date.parse(envelope.metadata.recordedAt) <= asOf);
      if (included) {
        events.push(envelope);
        then = current;
      }
    }
    const visibility = agencyId === SYSTEM_AGENCY_ID ? 'system' : reader.kind === 'auditor' ? 'auditor' : visibleTo(current, agencyId);
    if (current.status === 'none' || visibility === 'none') throw new NotFoundError(`case ${caseId} was not found`, { rule: 'case-not-found', details: { caseId } });
    return { caseId, revision: events.length - 1, events, state: then, visibility };
  }

  /** Recomputes the case's hash chain from the stored envelopes. */
  async verify(caseId: string, reader: Issuer) {
    const { events } = await this.history(caseId, reader);
    return verifyChain(caseStream(caseId), events);
  }
}
