/**
 * Drops the schemas named in `DROP_SCHEMAS` (a JSON array) on the benchmark's PostgreSQL server: what an
 * interrupted run, which cannot wait for a promise, leaves to a child process.
 */
import { dropSchemas } from '../libs/eventstore/src/testing/postgres';

void dropSchemas(JSON.parse(process.env.DROP_SCHEMAS ?? '[]') as string[]);
