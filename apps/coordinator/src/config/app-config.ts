import { resolve } from 'node:path';
import { ValidationError } from '@samverkan/common';

/**
 * What one process of the service does: serve the API (and execute agencies' Kafka commands), relay to
 * Kafka, seal the ledger, or keep the read models and process managers. Every process serves /health.
 */
export const ROLES = ['api', 'relay', 'ledger', 'projector'] as const;
export type Role = (typeof ROLES)[number];
/** The roles that follow the log rather than answer requests. */
export const FOLLOWER_ROLES: readonly Role[] = ['ledger', 'projector', 'relay'];

export const EVENT_STORE_KINDS = ['sqlite', 'postgres', 'eventstoredb'] as const;
export type EventStoreKind = (typeof EVENT_STORE_KINDS)[number];

/** Everything the service reads from its environment, read once at start. */
export interface AppConfig {
  readonly port: number;
  /**
   * Counts of people below this are not published in the statistics (`SAMVERKAN_STATISTICS_THRESHOLD`, default 5:
   * in a city's yearly figures a smaller count can point at someone; CTDC, the global trafficking data
   * collaborative, uses 11).
   */
  readonly statisticsThreshold: number;
  readonly host: string;
  readonly dataDir: string;
  readonly agenciesFile: string;
  /** The pages' files, served at /ui/ (`SAMVERKAN_UI_DIR`, default apps/coordinator/ui). */
  readonly uiDir: string;
  /**
   * Create per-agency development keys in the data directory for agencies without registered keys
   * (`SAMVERKAN_DEV_KEYS`): on by default only on the embedded default store, off on every other; anyone who
   * can read them acts as any agency, so never with real cases.
   */
  readonly devKeys: boolean;
  /** Whether devKeys was set explicitly (the start-up warning says why they are on). */
  readonly devKeysExplicit: boolean;
  /** How long a request may take to arrive whole, headers and body (`SAMVERKAN_REQUEST_TIMEOUT_MS`, default 30 s). */
  readonly requestTimeoutMs: number;
  /** Requests per minute one agency may send (`SAMVERKAN_RATE_LIMIT_PER_AGENCY`); 0 turns the limit off. */
  readonly rateLimitPerAgency: number;
  /** Requests per minute one address may send without a valid token (`SAMVERKAN_RATE_LIMIT_PER_ADDRESS`): failed logins, health probes, docs; 0 turns the limit off. */
  readonly rateLimitPerAddress: number;
  /**
   * The reverse proxies (addresses or CIDR ranges, comma-separated; `SAMVERKAN_TRUSTED_PROXIES`) whose
   * X-Forwarded-For names the client: behind one, the per-address rate limit counts clients, not the proxy.
   */
  readonly trustedProxies: readonly string[];
  /** How far a token's issue time may be ahead of this server's clock, in seconds (`SAMVERKAN_CLOCK_SKEW_S`, default 30). */
  readonly clockSkewSeconds: number;
  /** Longest token lifetime (exp - iat) accepted, in seconds. */
  readonly maxTokenLifetimeSeconds: number;
  /** The bearer token a Prometheus scraper gives for GET /metrics; without one, only this machine may scrape. */
  readonly metricsToken: string | undefined;
  /** `json` (one JSON object a line, for a log collector) or `text` (Nest's lines, for a person at a terminal). */
  readonly logFormat: 'json' | 'text';
  /** The least level logged: fatal, error, warn, info, debug or trace. */
  readonly logLevel: string;
  /** How often unanswered referrals are checked for escalation, in milliseconds. */
  readonly escalationIntervalMs: number;
  /** The ledger's checkpoint origin line, also the name of its signing key. */
  readonly ledgerOrigin: string;
  /** Ed25519 private key of the ledger (PKCS#8 PEM), given inline, or in a file; else created in the data directory. */
  readonly ledgerKey: string | undefined;
  readonly ledgerKeyFile: string | undefined;
  /** How often a new checkpoint is signed while events arrive, in milliseconds. */
  readonly checkpointIntervalMs: number;
  /**
   * Where the ledger keeps the last checkpoint it signed, apart from its tree, so that a lost tree file can
   * never lead it to sign a history that contradicts what it signed before. Keep it with the key; default
   * `<dataDir>/ledger-signed-head.json`.
   */
  readonly ledgerSignedHeadFile: string | undefined;
  /** Accept a ledger key other than the one that signed the existing checkpoints (an explicit rotation). */
  readonly ledgerKeyRotation: boolean;
  /**
   * The master key that wraps every person's data key (32 bytes, base64), given inline or in a file; on the
   * embedded default with development keys, created in the data directory (`master-key`).
   */
  readonly masterKey: string | undefined;
  readonly masterKeyFile: string | undefined;
  /** Kafka bootstrap addresses (`KAFKA_BROKERS`, comma-separated); undefined runs without Kafka (the embedded default). */
  readonly kafkaBrokers: readonly string[] | undefined;
  /** Replication factor of the topics the service creates: 1 on a single broker, 3 in production. */
  readonly kafkaReplicationFactor: number;
  /** Partitions of each agency's event topic. */
  readonly kafkaPartitions: number;
  /** The relay's Kafka transactional id; a second relay with the same id fences the first. */
  readonly relayTransactionalId: string;
  /** First part of every topic name (`KAFKA_TOPIC_PREFIX`, default `samverkan`): `<prefix>.<agencyId>.events`. */
  readonly kafkaTopicPrefix: string;
  /** Where the case record lives (`EVENT_STORE`): the embedded SQLite file in the data directory by default. */
  readonly eventStore: EventStoreKind;
  /** PostgreSQL (`DATABASE_URL`): the store when `EVENT_STORE=postgres`. */
  readonly databaseUrl: string | undefined;
  /** The PostgreSQL schema of the store's tables (`SAMVERKAN_DATABASE_SCHEMA`, default `samverkan`). */
  readonly databaseSchema: string;
  /** EventStoreDB (`ESDB_CONNECTION_STRING`, e.g. `esdb://host:2113?tls=false`): the store when `EVENT_STORE=eventstoredb`. */
  readonly esdbConnectionString: string | undefined;
  /** The roles this process takes (`SAMVERKAN_ROLES`, comma-separated; default all). */
  readonly roles: ReadonlySet<Role>;
  /**
   * Where a process that serves the API also follows the log (the ledger, the projector, the relay), run the
   * followers on a thread of their own (`SAMVERKAN_FOLLOWER_THREAD`, default true): the API's thread then only
   * answers requests, and a second core does the following. `false` keeps everything on one thread.
   */
  readonly followerThread: boolean;
}

