/**
 * The Kafka adapter of the message bus port against a real broker: what the relay and the command consumer
 * rely on — transactions seen whole or not at all by `read_committed` readers, fencing reported as
 * `FencedError`, scans that stop where asked, and a group consumption that commits past a handled message
 * and delivers a failed one again.
 */
import { randomUUID } from 'node:crypto';
import { describeWithKafka, kafkaBroker } from '../../../../test/kafka/kafka-broker';
import { FencedError, IncomingMessage } from '../message-bus.port';
import { KafkaMessageBus } from './kafka-message-bus';

jest.setTimeout(120_000);

describeWithKafka('the Kafka message bus', () => {
  let bus: KafkaMessageBus;
  const topics: string[] = [];

  beforeAll(async () => {
    bus = new KafkaMessageBus({ brokers: (await kafkaBroker()).brokers, clientId: 'message-bus-test' });
  }, 300_000);

  afterAll(async () => {
    await bus?.close();
  });

  const newTopic = async (partitions = 1, compacted = false) => {
    const name = `bustest-${randomUUID().slice(0, 8)}`;
    topics.push(name);
    await bus.ensureTopics([{ name, partitions, replicationFactor: 1, compacted }]);
    return name;
  };

  const readAll = async (topic: string): Promise<IncomingMessage[]> => {
    const read: IncomingMessage[] = [];
    await bus.scan(topic, (message) => void read.push(message), { quietMs: 500, timeoutMs: 30_000 });
    return read;
  };

  it('creates topics idempotently, with the partitions asked for', async () => {
    const topic = await newTopic(3);
    await bus.ensureTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
    expect((await bus.offsets(topic)).map((o) => o.partition).sort()).toEqual([0, 1, 2]);
  });

  it('commits a transaction whole: every message, in order, with key and headers', async () => {
    const [one, two] = [await newTopic(), await newTopic()];
    const producer = await bus.transactionalProducer(`bustest-${randomUUID()}`);
    await producer.commit([
      { topic: one, key: 'a', value: '1', headers: { h: 'x' } },
      { topic: two, key: 'b', value: '2' },
      { topic: one, key: 'a', value: '3' },
    ]);
    await producer.close();
    const first = await readAll(one);
    expect(first.map((m) => [m.key?.toString(), m.value?.toString()])).toEqual([
      ['a', '1'],
      ['a', '3'],
    ]);
    expect(first[0].headers.h.toString()).toBe('x');
    expect((await readAll(two)).map((m) => m.value?.toString())).toEqual(['2']);
  });

  it("commits a transaction larger than a broker takes in one batch: one key's 3 MB to one partition, in order", async () => {
    // A broker refuses a partition's batch over message.max.bytes (1 MiB by default); kafkajs writes a
    // request's messages for one partition as one batch, so a large transaction goes in several requests.
    const [big, small] = [await newTopic(3), await newTopic()];
    const value = (i: number) => `${String(i).padStart(6, '0')}:${'å'.repeat(25_000)}`;
    const producer = await bus.transactionalProducer(`bustest-${randomUUID()}`);
    await producer.commit([
      ...Array.from({ length: 60 }, (_, i) => ({ topic: big, key: 'one-case', value: value(i), headers: { n: String(i) } })),
      { topic: small, key: 'other', value: 'with them' },
    ]);
    await producer.close();
    const read = await readAll(big);
    expect(new Set(read.map((m) => m.partition)).size).toBe(1);
    expect(read.map((m) => m.value?.toString())).toEqual(Array.from({ length: 60 }, (_, i) => value(i)));
    expect(read.map((m) => m.headers.n.toString())).toEqual(Array.from({ length: 60 }, (_, i) => String(i)));
    expect((await readAll(small)).map((m) => m.value?.toString())).toEqual(['with them']);
  });

  it('fences the first producer of a transactional id when a second opens it, and the fenced one writes nothing more', async () => {
    const topic = await newTopic();
    const id = `bustest-${randomUUID()}`;
    const first = await bus.transactionalProducer(id);
    await first.commit([{ topic, key: null, value: 'before' }]);
    const second = await bus.transactionalProducer(id);
    await expect(first.commit([{ topic, key: null, value: 'fenced' }])).rejects.toBeInstanceOf(FencedError);
    await second.commit([{ topic, key: null, value: 'after' }]);
    await Promise.all([first.close(), second.close()]);
    expect((await readAll(topic)).map((m) => m.value?.toString())).toEqual(['before', 'after']);
  });

  it('stops a scan where `each` says, and reads a partition from an offset', async () => {
    const topic = await newTopic();
    const producer = await bus.producer();
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, key: null, value: String(i) })));
    await producer.close();
    const seen: string[] = [];
    await bus.scan(topic, (m) => (seen.push(m.value!.toString()), m.value!.toString() === '4'), { timeoutMs: 30_000 });
    expect(seen).toEqual(['0', '1', '2', '3', '4']);
    const tail: string[] = [];
    await bus.scan(topic, (m) => (tail.push(m.value!.toString()), m.offset === '9'), { partition: 0, fromOffset: '7', timeoutMs: 30_000 });
    expect(tail).toEqual(['7', '8', '9']);
  });

  it('fails a scan that does not end in time', async () => {
    const topic = await newTopic();
    await expect(bus.scan(topic, () => false, { timeoutMs: 1_000 })).rejects.toThrow(`could not read ${topic} within 1 s`);
  });

  it('consumes in a group, delivers a message again when handling it fails, and resumes after the last handled', async () => {
    const topic = await newTopic();
    const producer = await bus.producer();
    await producer.send(['a', 'b', 'c'].map((value) => ({ topic, key: null, value })));
    const groupId = `bustest-${randomUUID()}`;
    const handled: string[] = [];
    let failures = 0;
    let done!: () => void;
    const allHandled = new Promise<void>((resolve) => (done = resolve));
    const consumption = await bus.consume({
      groupId,
      topics: [topic],
      each: async (m) => {
        const value = m.value!.toString();
        if (value === 'b' && failures++ === 0) throw new Error('not yet');
        handled.push(value);
        if (handled.length === 3) done();
      },
    });
    await allHandled;
    await consumption.stop();
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(failures).toBe(2);

    await producer.send([{ topic, key: null, value: 'd' }]);
    await producer.close();
    const later: string[] = [];
    let got!: () => void;
    const gotOne = new Promise<void>((resolve) => (got = resolve));
    const again = await bus.consume({ groupId, topics: [topic], each: async (m) => void (later.push(m.value!.toString()), got()) });
    await gotOne;
    await again.stop();
    expect(later).toEqual(['d']);
  });

  it('starts a group consumer again after a crash the client would not come back from', async () => {
    // kafkajs restarts a crashed consumer only when it deems the error retriable; one it does not (here, raised
    // from the handler; after a broker outage, from the group coordinator) used to leave the consumer stopped.
    const topic = await newTopic();
    const producer = await bus.producer();
    await producer.send([{ topic, key: null, value: 'a' }]);
    await producer.close();
    const restarts: number[] = [];
    let attempts = 0;
    let done!: (value: string) => void;
    const handled = new Promise<string>((resolve) => (done = resolve));
    const consumption = await bus.consume({
      groupId: `bustest-${randomUUID()}`,
      topics: [topic],
      each: async (m) => {
        if (attempts++ === 0) throw Object.assign(new Error('the broker is not there'), { retriable: false });
        done(m.value!.toString());
      },
      onRestart: (_error, delayMs) => restarts.push(delayMs),
    });
    try {
      expect(await handled).toBe('a');
      expect(restarts).toEqual([500]);
    } finally {
      await consumption.stop();
    }
  });
});
