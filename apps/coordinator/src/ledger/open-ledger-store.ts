import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { LedgerStore } from './ledger-store';
import { PostgresLedgerStore } from './postgres-ledger-store';
import { SqliteLedgerStore } from './sqlite-ledger-store';

/** The token under which the module provides the ledger's store. */
export const LEDGER_STORE = Symbol('LEDGER_STORE');

/** Opens the ledger's store the configuration names: in PostgreSQL when `DATABASE_URL` is set, else `<dataDir>/ledger.db`. */
export async function openLedgerStore(config: Pick<AppConfig, 'databaseUrl' | 'databaseSchema' | 'dataDir'>): Promise<LedgerStore> {
  if (config.databaseUrl) return PostgresLedgerStore.open({ connectionString: config.databaseUrl, schema: config.databaseSchema });
  return new SqliteLedgerStore(join(config.dataDir, 'ledger.db'));
}
