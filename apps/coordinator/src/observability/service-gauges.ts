import { Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { LedgerService } from '../ledger/ledger.service';
import { RelayProvider } from '../relay/relay.provider';
import { ProjectorRole } from '../roles/projector.role';
import { Metrics } from './metrics';

/**
 * The figures of the service's parts, read when Prometheus scrapes: the ledger's size, its latest signed
 * checkpoint and that checkpoint's age, whether it halted, which roles this process is active in, and how often
 * relaying to Kafka failed.
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
        this.set(await ledger.size());
      },
    });
    new Gauge({
      name: 'samverkan_ledger_checkpoint_size',
      help: 'Events the latest signed checkpoint covers',
      registers,
      async collect() {
        this.set((await ledger.latestCheckpoint())?.size ?? 0);
      },
    });
    new Gauge({
      name: 'samverkan_ledger_checkpoint_age_seconds',
      help: 'Seconds since the latest checkpoint was signed',
      registers,
      async collect() {
        const latest = await ledger.latestCheckpoint();
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
  }
}
