/** jest globalTeardown of the integration and end-to-end projects: stops what its global setup started, and the Kafka broker if this run started it. */
import kafkaGlobalTeardown from '../kafka/global-teardown';
import { testRun } from './test-run';

export default async function globalTeardown(): Promise<void> {
  const run = testRun();
  try {
    await run.stopEventStoreDb?.();
  } finally {
    run.stopEventStoreDb = undefined;
    await kafkaGlobalTeardown();
  }
}
