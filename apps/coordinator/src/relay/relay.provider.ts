import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { KafkaMessageBus } from '@samverkan/messaging';
import { AgencyRegistry } from '../agencies/agency-registry';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import { BackgroundStart } from './background-start';
import { CheckpointPublisher } from './checkpoint-publisher';
import { Relay } from './relay';

/**
 * Runs the relay, and the publisher of the ledger's checkpoints, while the service runs, when Kafka is
 * configured. The service starts without waiting for the broker: both keep trying to start in the
 * background, and commands are accepted meanwhile.
 */
@Injectable()
export class RelayProvider extends BackgroundStart {
  protected readonly logger = new Logger('Relay');
  protected readonly what = 'the relay';
  private readonly bus: KafkaMessageBus;
  private readonly relay: Relay;
  private readonly checkpoints: CheckpointPublisher;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    registry: AgencyRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    ledger: LedgerService,
  ) {
    super();
    this.bus = new KafkaMessageBus({ brokers: config.kafkaBrokers ?? [], clientId: config.relayTransactionalId ?? 'samverkan-relay' });
    this.relay = new Relay(store, this.bus, {
      agencyIds: registry.all().map((agency) => agency.id),
      transactionalId: config.relayTransactionalId,
      partitions: config.kafkaPartitions,
      replicationFactor: config.kafkaReplicationFactor,
      logger: this.logger,
    });
    this.checkpoints = new CheckpointPublisher(ledger.store, this.bus, {
      origin: config.ledgerOrigin,
      intervalMs: config.checkpointIntervalMs > 0 ? config.checkpointIntervalMs : 1000,
      replicationFactor: config.kafkaReplicationFactor,
      logger: this.logger,
    });
  }

  protected async startOnce(): Promise<void> {
    await this.relay.start();
    await this.checkpoints.start();
  }

  protected async stopStarted(): Promise<void> {
    await this.relay.stop();
    await this.checkpoints.stop();
    await this.bus.close();
  }
}
