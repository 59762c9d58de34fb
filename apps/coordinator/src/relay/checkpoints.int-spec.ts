/**
 * The ledger's checkpoints on a real broker: every checkpoint a real LedgerService signs over a real store
 * appears on `<prefix>.ledger.checkpoints`, in size order, keyed by the origin, with its CloudEvents headers,
 * and verifies with the ledger's verifier key. A publisher started again resumes after the last checkpoint
 * on the topic: none is skipped, none sent twice. Each test uses its own topic prefix.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { systemClock } from '@samverkan/common';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { KafkaMessageBus } from '@samverkan/messaging';
import { appendSealed, readStreamHead } from '@samverkan/eventstore/sealed-append';
import { testDraft } from '@samverkan/eventstore/testing/test-events';
import { openCheckpoint, parseVerifierKey } from '@samverkan/ledger';
import { loadConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import { CheckpointPublisher } from './checkpoint-publisher';
import { relayTopics } from './relay-messages';
import { describeWithKafka, kafkaBroker, repoRoot } from '../../../../test/kafka/kafka-broker';

jest.setTimeout(120_000);

interface OnTopic {
  readonly key: string;
  readonly note: string;
  readonly headers: Record<string, string>;
}

describeWithKafka('ledger checkpoints on Kafka', () => {
  let brokers: string[];
  let bus: KafkaMessageBus;
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  let store: SqliteEventStore;
  let ledger: LedgerService;
  const publishers: CheckpointPublisher[] = [];
  const topics: string[] = [];
  const origin = 'checkpoints.test/ledger';

  beforeAll(async () => {
    brokers = (await kafkaBroker()).brokers;
    bus = new KafkaMessageBus({ brokers, clientId: 'checkpoints-test' });
    kafka = new Kafka({ clientId: 'checkpoints-test', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  }, 300_000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samverkan-checkpoints-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
    const config = {
      ...loadConfig({ SAMVERKAN_AGENCIES_FILE: join(repoRoot, 'config', 'agencies.yaml') }),
      dataDir: dir,
      ledgerOrigin: origin,
      checkpointIntervalMs: 0, // the test signs when it wants to
    };
    ledger = await LedgerService.open(store, config, systemClock);
    ledger.onApplicationBootstrap();
  });

  afterEach(async () => {
    for (const publisher of publishers.splice(0)) await publisher.stop();
    await ledger.onApplicationShutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await bus?.close();
    if (!admin) return;
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  const newTopic = () => {
    const prefix = `cptest-${randomUUID().slice(0, 8)}`;
    topics.push(relayTopics(prefix).checkpoints);
    return prefix;
  };

  const publisher = (prefix: string) => {
    const p = new CheckpointPublisher(ledger.reader, bus, { origin, topicPrefix: prefix, intervalMs: 100 });
    publishers.push(p);
    return p;
  };

  /** Appends `count` events, waits until the ledger has them, signs a checkpoint; returns its size. */
  const grow = async (count: number): Promise<number> => {
    const stream = `test-${randomUUID()}`;
    const { sealed } = await appendSealed(
      store,
      stream,
      await readStreamHead(store, stream),
      Array.from({ length: count }, () => testDraft('Happened')),
    );
    await ledger.reader.leafOf(sealed[sealed.length - 1].id);
    return (await ledger.checkpointNow())!.size;
  };

  /** Everything on the topic, read as `read_committed`, once it holds `count` messages. */
  const readTopic = async (prefix: string, count: number): Promise<OnTopic[]> => {
    const topic = relayTopics(prefix).checkpoints;
    const consumer = kafka.consumer({ groupId: `${prefix}-reader-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    const read: OnTopic[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`${topic} holds ${read.length} messages, expected ${count}`)), 30_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
              read.push({ key: message.key!.toString(), note: message.value!.toString(), headers });
              if (read.length >= count) {
                clearTimeout(timer);
                done();
              }
            },
          })
          .catch(fail);
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // anything extra would arrive now
    } finally {
      await consumer.disconnect();
    }
    return read;
  };

  const waitPublished = async (p: CheckpointPublisher, size: number) => {
    const deadline = Date.now() + 30_000;
    while (p.published < size) {
      if (Date.now() > deadline) throw new Error(`published up to ${p.published}, expected ${size}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const expectCheckpoints = async (read: OnTopic[], sizes: number[]) => {
    const verifier = parseVerifierKey(ledger.verifierKey);
    expect(read.map((m) => Number(m.headers.ce_subject))).toEqual(sizes);
    const stored = await Promise.all(sizes.map((size) => ledger.reader.checkpoint(size)));
    read.forEach((message, i) => {
      const { checkpoint } = openCheckpoint(message.note, verifier);
      expect(checkpoint.origin).toBe(origin);
      expect(checkpoint.size).toBe(sizes[i]);
      expect(Buffer.from(checkpoint.root).equals(stored[i]!.root)).toBe(true);
      expect(message.key).toBe(origin);
      expect(message.headers).toMatchObject({
        ce_specversion: '1.0',
        ce_type: 'se.samverkan.ledger.checkpoint.v1',
        ce_id: `${origin}/${sizes[i]}`,
        ce_subject: String(sizes[i]),
        ce_time: stored[i]!.createdAt,
        'content-type': 'text/plain',
      });
    });
  };

  test('publishes the checkpoints signed before it started, then each new one, in size order', async () => {
    const prefix = newTopic();
    const sizes = [await grow(3), await grow(1), await grow(5)];
    const p = publisher(prefix);
    await p.start();
    await waitPublished(p, sizes[2]);
    sizes.push(await grow(2));
    sizes.push(await grow(7));
    await waitPublished(p, sizes[4]);
    expect(sizes).toEqual([3, 4, 9, 11, 18]);
    await expectCheckpoints(await readTopic(prefix, sizes.length), sizes);
  });

  test('started again, resumes after the last checkpoint on the topic: none skipped, none repeated', async () => {
    const prefix = newTopic();
    const sizes = [await grow(2), await grow(2)];
    const first = publisher(prefix);
    await first.start();
    await waitPublished(first, sizes[1]);
    await first.stop();
    // signed while no publisher runs
    sizes.push(await grow(1), await grow(4), await grow(1));
    const second = publisher(prefix);
    await second.start();
    await waitPublished(second, sizes[4]);
    await expectCheckpoints(await readTopic(prefix, sizes.length), sizes);
  });
});
