import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { LedgerService } from '../ledger/ledger.service';
import { Followers, FollowerStatus, LAG_COUNTED_UP_TO } from '../followers/follower-status';
import { Metrics } from './metrics';

/**
 * The figures of the service's parts, read when Prometheus scrapes: the ledger's size, its latest signed
 * checkpoint and that checkpoint's age, whether it halted, which roles this process is active in, how often
 * relaying to Kafka failed, and how far each follower of the log active here is behind it.
 */
@Injectable()
export class ServiceGauges {
  constructor(metrics: Metrics, ledger: LedgerService, followers: Followers) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'samverkan_ledger_leaves',
      help: 'Events in the ledger (leaves of its Merkle tree)',
      registers,
      async collect() {
        this.set(await ledger.reader.size());
      },
    });
    new Gauge({
      name: 'samverkan_ledger_checkpoint_size',
      help: 'Events the latest signed checkpoint covers',
      registers,
      async collect() {
        this.set((await ledger.reader.latestCheckpoint())?.size ?? 0);
      },
    });
    new Gauge({
      name: 'samverkan_ledger_checkpoint_age_seconds',
      help: 'Seconds since the latest checkpoint was signed',
      registers,
      async collect() {
        const latest = await ledger.reader.latestCheckpoint();
        if (latest) this.set((Date.now() - Date.parse(latest.createdAt)) / 1000);
      },
    });
    new Gauge({
      name: 'samverkan_ledger_halted',
      help: '1 when the ledger halted on a store that no longer holds what it signed (it then signs nothing more)',
      registers,
      collect() {
        this.set(ledger.halted ? 1 : 0);
      },
    });
    // The followers' gauges read one status per scrape (on the follower thread, when they run there).
    let measured: { at: number; status: Promise<FollowerStatus> } | undefined;
    const status = () => {
      if (!measured || Date.now() - measured.at > 1000) measured = { at: Date.now(), status: followers.status({ lags: true }) };
      return measured.status;
    };
    new Counter({
      name: 'samverkan_relay_failures_total',
      help: 'Times relaying to Kafka failed (a broker unreachable, a transaction refused) and resumed from the last committed position',
      registers,
      async collect() {
        this.reset();
        this.inc((await status()).relayFailures);
      },
    });
    new Gauge({
      name: 'samverkan_role_active',
      help: '1 for each role this process is active in (one process at a time is, for ledger, relay and projector)',
      labelNames: ['role'],
      registers,
      async collect() {
        for (const [role, state] of Object.entries((await status()).roles)) this.set({ role }, state === 'active' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'samverkan_follower_lag_events',
      help: `Events in the log not yet handled by each follower active in this process (ledger, relay, case-index, child-protection), counted up to ${LAG_COUNTED_UP_TO}`,
      labelNames: ['follower'],
      registers,
      async collect() {
        this.reset();
        for (const [follower, lag] of (await status()).lags) if (lag) this.set({ follower }, lag.events);
      },
    });
    new Gauge({
      name: 'samverkan_follower_lag_seconds',
      help: 'Seconds since the oldest event each follower active in this process has not yet handled was recorded; 0 when it has handled the whole log',
      labelNames: ['follower'],
      registers,
      async collect() {
        this.reset();
        for (const [follower, lag] of (await status()).lags) if (lag) this.set({ follower }, lag.seconds);
      },
    });
  }
}
