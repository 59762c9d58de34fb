/** jest globalTeardown of the integration project: stops what its global setup started, and the Kafka broker if this run started it. */
import kafkaGlobalTeardown from '../kafka/global-teardown';
import { integrationRun } from './integration-run';

export default async function globalTeardown(): Promise<void> {
  const run = integrationRun();
  try {
    await run.stopEventStoreDb?.();
  } finally {
    run.stopEventStoreDb = undefined;
    await kafkaGlobalTeardown();
  }
}
