import { join } from 'node:path';
import { withoutPassword } from '@samverkan/common';
import { AppConfig } from './app-config';

type StoreSettings = Pick<AppConfig, 'eventStore' | 'databaseUrl' | 'databaseSchema' | 'esdbConnectionString' | 'dataDir' | 'kafkaBrokers'>;

/** Where this process keeps what, in lines for the start-up log; no password is shown. */
export function describeStores(config: StoreSettings): string[] {
  const postgres = config.databaseUrl && `PostgreSQL ${withoutPassword(config.databaseUrl)}, schema ${config.databaseSchema}`;
  const log = {
    sqlite: `SQLite ${join(config.dataDir, 'events.db')}`,
    postgres,
    eventstoredb: `EventStoreDB ${withoutPassword(config.esdbConnectionString ?? '')}`,
  }[config.eventStore];
  return [
    `event store: ${log}`,
    `read models and ledger: ${postgres || `SQLite in ${config.dataDir}`}`,
    `sharing: ${config.kafkaBrokers ? `Kafka ${config.kafkaBrokers.join(',')}` : 'no Kafka (KAFKA_BROKERS not set); agencies read GET /agencies/me/feed'}`,
  ];
}
