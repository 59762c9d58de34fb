import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, EventStore, FollowsTheLog, LogFollower, LogPosition } from '@samverkan/eventstore';
import { CaseIndex, ensureCurrentFold } from './case-index';

/** Keeps the case index up to date with the global log, in the background, while the projector role is active here. */
@Injectable()
export class CaseIndexProjector extends FollowsTheLog {
  private readonly logger = new Logger('CaseIndexProjector');
  protected readonly follower: LogFollower;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly index: CaseIndex,
  ) {
    super();
    this.follower = new LogFollower(store, {
      name: 'case-index',
      loadPosition: async () => {
        if (await ensureCurrentFold(index)) {
          this.logger.warn('the case index was folded by an earlier version: folding the log into it again; feeds keep what they delivered');
        }
        return index.position();
      },
      // Catching up goes a batch, and one transaction, at a time; a live event is handled as it comes.
      handleBatch: (events) => index.projectBatch(events),
      maxBatch: 500,
      lingerMs: 10,
      // the position is saved with each batch, in the same transaction
      onError: (error) => this.logger.error(`projection failed, retrying: ${(error as Error).message}`),
    });
  }

  /** Resolves once the index includes the event at `position`. */
  caughtUpTo(isReached: (handled: LogPosition | undefined) => boolean): Promise<void> {
    return this.follower.waitUntil(isReached);
  }
}
