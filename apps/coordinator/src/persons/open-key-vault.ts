import { join } from 'node:path';
import { CachingKeyVault, KeyVault, PostgresKeyVault, SqliteKeyVault } from '@samverkan/vault';
import { AppConfig } from '../config/app-config';
import { loadMasterKey } from './master-key.loader';

/**
 * The key vault the configuration names: a table in PostgreSQL when `DATABASE_URL` is set (beside the read
 * models), else its own SQLite file in the data directory (`keys.db`). Only this opens a vault adapter.
 */
export async function openKeyVault(config: AppConfig): Promise<KeyVault> {
  const master = loadMasterKey(config);
  // Keys used a moment ago are kept for two seconds: another process's erasure reaches this one within that.
  if (config.databaseUrl) {
    return new CachingKeyVault(await PostgresKeyVault.open({ connectionString: config.databaseUrl, schema: config.databaseSchema }, master));
  }
  return new CachingKeyVault(new SqliteKeyVault(join(config.dataDir, 'keys.db'), master));
}
