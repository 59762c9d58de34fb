import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, CLOCK } from '@samverkan/common';
import { SYSTEM_AGENCY_ID } from '../agencies/agency';
import { AgencyRegistry } from '../agencies/agency-registry';
import { CaseService } from '../cases/case.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CaseIndex } from '../case-index/case-index';

const NAME = 'referral-escalation';

/**
 * A referral unanswered past its due time is escalated to the coordinator of the case's city. Checked on a
 * timer and once at start, from the case index, so a restart loses no escalation; the decider escalates a
 * referral at most once.
 */
@Injectable()
export class ReferralEscalationProcess {
  private readonly logger = new Logger('ReferralEscalation');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly index: CaseIndex,
    private readonly cases: CaseService,
    private readonly registry: AgencyRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Runs while the projector role is active in this process. */
  start(): void {
    void this.check();
    if (this.config.escalationIntervalMs > 0) {
      this.timer = setInterval(() => void this.check(), this.config.escalationIntervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Escalates every referral now past due; resolves with how many were escalated. */
  check(): Promise<number> {
    this.running ??= this.escalateDue().finally(() => (this.running = undefined));
    return this.running;
  }

  private async escalateDue(): Promise<number> {
    const now = this.clock.now();
    let escalated = 0;
    for (const due of await this.index.dueReferrals(now)) {
      try {
        // Inside the try: a case of a municipality since taken out of the registry must not stop the sweep for the others.
        const { coordinator } = this.registry.servicesOf(due.city);
        const outcome = await this.cases.execute(
          {
            type: 'EscalateReferral',
            caseId: due.caseId,
            issuer: { agencyId: SYSTEM_AGENCY_ID, kind: 'coordinator' },
            at: now.toISOString(),
            referralId: due.referralId,
            coordinator: { agencyId: coordinator.id, kind: coordinator.kind },
          },
          { agencyId: SYSTEM_AGENCY_ID, actorId: NAME, commandId: `${NAME}:${due.referralId}` },
        );
        escalated += outcome.events.length > 0 && !outcome.replayed ? 1 : 0;
      } catch (error) {
        this.logger.error(`referral ${due.referralId} of case ${due.caseId} could not be escalated: ${(error as Error).message}`);
      }
    }
    return escalated;
  }
}
