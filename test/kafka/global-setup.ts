/**
 * Kafka's part of the jest globalSetup (test/support/global-setup.ts). It starts nothing: the Kafka suites start the local broker
 * only when they run (test/kafka/kafka-broker.ts). It hands the test workers (which inherit this process's
 * environment) a marker file to write if they did start it, so that global-teardown.ts stops only a broker
 * this run started and leaves one a developer had running.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startedMarkerEnv } from './kafka-broker';

export default async function globalSetup(): Promise<void> {
  process.env[startedMarkerEnv] ??= join(mkdtempSync(join(tmpdir(), 'samverkan-kafka-run-')), 'started');
}
