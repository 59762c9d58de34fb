import { Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FileLeadership } from './sqlite-leadership';
import { Leadership } from './leadership';
import { PostgresLeadership } from './postgres-leadership';

export const LEADERSHIP = Symbol('Leadership');

/** Leases in PostgreSQL when the service has one (processes on several machines); else lock files in the data directory. */
export function openLeadership(config: AppConfig): Leadership {
  return config.databaseUrl ? new PostgresLeadership(config.databaseUrl, config.databaseSchema) : new FileLeadership(config.dataDir);
}

export function leadershipProvider(config: AppConfig): Provider {
  return { provide: LEADERSHIP, useValue: openLeadership(config) };
}
