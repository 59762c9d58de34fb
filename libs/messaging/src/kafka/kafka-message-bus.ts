import { randomUUID } from 'node:crypto';
import { Admin, Consumer, ICustomPartitioner, Kafka, KafkaMessage, logLevel, Message, Partitioners, Producer } from 'kafkajs';
import { WakeableSleep } from '@samverkan/common';
import {
  ConsumeOptions,
  Consumption,
  FencedError,
  HeaderValue,
  IncomingMessage,
  MessageBus,
  MessageProducer,
  OutgoingMessage,
  ScanOptions,
  TopicSpec,
  TransactionalProducer,
} from '../message-bus.port';

export interface KafkaMessageBusOptions {
  readonly brokers: readonly string[];
  /** Names this client in the broker's logs and quotas. */
  readonly clientId: string;
}

/** What a broker answers while a topic it has just created, or itself, is still settling. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'NOT_CONTROLLER']);

/**
 * Whether a broker answered "not yet": a topic just created is not in every broker's metadata at once (under
 * KRaft the cache is written before the partitions are), nor has each partition a leader; asked again shortly,
 * it answers. kafkajs's createTopics waits out only the missing leader.
 */
export function isNotYet(error: unknown): boolean {
  return hasErrorType(error, NOT_YET);
}

/**
 * The message bus on Apache Kafka, through kafkajs: the only place the client library is used. Producers are
 * idempotent with one request in flight, so a retried send neither duplicates nor reorders; transactions
 * write with acks from every replica in sync.
 */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly open = new Set<{ disconnect(): Promise<void> }>();
  private admin?: Promise<Admin>;

  constructor(options: KafkaMessageBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      // A transaction begun right after a commit is often answered CONCURRENT_TRANSACTIONS while the broker
      // still writes the last one's markers; kafkajs's default first wait (300 ms, doubling) then dominated
      // the relay's lag. Start short, and wait at most 200 ms between tries: doubling on, the tenth wait
      // alone was ~2 s, so a stall of the broker's that ended just after a try cost up to that much more.
      // About 10 s in all before an error is reported, as before.
      retry: { initialRetryTime: 10, maxRetryTime: 200, retries: 55 },
    });
  }

  /**
   * Creates what is missing, then waits until every partition answers an offsets request: on a broker that
   * has just started, creation and the first requests after it can still be answered "this server does
   * not host this topic-partition" or "not the leader"; those are retried for up to a minute.
   */
  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    const configs = topics.map((topic) => ({
      topic: topic.name,
      numPartitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      configEntries: [
        // With one replica there is nothing to wait for; with more, a write needs all but one of them.
        { name: 'min.insync.replicas', value: String(Math.max(1, topic.replicationFactor - 1)) },
        ...(topic.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
      ],
    }));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await admin.createTopics({ waitForLeaders: true, topics: configs });
        for (const { topic } of configs) await admin.fetchTopicOffsets(topic);
        return;
      } catch (error) {
        if (!isNotYet(error) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    const producer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: rememberedPartitions,
    });
    await this.connect(producer, transactionalId);
    // kafkajs asks for the transactional producer id (which is what fences the others) only when the first
    // transaction begins, not on connect: begin one, empty, and end it, so that opening fences.
    try {
      await (await producer.transaction()).abort();
    } catch (error) {
      await this.disconnect(producer);
      throw isFenced(error) ? new FencedError(transactionalId, error) : error;
    }
    let fenced: FencedError | undefined;
    return {
      commit: async (messages) => {
        if (fenced) throw fenced;
        let transaction;
        try {
          transaction = await producer.transaction();
          for (const topicMessages of requestsOf(messages)) await transaction.sendBatch({ topicMessages });
          await transaction.commit();
        } catch (error) {
          if (isFenced(error)) throw (fenced = new FencedError(transactionalId, error));
          await transaction?.abort().catch(() => undefined);
          throw error;
        }
      },
      close: () => this.disconnect(producer),
    };
  }

  async producer(): Promise<MessageProducer> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: rememberedPartitions });
    await this.connect(producer);
    return {
      send: async (messages) => {
        for (const topicMessages of requestsOf(messages)) await producer.sendBatch({ acks: -1, topicMessages });
      },
      close: () => this.disconnect(producer),
    };
  }

  async scan(topic: string, each: (message: IncomingMessage) => boolean | void, options: ScanOptions): Promise<void> {
    const groupId = `scan.${topic}.${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    try {
      await this.connect(consumer);
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((done, fail) => {
        let quiet: NodeJS.Timeout | undefined;
        const finish = (error?: unknown) => {
          clearTimeout(deadline);
          clearTimeout(quiet);
          if (error) fail(error);
          else done();
        };
        const deadline = setTimeout(() => finish(new Error(`could not read ${topic} within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
        const keepQuiet = (ms: number) => {
          if (options.quietMs === undefined) return;
          clearTimeout(quiet);
          quiet = setTimeout(() => finish(), ms);
        };
        // The quiet period counts from joining the group (which can take seconds), not from asking to.
        consumer.on(consumer.events.GROUP_JOIN, () => keepQuiet(options.quietMs ?? 0));
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (options.partition !== undefined && partition !== options.partition) return;
              keepQuiet(options.quietMs ?? 0);
              if (each(incoming(topic, partition, message))) finish();
            },
          })
          .catch(finish);
        if (options.fromOffset !== undefined) {
          // run() joins the group before its first fetch, so the seek applies to that fetch
          try {
            consumer.seek({ topic, partition: options.partition ?? 0, offset: options.fromOffset });
          } catch (error) {
            finish(error);
          }
        }
      });
    } finally {
      await this.disconnect(consumer);
      await (await this.connectedAdmin()).deleteGroups([groupId]).catch(() => undefined);
    }
  }

  async offsets(topic: string): Promise<Array<{ partition: number; low: string; high: string }>> {
    const offsets = await (await this.connectedAdmin()).fetchTopicOffsets(topic);
    return offsets.map(({ partition, low, high }) => ({ partition, low, high }));
  }

  /**
   * Consumes in a group until stopped, whatever happens to the broker. kafkajs restarts a consumer that
   * crashed only when its error is one it deems retriable; after a broker outage a consumer can crash on
   * another (a coordinator request answered while the broker was still loading its groups), and it then stays
   * stopped for good: the service would quietly take no more commands. Such a consumer is replaced by a new
   * one here, after a back-off that grows to 10 s.
   */
  async consume(options: ConsumeOptions): Promise<Consumption> {
    let stopped = false;
    let current: Consumer | undefined;
    let failures = 0;
    let joinedAt: number | undefined;
    const backoff = new WakeableSleep();
    /** Starts a consumer; false when stopped meanwhile (the consumer is then disconnected again). */
    const start = async (): Promise<boolean> => {
      const consumer: Consumer = this.kafka.consumer({
        groupId: options.groupId,
        maxWaitTimeInMs: 100,
        // kafkajs restarts a consumer that crashes even after disconnect(), when a request still in flight
        // (a JoinGroup after a broker outage) fails later: it would rejoin the group of a stopped service.
        retry: { restartOnFailure: async () => !stopped },
      });
      current = consumer;
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart || stopped) return;
        // A consumer that ran a while before it crashed starts the back-off afresh.
        if (joinedAt !== undefined && Date.now() - joinedAt > 30_000) failures = 0;
        void this.disconnect(consumer).then(() => replace(payload.error));
      });
      consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt = Date.now()));
      const gone = async () => {
        if (stopped) await this.disconnect(consumer);
        return stopped;
      };
      await this.connect(consumer);
      if (await gone()) return false;
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
      if (await gone()) return false;
      // A message's offset is resolved when `each` resolves and committed right after it (threshold 1); a
      // rejection leaves it unresolved, so it is fetched again. Stopping commits what was resolved.
      await consumer.run({
        autoCommit: true,
        autoCommitThreshold: 1,
        eachMessage: async ({ topic, partition, message }) => options.each(incoming(topic, partition, message)),
      });
      return !(await gone());
    };
    /** Replaces a consumer that will not come back, until one starts or the consumption is stopped. Never throws. */
    const replace = async (error: Error): Promise<void> => {
      while (!stopped) {
        failures += 1;
        const delayMs = Math.min(500 * 2 ** (failures - 1), 10_000);
        try {
          options.onRestart?.(error, delayMs);
        } catch {
          // a listener's failure must not stop the consumer from coming back
        }
        await backoff.sleep(delayMs);
        if (stopped) return;
        try {
          await start();
          return;
        } catch (failed) {
          if (current) await this.disconnect(current);
          error = failed as Error;
        }
      }
    };
    try {
      await start();
    } catch (error) {
      stopped = true;
      if (current) await this.disconnect(current);
      throw error;
    }
    return {
      stop: async () => {
        stopped = true;
        backoff.wake();
        if (current) await this.disconnect(current);
      },
    };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await Promise.all([...this.open].map((client) => this.disconnect(client)));
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }

  private async connect(client: Producer | Consumer, transactionalId?: string): Promise<void> {
    this.open.add(client);
    try {
      await client.connect();
    } catch (error) {
      await this.disconnect(client);
      throw transactionalId && isFenced(error) ? new FencedError(transactionalId, error) : error;
    }
  }

  private async disconnect(client: { disconnect(): Promise<void> }): Promise<void> {
    this.open.delete(client);
    await client.disconnect().catch(() => undefined);
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      // a failed connection is not kept: the next call tries again
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}

