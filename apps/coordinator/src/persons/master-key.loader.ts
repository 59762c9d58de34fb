import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateDirectory, ValidationError } from '@samverkan/common';
import { MasterKey } from '@samverkan/vault';
import { AppConfig } from '../config/app-config';

/**
 * The master key that wraps people's data keys: given inline (`SAMVERKAN_MASTER_KEY`, 32 bytes in base64) or
 * as a file holding that (`SAMVERKAN_MASTER_KEY_FILE`) in production; on the embedded default, created once in
 * the data directory (`master-key`, mode 0600) and used from then on.
 */
export function loadMasterKey(config: Pick<AppConfig, 'dataDir' | 'devKeys' | 'masterKey' | 'masterKeyFile'>): MasterKey {
  if (config.masterKey) return parse(config.masterKey, 'SAMVERKAN_MASTER_KEY');
  if (config.masterKeyFile) return parse(readFileSync(config.masterKeyFile, 'utf8'), config.masterKeyFile);
  if (!config.devKeys) {
    throw new ValidationError(
      'no master key is configured: set SAMVERKAN_MASTER_KEY_FILE (or SAMVERKAN_MASTER_KEY) to 32 random bytes in base64, e.g. `openssl rand -base64 32`',
    );
  }
  const file = join(config.dataDir, 'master-key');
  try {
    return parse(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  privateDirectory(config.dataDir);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parse(readFileSync(file, 'utf8'), file);
}

function parse(text: string, source: string): MasterKey {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32 || key.toString('base64') !== text.trim()) {
    throw new ValidationError(`the master key in ${source} must be 32 bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`)`);
  }
  return new MasterKey(key);
}
