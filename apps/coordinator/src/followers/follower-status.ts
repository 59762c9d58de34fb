import { Injectable, Optional } from '@nestjs/common';
import { FollowerLag, LogFollower } from '@samverkan/eventstore';
import { ProjectorRole } from '../leases/projector.role';
import { LedgerService } from '../ledger/ledger.service';
import { RelayProvider } from '../relay/relay.provider';
import { FollowerThread } from './follower-thread';

export type RoleActivity = 'active' | 'standby' | 'off';

/** How the roles that follow the log are doing, as /health and /metrics tell it. */
export interface FollowerStatus {
  /** `active` where this process does the role, `standby` while another process does, `off` without it. */
  readonly roles: { readonly ledger: RoleActivity; readonly projector: RoleActivity; readonly relay: RoleActivity };
  /** Times relaying to Kafka failed and resumed. */
  readonly relayFailures: number;
  /** How far behind the log each active follower is (when asked for: it reads the store). */
  readonly lags: ReadonlyArray<readonly [follower: string, lag: FollowerLag | undefined]>;
}

/** Counted up to this many events behind, so that a scrape of a far-behind follower stays cheap. */
export const LAG_COUNTED_UP_TO = 10_000;

/**
 * The status of the followers of this process, wherever they run: on this thread, or on the follower thread
 * (which answers with this same provider on its side).
 */
@Injectable()
export class Followers {
  constructor(
    private readonly ledger: LedgerService,
    @Optional() private readonly relay?: RelayProvider,
    @Optional() private readonly projector?: ProjectorRole,
    @Optional() private readonly thread?: FollowerThread,
  ) {}

  async status({ lags }: { lags: boolean }): Promise<FollowerStatus> {
    if (this.thread) return this.thread.status({ lags });
    const followers = (): LogFollower[] => [
      ...(this.ledger.logFollower ? [this.ledger.logFollower] : []),
      ...(this.relay?.state === 'active' ? [this.relay.logFollower] : []),
      ...(this.projector?.state === 'active' ? this.projector.followers : []),
    ];
    const now = new Date();
    return {
      roles: { ledger: this.ledger.state, projector: this.projector?.state ?? 'off', relay: this.relay?.state ?? 'off' },
      relayFailures: this.relay?.failures ?? 0,
      lags: lags ? await Promise.all(followers().map(async (f) => [f.name, await f.lag(now, LAG_COUNTED_UP_TO)] as const)) : [],
    };
  }
}
