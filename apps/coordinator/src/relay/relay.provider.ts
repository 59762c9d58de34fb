import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, EventStore, LogFollower } from '@samverkan/eventstore';
import { KafkaMessageBus } from '@samverkan/messaging';
import { AgencyRegistry } from '../agencies/agency-registry';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import { Leadership } from '../leases/leadership';
import { LEADERSHIP } from '../leases/leadership.provider';
import { SingleActive } from '../leases/single-active';
import { CaseStates } from '../cases/case-states';
import { BackgroundStart } from './background-start';
import { CheckpointPublisher } from './checkpoint-publisher';
import { Relay } from './relay';

/**
 * Runs the relay, and the publisher of the ledger's checkpoints, in the process that holds the relay's lease
 * (others with the `relay` role wait as standby), when Kafka is configured. The service starts without
 * waiting for the broker: both keep trying to start in the background, and commands are accepted meanwhile.
 * Taking over the relay's transactional id also fences a relay that lost its lease but still runs.
 */
@Injectable()
export class RelayProvider extends BackgroundStart {
  protected readonly logger = new Logger('Relay');
  protected readonly what = 'the relay';
  private readonly bus: KafkaMessageBus;
  private readonly relay: Relay;
  private readonly checkpoints: CheckpointPublisher;
  private readonly role: SingleActive;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    registry: AgencyRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    ledger: LedgerService,
    @Inject(LEADERSHIP) leadership: Leadership,
    states: CaseStates,
  ) {
    super();
    this.role = new SingleActive(leadership, 'relay', { start: () => this.begin(), stop: () => this.end() }, this.logger);
    this.bus = new KafkaMessageBus({ brokers: config.kafkaBrokers ?? [], clientId: config.relayTransactionalId ?? 'samverkan-relay' });
    this.relay = new Relay(store, this.bus, {
      agencyIds: registry.all().map((agency) => agency.id),
      transactionalId: config.relayTransactionalId,
      topicPrefix: config.kafkaTopicPrefix,
      partitions: config.kafkaPartitions,
      replicationFactor: config.kafkaReplicationFactor,
      logger: this.logger,
      states,
    });
    this.checkpoints = new CheckpointPublisher(ledger.reader, this.bus, {
      origin: config.ledgerOrigin,
      topicPrefix: config.kafkaTopicPrefix,
      intervalMs: config.checkpointIntervalMs > 0 ? config.checkpointIntervalMs : 1000,
      replicationFactor: config.kafkaReplicationFactor,
      logger: this.logger,
    });
  }

  override onApplicationBootstrap(): void {
    this.role.start();
  }

  override async beforeApplicationShutdown(): Promise<void> {
    await this.role.stop();
  }

  /** Times relaying failed and resumed (see Relay.failures). */
  get failures(): number {
    return this.relay.failures;
  }

  /** The relay's follower of the log, for its lag. */
  get logFollower(): LogFollower {
    return this.relay.logFollower;
  }

  /** `active` while this process relays, `standby` while another does. */
  get state(): 'active' | 'standby' {
    return this.role.activity;
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
