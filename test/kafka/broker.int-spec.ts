/**
 * The real broker, and kafkajs against it: the calls the relay and the command consumer rely on. This is the
 * check that kafkajs (which speaks older protocol versions) still works with the pinned Kafka 4.x broker:
 * explicit topic creation, transactions (idempotent producer, commit, abort, offsets in the transaction),
 * read_committed consumption, and fencing of a second producer with the same transactional id.
 */
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka, KafkaJSError, logLevel, Partitioners, Producer } from 'kafkajs';
import { isNotYet } from '@samverkan/messaging';
import { describeWithKafka, kafkaBroker, KafkaBroker } from './kafka-broker';

/** What `ask` answers once the broker no longer answers "not yet" (for up to 30 s). */
async function whenReady<T>(ask: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const answer = await ask();
      const partitions = (answer as { topics?: Array<{ partitions: Array<{ leader: number }> }> }).topics?.flatMap((t) => t.partitions) ?? [];
      if (!partitions.some((p) => p.leader < 0) || Date.now() > deadline) return answer;
    } catch (error) {
      if (!isNotYet(error) || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

jest.setTimeout(60_000);

const TOPIC_CONFIG = 2; // kafkajs ResourceTypes.TOPIC

describeWithKafka('Kafka broker (kafkajs against a real broker)', () => {
  let broker: KafkaBroker;
  let kafka: Kafka;
  let admin: Admin;
  const run = randomUUID().slice(0, 8);
  const topic = `smoke.${run}.events`;
  const positions = `smoke.${run}.positions`;
  const clients: Array<Producer | Consumer> = [];

  const transactionalProducer = (transactionalId: string) => {
    const producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    clients.push(producer);
    return producer;
  };

  /** Reads `topic` from the start as a fresh group until `until` matches a value; returns the values seen. */
  const readUntil = async (until: string, options: { readUncommitted?: boolean; partition?: number } = {}) => {
    const consumer = kafka.consumer({ groupId: `smoke.${run}.${randomUUID()}`, readUncommitted: options.readUncommitted ?? false, maxWaitTimeInMs: 200 });
    clients.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`did not see "${until}" within 30 s; saw ${JSON.stringify(seen)}`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (options.partition !== undefined && partition !== options.partition) return;
            const value = message.value?.toString() ?? '';
            seen.push(value);
            if (value === until) {
              clearTimeout(timer);
              done();
            }
          },
        })
        .catch(fail);
    });
    await consumer.disconnect();
    return seen;
  };

  beforeAll(async () => {
    broker = await kafkaBroker();
    kafka = new Kafka({ clientId: `samverkan-smoke-${run}`, brokers: broker.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  }, 300_000);

  afterAll(async () => {
    for (const client of clients) await client.disconnect().catch(() => undefined);
    if (admin) {
      await admin.deleteTopics({ topics: [topic, positions] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  test('describes the cluster and creates topics with explicit partitions and settings', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);

    const created = await admin.createTopics({
      waitForLeaders: false,
      topics: [
        { topic, numPartitions: 3, replicationFactor: 1 },
        { topic: positions, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    expect(created).toBe(true);

    // Created, the topics reach the broker's metadata and get their leaders shortly after: until then it
    // answers "not yet" (isNotYet), which kafkajs's own wait for leaders does not wait out under KRaft.
    const metadata = await whenReady(() => admin.fetchTopicMetadata({ topics: [topic, positions] }));
    expect(metadata.topics.flatMap((t) => t.partitions.map((p) => p.leader))).not.toContain(-1);
    const partitions = Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]));
    expect(partitions).toEqual({ [topic]: 3, [positions]: 1 });

    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_CONFIG, name: positions, configNames: ['cleanup.policy'] }],
    });
    expect(configs.resources[0].configEntries).toEqual([expect.objectContaining({ configName: 'cleanup.policy', configValue: 'compact' })]);

    // auto.create.topics.enable=false: a topic is there only if created explicitly
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([topic, positions]));
  });

  test('a transactional producer commits; read_committed sees committed messages and never aborted ones', async () => {
    const producer = transactionalProducer(`smoke.${run}.relay`);
    await producer.connect();

    // committed: an event and, in the same transaction, the relay's position in the compacted topic
    const first = await producer.transaction();
    await first.send({ topic, messages: [{ key: 'case-1', value: 'committed-1', partition: 0, headers: { ce_id: 'e1', ce_type: 'CaseOpened' } }] });
    await first.send({ topic: positions, messages: [{ key: 'relay', value: '1' }] });
    await first.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'case-1', value: 'aborted-1', partition: 0 }] });
    await aborted.abort();

    const last = await producer.transaction();
    await last.send({ topic, messages: [{ key: 'case-1', value: 'committed-2', partition: 0 }] });
    await last.commit();

    // All three went to partition 0 in order, so a read_committed consumer that reaches committed-2 has passed
    // where aborted-1 is: it must not have been delivered.
    expect(await readUntil('committed-2', { partition: 0 })).toEqual(['committed-1', 'committed-2']);
    // The aborted message is in the log all the same: read_uncommitted sees it (so the check above means something).
    expect(await readUntil('committed-2', { partition: 0, readUncommitted: true })).toEqual(['committed-1', 'aborted-1', 'committed-2']);
  });

  test('offsets of consumed messages commit in the producer transaction (consume-transform-produce)', async () => {
    const producer = transactionalProducer(`smoke.${run}.commands`);
    await producer.connect();
    const groupId = `smoke.${run}.command-consumer`;
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ key: 'case-2', value: 'result-1', partition: 1 }] });
    await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }] });
    await transaction.commit();

    // The broker writes the commit markers after EndTxn has returned, and the OffsetFetch versions kafkajs
    // speaks (no require_stable) show the pending offsets only once the marker is in __consumer_offsets: a
    // consumer that joins right after a commit can see the previous offset, and must tolerate redelivery.
    const committedOffset = async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets.partitions.find((p) => p.partition === 0)?.offset;
    };
    const deadline = Date.now() + 10_000;
    let offset = await committedOffset();
    while (offset !== '5' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      offset = await committedOffset();
    }
    expect(offset).toBe('5');
  });

  test('a second producer with the same transactional id fences the first', async () => {
    const transactionalId = `smoke.${run}.fenced`;
    const zombie = transactionalProducer(transactionalId);
    await zombie.connect();
    const zombieTransaction = await zombie.transaction();
    await zombieTransaction.send({ topic, messages: [{ key: 'case-3', value: 'zombie-1', partition: 2 }] });

    // Initialising the second producer bumps the epoch and aborts the first one's open transaction.
    const successor = transactionalProducer(transactionalId);
    await successor.connect();
    const successorTransaction = await successor.transaction();
    await successorTransaction.send({ topic, messages: [{ key: 'case-3', value: 'successor-1', partition: 2 }] });

    // The broker answers kafkajs's (older) request versions with INVALID_PRODUCER_EPOCH; newer clients get
    // PRODUCER_FENCED. Either is the fence. Neither is retried.
    const fenced = (error: unknown) =>
      error instanceof KafkaJSError && ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'].includes((error as KafkaJSError & { type?: string }).type ?? '');
    const send = await zombieTransaction.send({ topic, messages: [{ key: 'case-3', value: 'zombie-2', partition: 2 }] }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(send).toBeDefined();
    expect(fenced(send)).toBe(true);
    const commit = await zombieTransaction.commit().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(fenced(commit)).toBe(true);

    await successorTransaction.commit();
    const seen = await readUntil('successor-1', { partition: 2 });
    expect(seen).toEqual(['successor-1']);
  });
});
