import { join } from 'node:path';
import { Provider } from '@nestjs/common';
import { EVENT_STORE, EventStore, PostgresEventStore, SqliteEventStore } from '@samverkan/eventstore';
import { AppConfig } from './app-config';

/** Opens the store `EVENT_STORE` names; the rest of the service sees only the port. */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return new SqliteEventStore({ file: join(config.dataDir, 'events.db') });
    case 'postgres':
      return PostgresEventStore.open({ connectionString: config.databaseUrl!, schema: config.databaseSchema });
    case 'eventstoredb':
      throw new Error('EVENT_STORE=eventstoredb is not wired yet');
  }
}

export function eventStoreProvider(config: AppConfig): Provider {
  return { provide: EVENT_STORE, useFactory: () => openEventStore(config) };
}
