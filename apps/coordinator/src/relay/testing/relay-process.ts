/**
 * The relay alone in a process, for the test that kills it with SIGKILL: follows the SQLite store in `file`
 * and publishes to the agency topics under `prefix`, printing every position it commits as a JSON line.
 *
 *   node scripts/run-ts.js apps/coordinator/src/relay/testing/relay-process.ts <file> <brokers> <prefix> <batchSize>
 */
import { join } from 'node:path';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { KafkaMessageBus } from '@samverkan/messaging';
import { AgencyRegistry } from '../../agencies/agency-registry';
import { Relay } from '../relay';

const [file, brokers, prefix, batchSize] = process.argv.slice(2);
if (!file || !brokers || !prefix || !batchSize) {
  process.stderr.write('usage: relay-process.ts <file> <brokers> <prefix> <batchSize>\n');
  process.exit(2);
}

// The parent holds our stdin open; when it goes away without killing us, stop.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const registry = AgencyRegistry.fromFile(join(__dirname, '../../../../../config/agencies.yaml'));
const store = new SqliteEventStore({ file, pollIntervalMs: 20 });
const relay = new Relay(store, new KafkaMessageBus({ brokers: brokers.split(','), clientId: `${prefix}-relay` }), {
  agencyIds: registry.all().map((agency) => agency.id),
  topicPrefix: prefix,
  transactionalId: `${prefix}-relay`,
  batchSize: Number(batchSize),
  retryMs: 200,
  logger: {
    log: () => undefined,
    warn: (message: string) => process.stderr.write(`${message}\n`),
    error: (message: string) => process.stderr.write(`${message}\n`),
  },
});

/** Starts the relay, trying again while the broker cannot take it yet, as the service's RelayProvider does. */
async function start(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await relay.start();
    } catch (error) {
      if (attempt >= 30) throw error;
      process.stderr.write(`starting the relay failed, trying again: ${(error as Error).message}\n`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 2000)));
    }
  }
}

async function main(): Promise<void> {
  await start();
  process.stdout.write(`${JSON.stringify({ started: relay.committed ?? null })}\n`);
  let last: string | undefined;
  for (;;) {
    await relay.waitUntil((committed) => committed !== undefined && committed.position !== last);
    if (relay.state !== 'running') throw new Error(`the relay is ${relay.state}`);
    last = relay.committed!.position;
    process.stdout.write(`${JSON.stringify({ committed: relay.committed })}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