export const APP_CONFIG = Symbol('AppConfig');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const stores = eventStoreConfig(env);
  const devKeys = boolean(env, 'SAMVERKAN_DEV_KEYS', stores.eventStore === 'sqlite');
  return {
    port: integer(env, 'PORT', 3000),
    statisticsThreshold: atLeast(
      3,
      'SAMVERKAN_STATISTICS_THRESHOLD',
      integer(env, 'SAMVERKAN_STATISTICS_THRESHOLD', 5),
      'below it the statistics would publish counts of one or two people',
    ),
    host: env.HOST ?? '0.0.0.0',
    dataDir: resolve(env.SAMVERKAN_DATA_DIR ?? './data'),
    agenciesFile: resolve(env.SAMVERKAN_AGENCIES_FILE ?? 'config/agencies.yaml'),
    uiDir: resolve(env.SAMVERKAN_UI_DIR ?? 'apps/coordinator/ui'),
    devKeys,
    devKeysExplicit: (env.SAMVERKAN_DEV_KEYS ?? '') !== '',
    requestTimeoutMs: integer(env, 'SAMVERKAN_REQUEST_TIMEOUT_MS', 30_000),
    rateLimitPerAgency: integer(env, 'SAMVERKAN_RATE_LIMIT_PER_AGENCY', 600_000),
    rateLimitPerAddress: integer(env, 'SAMVERKAN_RATE_LIMIT_PER_ADDRESS', 300),
    clockSkewSeconds: integer(env, 'SAMVERKAN_CLOCK_SKEW_S', 30),
    trustedProxies: (env.SAMVERKAN_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    maxTokenLifetimeSeconds: integer(env, 'SAMVERKAN_MAX_TOKEN_LIFETIME_S', 3600),
    metricsToken: env.SAMVERKAN_METRICS_TOKEN || undefined,
    logFormat: oneOf(env, 'SAMVERKAN_LOG_FORMAT', ['json', 'text'] as const, 'json'),
    logLevel: oneOf(env, 'SAMVERKAN_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info'),
    escalationIntervalMs: integer(env, 'SAMVERKAN_ESCALATION_INTERVAL_MS', 30_000),
    ledgerOrigin: env.SAMVERKAN_LEDGER_ORIGIN || 'samverkan.local/ledger',
    ledgerKey: env.SAMVERKAN_LEDGER_KEY || undefined,
    ledgerKeyFile: env.SAMVERKAN_LEDGER_KEY_FILE ? resolve(env.SAMVERKAN_LEDGER_KEY_FILE) : undefined,
    checkpointIntervalMs: integer(env, 'SAMVERKAN_CHECKPOINT_INTERVAL_MS', 1000),
    ledgerSignedHeadFile: env.SAMVERKAN_LEDGER_SIGNED_HEAD_FILE ? resolve(env.SAMVERKAN_LEDGER_SIGNED_HEAD_FILE) : undefined,
    ledgerKeyRotation: boolean(env, 'SAMVERKAN_LEDGER_KEY_ROTATION', false),
    masterKey: env.SAMVERKAN_MASTER_KEY || undefined,
    masterKeyFile: env.SAMVERKAN_MASTER_KEY_FILE ? resolve(env.SAMVERKAN_MASTER_KEY_FILE) : undefined,
    kafkaBrokers: brokers(env.KAFKA_BROKERS),
    kafkaReplicationFactor: integer(env, 'KAFKA_REPLICATION_FACTOR', 1),
    kafkaPartitions: integer(env, 'KAFKA_PARTITIONS', 3),
    relayTransactionalId: env.SAMVERKAN_RELAY_TRANSACTIONAL_ID || 'samverkan-relay',
    kafkaTopicPrefix: topicPrefix(env.KAFKA_TOPIC_PREFIX),
    ...stores,
    roles: roles(env.SAMVERKAN_ROLES),
    followerThread: boolean(env, 'SAMVERKAN_FOLLOWER_THREAD', true),
  };
}

