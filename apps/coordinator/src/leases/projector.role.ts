import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LogFollower } from '@samverkan/eventstore';
import { ChildProtectionProcess } from '../process-managers/child-protection.process';
import { ReferralEscalationProcess } from '../process-managers/referral-escalation.process';
import { CaseIndexProjector } from '../case-index/case-index.projector';
import { Leadership } from './leadership';
import { LEADERSHIP } from './leadership.provider';
import { SingleActive } from './single-active';

/**
 * The `projector` role: the case index and the process managers that follow the log, active in one process
 * at a time (others wait as standby), so that two processes never project into one index at once and the
 * process managers act once. `npm run projections:rebuild` takes the same lease.
 */
@Injectable()
export class ProjectorRole implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private readonly role: SingleActive;
  /** The followers of the log this role runs, for their lag. */
  readonly followers: readonly LogFollower[];

  constructor(
    @Inject(LEADERSHIP) leadership: Leadership,
    projector: CaseIndexProjector,
    childProtection: ChildProtectionProcess,
    escalation: ReferralEscalationProcess,
  ) {
    const parts = [projector, childProtection, escalation];
    this.followers = [projector.logFollower, childProtection.logFollower];
    this.role = new SingleActive(
      leadership,
      PROJECTOR_LEASE,
      {
        start: () => parts.forEach((part) => part.start()),
        stop: async () => void (await Promise.all(parts.map((part) => part.stop()))),
      },
      this.logger,
    );
  }

  get state(): 'active' | 'standby' {
    return this.role.activity;
  }

  onApplicationBootstrap(): void {
    this.role.start();
  }

  /** Before the store and the index close (in their onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.role.stop();
  }
}

export const PROJECTOR_LEASE = 'projector';
