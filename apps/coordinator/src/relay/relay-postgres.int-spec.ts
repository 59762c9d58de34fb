/**
 * The relay following the PostgreSQL store, the production pairing without EventStoreDB. That store's log is
 * in the order transactions took their ids, not the order they committed in, and its followers see only what
 * no open append can still be placed before: here several story writers append at once while the relay
 * follows live, and every append dawdles between its insert and its commit (a trigger of the test's own), so
 * commits overtake one another all the time. What each agency topic holds must still be exactly what the
 * sharing policy grants.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { PostgresEventStore } from '@samverkan/eventstore/postgres';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { KafkaMessageBus } from '@samverkan/messaging';
import { AgencyRegistry } from '../agencies/agency-registry';
import { Relay } from './relay';
import { relayTopics } from './relay-messages';
import { describeWithKafka, kafkaBroker, repoRoot } from '../../../../test/kafka/kafka-broker';
import { caseStories } from '../cases/testing/case-stories';
import { expectExactlyGranted, logHead } from './testing/relay-expectations';

jest.setTimeout(180_000);

describeWithKafka('the relay on the PostgreSQL store', () => {
  describeWithPostgres('with writers whose commits overtake one another', () => {
    const registry = AgencyRegistry.fromFile(join(repoRoot, 'config/agencies.yaml'));
    const agencyIds = registry.all().map((a) => a.id);
    const schema = freshSchemaName();
    const prefix = `relaytest-${randomUUID().slice(0, 8)}`;
    let kafka: Kafka;
    let admin: Admin;
    let bus: KafkaMessageBus;
    let store: PostgresEventStore;
    let relay: Relay | undefined;

    beforeAll(async () => {
      const { brokers } = await kafkaBroker();
      bus = new KafkaMessageBus({ brokers, clientId: 'relay-postgres-test' });
      kafka = new Kafka({ clientId: 'relay-postgres-test', brokers, logLevel: logLevel.NOTHING });
      admin = kafka.admin();
      await admin.connect();
      store = await PostgresEventStore.open({ connectionString: postgresUrl, schema, poolSize: 12 });
      const client = new Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(
          `CREATE FUNCTION "${schema}".dawdle() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$`,
        );
        await client.query(`CREATE TRIGGER dawdle AFTER INSERT ON "${schema}".events FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".dawdle()`);
      } finally {
        await client.end();
      }
    }, 300_000);

    afterAll(async () => {
      await relay?.stop();
      await store?.close();
      await bus?.close();
      if (admin) {
        const topics = relayTopics(prefix);
        await admin.deleteTopics({ topics: [...agencyIds.map(topics.events), topics.positions, topics.checkpoints] }).catch(() => undefined);
        await admin.disconnect();
      }
      await dropSchemas([schema]);
    });

    it('publishes to each agency exactly what the sharing policy grants, once each, in per-case order', async () => {
      relay = new Relay(store, bus, { agencyIds, topicPrefix: prefix, transactionalId: `${prefix}-relay`, retryMs: 200, batchSize: 20 });
      await relay.start();
      await Promise.all([11, 12, 13, 14, 15, 16, 17, 18].map((seed) => caseStories(store, registry, seed).write(120, 8)));
      const end = await logHead(store);
      await relay.waitUntil((committed) => committed?.position === end.position);
      expect(relay.committed).toEqual(end);
      const { deliveries } = await expectExactlyGranted(kafka, store, prefix, agencyIds);
      expect(deliveries).toBeGreaterThan(end.index);
    });
  });
});