function roles(text: string | undefined): ReadonlySet<Role> {
  const named = (text ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (named.length === 0) return new Set(ROLES);
  const unknown = named.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new ValidationError(`SAMVERKAN_ROLES names ${unknown.join(', ')}; the roles are ${ROLES.join(', ')}`);
  return new Set(named as Role[]);
}

function eventStoreConfig(env: NodeJS.ProcessEnv): Pick<AppConfig, 'eventStore' | 'databaseUrl' | 'databaseSchema' | 'esdbConnectionString'> {
  const eventStore = (env.EVENT_STORE || 'sqlite') as EventStoreKind;
  if (!EVENT_STORE_KINDS.includes(eventStore)) {
    throw new ValidationError(`EVENT_STORE must be one of ${EVENT_STORE_KINDS.join(', ')}, not ${env.EVENT_STORE}`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  const esdbConnectionString = env.ESDB_CONNECTION_STRING || undefined;
  if (eventStore === 'postgres' && !databaseUrl) {
    throw new ValidationError('EVENT_STORE=postgres needs DATABASE_URL, e.g. postgres://samverkan@db.example:5432/samverkan');
  }
  if (eventStore === 'eventstoredb' && !esdbConnectionString) {
    throw new ValidationError('EVENT_STORE=eventstoredb needs ESDB_CONNECTION_STRING, e.g. esdb://eventstoredb:2113?tls=false');
  }
  return { eventStore, databaseUrl, databaseSchema: env.SAMVERKAN_DATABASE_SCHEMA || 'samverkan', esdbConnectionString };
}

function topicPrefix(text: string | undefined): string {
  const prefix = text || 'samverkan';
  // Kafka topic names are at most 249 of [a-zA-Z0-9._-]; the agency and suffix take part of that.
  if (!/^[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,99}$/.test(prefix))
    throw new ValidationError(`KAFKA_TOPIC_PREFIX must be 1 to 100 of a-z, A-Z, 0-9, '.', '_', '-', not ${text}`);
  return prefix;
}

function brokers(text: string | undefined): string[] | undefined {
  const list = (text ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/** `true` or `false` and nothing else: a setting that is neither stops the service at start rather than guess. */
function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name] ?? '';
  if (value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ValidationError(`${name} must be one of ${allowed.join(', ')}; got ${value}`);
  return value as T;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new ValidationError(`${name} must be true or false, not ${JSON.stringify(text)}`);
}

function atLeast(least: number, name: string, value: number, why: string): number {
  if (value < least) throw new ValidationError(`${name} must be at least ${least}: ${why}`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text)) throw new ValidationError(`${name} must be a non-negative integer in decimal digits, not ${JSON.stringify(text)}`);
  return Number(text);
}
