/**
 * jest globalSetup of the integration and end-to-end projects: prepares what their suites share for the
 * whole run (each part does nothing when another project's setup has done it). Kafka's
 * broker is started by the suites themselves (test/kafka/global-setup.ts only hands out a marker); an
 * EventStoreDB is started here, in a container, where Docker answers (libs/eventstore/src/testing/eventstoredb.ts).
 */
import { startEventStoreDbForRun } from '../../libs/eventstore/src/testing/eventstoredb';
import kafkaGlobalSetup from '../kafka/global-setup';
import { testRun } from './test-run';

export default async function globalSetup(): Promise<void> {
  await kafkaGlobalSetup();
  const stop = await startEventStoreDbForRun(); // nothing when another project's setup started one
  if (stop) testRun().stopEventStoreDb = stop;
}
