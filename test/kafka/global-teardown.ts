/** Kafka's part of the jest globalTeardown (test/support/global-teardown.ts): stops the local Kafka broker if this run started it. */
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { kafkaLocalScript, run, startedMarkerEnv } from './kafka-broker';

export default async function globalTeardown(): Promise<void> {
  const marker = process.env[startedMarkerEnv];
  if (!marker) return;
  try {
    if (existsSync(marker)) await run(kafkaLocalScript, ['stop'], 120_000);
  } finally {
    rmSync(dirname(marker), { recursive: true, force: true });
    delete process.env[startedMarkerEnv];
  }
}