/**
 * The most bytes of one topic's messages in one produce request. kafkajs writes a partition's messages of a
 * request as one record batch, and a broker refuses a batch over `message.max.bytes` (1 MiB by default), so
 * a topic's messages (all of which may go to one partition) are spread over as many requests as they need.
 */
const TOPIC_BYTES_PER_REQUEST = 768 * 1024;

type TopicMessages = Array<{ topic: string; messages: Message[] }>;

/**
 * The messages as produce requests, sent one after another: each topic's messages in their order, at most
 * TOPIC_BYTES_PER_REQUEST of them in a request (a larger message alone), so that no partition's batch
 * exceeds what a broker takes while a large transaction still goes in few requests.
 */
function requestsOf(messages: readonly OutgoingMessage[]): TopicMessages[] {
  const requests: Array<Map<string, Message[]>> = [];
  const filling = new Map<string, { request: number; bytes: number }>();
  for (const message of messages) {
    const { topic } = message;
    const size = sizeOf(message);
    let at = filling.get(topic);
    if (at === undefined) filling.set(topic, (at = { request: 0, bytes: 0 }));
    else if (at.bytes > 0 && at.bytes + size > TOPIC_BYTES_PER_REQUEST) {
      at.request += 1;
      at.bytes = 0;
    }
    at.bytes += size;
    const request = requests[at.request] ?? (requests[at.request] = new Map());
    const list = request.get(topic) ?? [];
    if (list.length === 0) request.set(topic, list);
    list.push(message as Message); // kafkajs reads its key, value and headers and passes over the topic
  }
  return requests.map((request) => [...request].map(([topic, list]) => ({ topic, messages: list })));
}

