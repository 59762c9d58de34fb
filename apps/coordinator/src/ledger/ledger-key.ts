import { createPrivateKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateDirectory, ValidationError } from '@samverkan/common';
import { AppConfig } from '../config/app-config';

/**
 * The ledger's Ed25519 signing key: given inline (`SAMVERKAN_LEDGER_KEY`) or as a file
 * (`SAMVERKAN_LEDGER_KEY_FILE`) in production; on the embedded default, created once in the data directory
 * (`ledger-key.pem`) and used from then on, by every process given the same directory.
 */
export function loadLedgerKey(config: Pick<AppConfig, 'dataDir' | 'devKeys' | 'ledgerKey' | 'ledgerKeyFile'>): KeyObject {
  if (config.ledgerKey) return ed25519(config.ledgerKey, 'SAMVERKAN_LEDGER_KEY');
  if (config.ledgerKeyFile) return ed25519(readFileSync(config.ledgerKeyFile, 'utf8'), config.ledgerKeyFile);
  if (!config.devKeys) {
    throw new ValidationError('no ledger key is configured: set SAMVERKAN_LEDGER_KEY_FILE (or SAMVERKAN_LEDGER_KEY) to an Ed25519 PKCS#8 PEM');
  }
  const file = join(config.dataDir, 'ledger-key.pem');
  try {
    return ed25519(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  privateDirectory(config.dataDir);
  const { privateKey } = generateKeyPairSync('ed25519');
  try {
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { flag: 'wx', mode: 0o600 });
    return privateKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ed25519(readFileSync(file, 'utf8'), file);
    throw error;
  }
}

function ed25519(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new ValidationError(`the ledger key in ${source} cannot be read: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ValidationError(`the ledger key in ${source} is ${key.asymmetricKeyType}, not Ed25519`);
  return key;
}
