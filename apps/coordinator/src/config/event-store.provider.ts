import { join } from 'node:path';
import { Logger, Provider } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { EventStoreDbEventStore } from '@samverkan/eventstore/eventstoredb';
import { HeldBackReport, PostgresEventStore } from '@samverkan/eventstore/postgres';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { AppConfig } from './app-config';

/** Opens the store `EVENT_STORE` names; the rest of the service sees only the port. */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return new SqliteEventStore({ file: join(config.dataDir, 'events.db') });
    case 'postgres':
      return PostgresEventStore.open({
        connectionString: config.databaseUrl!,
        schema: config.databaseSchema,
        onHeldBack: (report) => new Logger('EventStore').warn(heldBackMessage(report)),
      });
    case 'eventstoredb':
      return EventStoreDbEventStore.open({ connectionString: config.esdbConnectionString! });
  }
}

export function eventStoreProvider(config: AppConfig): Provider {
  return { provide: EVENT_STORE, useFactory: () => openEventStore(config) };
}

/** One line an operator can act on: which session to look at, or to end with `pg_terminate_backend`. */
export function heldBackMessage(report: HeldBackReport): string {
  const seconds = Math.round(report.heldForMs / 1000);
  const who =
    report.preparedAs !== undefined
      ? `prepared transaction '${report.preparedAs}' (database ${report.database}, since ${report.since})`
      : report.pid !== undefined
        ? `session ${report.pid} (database ${report.database}, user ${report.user}, application '${report.application ?? ''}', ` +
          `${report.state}, in its transaction since ${report.since})`
        : `a session not known here (${report.unknownBecause ?? 'no details'})`;
  return (
    `new events have been held back from the ledger, relay and projections for ${seconds} s by transaction ` +
    `${report.xid}, still open in ${who}: followers go on once it ends`
  );
}
