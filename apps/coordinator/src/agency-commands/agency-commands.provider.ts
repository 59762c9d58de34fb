import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AgencyRegistry } from '../agencies/agency-registry';
import { CaseService } from '../cases/case.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AgencyCommandConsumer } from './agency-command-consumer';

/**
 * Executes agencies' Kafka commands while the service runs, when Kafka is configured. Like the relay, the
 * service starts without waiting for the broker: the consumer keeps trying to start in the background.
 */
@Injectable()
export class AgencyCommandsProvider implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AgencyCommands');
  private readonly consumer: AgencyCommandConsumer;
  private starting?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

  constructor(cases: CaseService, registry: AgencyRegistry, @Inject(APP_CONFIG) config: AppConfig) {
    this.consumer = new AgencyCommandConsumer(cases, registry, {
      brokers: config.kafkaBrokers ?? [],
      partitions: config.kafkaPartitions,
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
    await this.consumer.stop();
  }

  private async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.consumer.start();
        return;
      } catch (error) {
        this.logger.warn(`cannot start the command consumer yet (attempt ${attempt}): ${(error as Error).message}`);
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
