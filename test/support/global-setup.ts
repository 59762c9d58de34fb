/**
 * jest globalSetup of the integration and end-to-end projects (jest runs it once for the run): prepares what
 * their suites share. Kafka's broker is started by the suites themselves (test/kafka/global-setup.ts only
 * hands out a marker); an EventStoreDB is started here, in a container, where Docker answers
 * (libs/eventstore/src/testing/eventstoredb.ts).
 */
import { startEventStoreDbForRun } from '../../libs/eventstore/src/testing/eventstoredb';
import kafkaGlobalSetup from '../kafka/global-setup';
import { testRun } from './test-run';

export default async function globalSetup(): Promise<void> {
  await kafkaGlobalSetup();
  const stop = await startEventStoreDbForRun();
  if (stop) testRun().stopEventStoreDb = stop; // were it run twice, the second must not forget the first's container
}
