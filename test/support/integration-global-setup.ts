/**
 * jest globalSetup of the integration project: prepares what its suites share for the whole run. Kafka's
 * broker is started by the suites themselves (test/kafka/global-setup.ts only hands out a marker); an
 * EventStoreDB is started here, in a container, where Docker answers (libs/eventstore/src/testing/eventstoredb.ts).
 */
import { startEventStoreDbForRun } from '../../libs/eventstore/src/testing/eventstoredb';
import kafkaGlobalSetup from '../kafka/global-setup';
import { integrationRun } from './integration-run';

export default async function globalSetup(): Promise<void> {
  await kafkaGlobalSetup();
  integrationRun().stopEventStoreDb = await startEventStoreDbForRun();
}
