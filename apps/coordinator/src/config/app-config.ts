import { resolve } from 'node:path';
import { ValidationError } from '@samverkan/common';

/** Everything the service reads from its environment, read once at start. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly agenciesFile: string;
  /** Create per-agency development keys in the data directory for agencies without registered keys. */
  readonly devKeys: boolean;
  /** Longest token lifetime (exp - iat) accepted, in seconds. */
  readonly maxTokenLifetimeSeconds: number;
  /** How often unanswered referrals are checked for escalation, in milliseconds. */
  readonly escalationIntervalMs: number;
}

export const APP_CONFIG = Symbol('AppConfig');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    port: integer(env, 'PORT', 3000),
    host: env.HOST ?? '0.0.0.0',
    dataDir: resolve(env.SAMVERKAN_DATA_DIR ?? './data'),
    agenciesFile: resolve(env.SAMVERKAN_AGENCIES_FILE ?? 'config/agencies.yaml'),
    devKeys: (env.SAMVERKAN_DEV_KEYS ?? 'true') !== 'false',
    maxTokenLifetimeSeconds: integer(env, 'SAMVERKAN_MAX_TOKEN_LIFETIME_S', 3600),
    escalationIntervalMs: integer(env, 'SAMVERKAN_ESCALATION_INTERVAL_MS', 30_000),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ValidationError(`${name} must be a non-negative integer, not ${text}`);
  return value;
}
