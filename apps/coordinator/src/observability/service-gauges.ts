import { Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { FollowerLag, LogFollower } from '@samverkan/eventstore';
import { LedgerService } from '../ledger/ledger.service';
import { RelayProvider } from '../relay/relay.provider';
import { ProjectorRole } from '../leases/projector.role';
import { Metrics } from './metrics';

/**
 * The figures of the service's parts, read when Prometheus scrapes: the ledger's size, its latest signed
 * checkpoint and that checkpoint's age, whether it halted, which roles this process is active in, how often
 * relaying to Kafka failed, and how far each follower of the log active here is behind it.
 */
@Injectable()
export class ServiceGauges {
  constructor(metrics: Metrics, ledger: LedgerService, @Optional() relay?: RelayProvider, @Optional() projector?: ProjectorRole) {
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
    new Counter({
      name: 'samverkan_relay_failures_total',
      help: 'Times relaying to Kafka failed (a broker unreachable, a transaction refused) and resumed from the last committed position',
      registers,
      collect() {
        this.reset();
        this.inc(relay?.failures ?? 0);
      },
    });
    new Gauge({
      name: 'samverkan_role_active',
      help: '1 for each role this process is active in (one process at a time is, for ledger, relay and projector)',
      labelNames: ['role'],
      registers,
      collect() {
        for (const [role, state] of [
          ['ledger', ledger.state],
          ['relay', relay?.state ?? 'off'],
          ['projector', projector?.state ?? 'off'],
        ] as const)
          this.set({ role }, state === 'active' ? 1 : 0);
      },
    });
    const followers = (): LogFollower[] => [
      ...(ledger.logFollower ? [ledger.logFollower] : []),
      ...(relay && relay.state === 'active' ? [relay.logFollower] : []),
      ...(projector && projector.state === 'active' ? projector.followers : []),
    ];
    // Both lag gauges read one measurement per follower and scrape.
    let measured: { at: number; lags: Promise<Array<[string, FollowerLag | undefined]>> } | undefined;
    const lags = () => {
      if (!measured || Date.now() - measured.at > 1000) {
        const now = new Date();
        measured = {
          at: now.getTime(),
          lags: Promise.all(followers().map(async (f) => [f.name, await f.lag(now, LAG_COUNTED_UP_TO)] as [string, FollowerLag | undefined])),
        };
      }
      return measured.lags;
    };
    new Gauge({
      name: 'samverkan_follower_lag_events',
      help: `Events in the log not yet handled by each follower active in this process (ledger, relay, case-index, child-protection), counted up to ${LAG_COUNTED_UP_TO}`,
      labelNames: ['follower'],
      registers,
      async collect() {
        this.reset();
        for (const [follower, lag] of await lags()) if (lag) this.set({ follower }, lag.events);
      },
    });
    new Gauge({
      name: 'samverkan_follower_lag_seconds',
      help: 'Seconds since the oldest event each follower active in this process has not yet handled was recorded; 0 when it has handled the whole log',
      labelNames: ['follower'],
      registers,
      async collect() {
        this.reset();
        for (const [follower, lag] of await lags()) if (lag) this.set({ follower }, lag.seconds);
      },
    });
  }
}

const LAG_COUNTED_UP_TO = 10_000;
