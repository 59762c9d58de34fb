import { join } from 'node:path';
import { Provider } from '@nestjs/common';
import { EVENT_STORE, EventStore, EventStoreDbEventStore, PostgresEventStore, SqliteEventStore } from '@samverkan/eventstore';
import { AppConfig } from './app-config';

/** Opens the store `EVENT_STORE` names; the rest of the service sees only the port. */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return new SqliteEventStore({ file: join(config.dataDir, 'events.db') });
    case 'postgres':
      return PostgresEventStore.open({ connectionString: config.databaseUrl!, schema: config.databaseSchema });
    case 'eventstoredb':
      return EventStoreDbEventStore.open({ connectionString: config.esdbConnectionString! });
  }
}

export function eventStoreProvider(config: AppConfig): Provider {
  return { provide: EVENT_STORE, useFactory: () => openEventStore(config) };
}