/**
 * A message's bytes in a record batch, or more: its key and value, room for their lengths, and its headers at
 * most: a string's UTF-16 length times three, the most UTF-8 takes for one unit. A relay message has eleven
 * or so short headers: measured exactly, splitting a relay transaction took 0.39 µs a message, now 0.15.
 */
function sizeOf({ key, value, headers }: OutgoingMessage): number {
  let size = 32 + byteLength(key) + byteLength(value);
  for (const name in headers) {
    const header = headers[name];
    if (Array.isArray(header)) for (const part of header as readonly HeaderValue[]) size += headerBound(name, part);
    else size += headerBound(name, header as HeaderValue);
  }
  return size;
}

/** One header's bytes in a record, or more (see `sizeOf`). */
function headerBound(name: string, value: HeaderValue | null | undefined): number {
  return 10 + 3 * name.length + (value == null ? 0 : typeof value === 'string' ? 3 * value.length : value.length);
}

function byteLength(data: string | Buffer | null | undefined): number {
  return data == null ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(bytes) : bytes(value);
  }
  return { topic, partition, offset: message.offset, key: message.key ?? null, value: message.value ?? null, headers };
}

/** Keys whose partitions a producer remembers; past it, it forgets them all and starts again. */
const REMEMBERED_KEYS = 100_000;

/**
 * kafkajs's default partitioner (murmur2 of the key, as the Java client, so that a case's messages go to one
 * partition whichever client wrote them), remembering each key's partition per partition count: a relay
 * batch sends many messages of one case, and the hash in JavaScript cost it more than its own work. A keyed
 * message's partition depends on its key and its topic's partition count alone, so the topic is no part of
 * what is remembered (a name made of topic, count and key for each message cost the relay ~5% of its time).
 */
export const rememberedPartitions: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const byCount = new Map<number, Map<string, number>>();
  let remembered = 0;
  return (args) => {
    const { partitionMetadata, message } = args;
    if (typeof message.key !== 'string' || (message.partition !== undefined && message.partition !== null)) return partitioner(args);
    let known = byCount.get(partitionMetadata.length);
    if (known === undefined) byCount.set(partitionMetadata.length, (known = new Map()));
    let partition = known.get(message.key);
    if (partition === undefined) {
      partition = partitioner(args);
      if (remembered >= REMEMBERED_KEYS) {
        for (const keys of byCount.values()) keys.clear();
        remembered = 0;
      }
      known.set(message.key, partition);
      remembered += 1;
    }
    return partition;
  };
};

function bytes(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** kafkajs reports a fence as INVALID_PRODUCER_EPOCH (the request versions it speaks); newer clients get PRODUCER_FENCED. */
function isFenced(error: unknown): boolean {
  return hasErrorType(error, new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']));
}

/** Whether the error, or one it wraps, is a broker error of one of these types. */
function hasErrorType(error: unknown, types: ReadonlySet<string>): boolean {
  for (let e = error as { type?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] } | undefined; e;) {
    if (e.type && types.has(e.type)) return true;
    if (Array.isArray(e.errors) && e.errors.some((inner) => hasErrorType(inner, types))) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
