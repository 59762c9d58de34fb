import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { CaseIndex } from './case-index';
import { PostgresCaseIndex } from './postgres-case-index';
import { SqliteCaseIndex } from './sqlite-case-index';

/** Opens the case index the configuration names: in PostgreSQL when `DATABASE_URL` is set, else `<dataDir>/case-index.db`. */
export async function openCaseIndex(config: AppConfig): Promise<CaseIndex> {
  if (config.databaseUrl) return PostgresCaseIndex.open({ connectionString: config.databaseUrl, schema: config.databaseSchema });
  return new SqliteCaseIndex(join(config.dataDir, 'case-index.db'));
}
