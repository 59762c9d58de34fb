import { Inject, Injectable, Logger } from '@nestjs/common';
import { KafkaMessageBus } from '@samverkan/messaging';
import { AgencyRegistry } from '../agencies/agency-registry';
import { CommandBus } from '@nestjs/cqrs';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BackgroundStart } from '../relay/background-start';
import { AgencyCommandConsumer } from './agency-command-consumer';

/**
 * Executes agencies' Kafka commands while the service runs, when Kafka is configured. Like the relay, the
 * service starts without waiting for the broker: the consumer keeps trying to start in the background.
 */
@Injectable()
export class AgencyCommandsProvider extends BackgroundStart {
  protected readonly logger = new Logger('AgencyCommands');
  protected readonly what = 'the command consumer';
  private readonly bus: KafkaMessageBus;
  private readonly consumer: AgencyCommandConsumer;

  constructor(commands: CommandBus, registry: AgencyRegistry, @Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.bus = new KafkaMessageBus({ brokers: config.kafkaBrokers ?? [], clientId: 'samverkan-commands' });
    this.consumer = new AgencyCommandConsumer(commands, registry, this.bus, {
      topicPrefix: config.kafkaTopicPrefix,
      groupId: `${config.kafkaTopicPrefix}-commands`,
      partitions: config.kafkaPartitions,
      replicationFactor: config.kafkaReplicationFactor,
      logger: this.logger,
    });
  }

  protected startOnce(): Promise<void> {
    return this.consumer.start();
  }

  protected async stopStarted(): Promise<void> {
    await this.consumer.stop();
    await this.bus.close();
  }
}
