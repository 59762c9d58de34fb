import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { AgencyRegistry } from '../agencies/agency-registry';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import { CheckpointPublisher } from './checkpoint-publisher';
import { Relay } from './relay';

/**
 * Runs the relay, and the publisher of the ledger's checkpoints, while the service runs, when Kafka is
 * configured. The service starts without waiting for the broker: both keep trying to start in the
 * background, and commands are accepted meanwhile.
 */
@Injectable()
export class RelayProvider implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Relay');
  private readonly relay: Relay;
  private readonly checkpoints: CheckpointPublisher;
  private starting?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    registry: AgencyRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    ledger: LedgerService,
  ) {
    this.relay = new Relay(store, {
      brokers: config.kafkaBrokers ?? [],
      agencyIds: registry.all().map((agency) => agency.id),
      transactionalId: config.relayTransactionalId,
      partitions: config.kafkaPartitions,
      replicationFactor: config.kafkaReplicationFactor,
      logger: this.logger,
    });
    this.checkpoints = new CheckpointPublisher(ledger.store, {
      brokers: config.kafkaBrokers ?? [],
      origin: config.ledgerOrigin,
      intervalMs: config.checkpointIntervalMs > 0 ? config.checkpointIntervalMs : 1000,
      replicationFactor: config.kafkaReplicationFactor,
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.starting = this.start();
  }

  // Before the store closes (StoreLifecycle closes it on shutdown).
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.starting;
    await this.relay.stop();
    await this.checkpoints.stop();
  }

  private async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.relay.start();
        await this.checkpoints.start();
        return;
      } catch (error) {
        this.logger.warn(`cannot start the relay yet (attempt ${attempt}): ${(error as Error).message}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(1000 * attempt, 30_000));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
