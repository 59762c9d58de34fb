/**
 * The message bus port: what the service needs of Kafka, and nothing of any client library. The relay, the
 * checkpoint publisher and the agency command consumer speak only this; `KafkaMessageBus` is its adapter.
 */

/** Header values as the broker carries them: bytes, or text that is sent as UTF-8. */
export type HeaderValue = string | Buffer;
export type MessageHeaders = Readonly<Record<string, HeaderValue | readonly HeaderValue[]>>;

export interface OutgoingMessage {
  readonly topic: string;
  /** Messages with the same key go to the same partition, in order. */
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: MessageHeaders;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  /** The message's offset in its partition, a decimal string (offsets can pass 2^53). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | readonly Buffer[]>>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** 1 on a single broker; 3 in production. A write then needs all replicas but one in sync. */
  readonly replicationFactor: number;
  /** Keep only the last message of each key (for positions). */
  readonly compacted?: boolean;
}

/** Another producer opened the same transactional id: this one can never write again. */
export class FencedError extends Error {
  readonly code = 'fenced';

  constructor(transactionalId: string, cause?: unknown) {
    super(`another producer took over transactional id ${transactionalId}`, { cause });
    this.name = 'FencedError';
  }
}

/** A producer under a transactional id: each `commit` is one transaction, seen whole or not at all. */
export interface TransactionalProducer {
  /**
   * Writes the messages in one transaction and commits it: a `read_committed` reader sees all of them or
   * none. On any failure the transaction is aborted (when it still can be) and the error thrown; a
   * `FencedError` means this producer is done for good.
   */
  commit(messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** An idempotent producer: a retried send is never written twice. */
export interface MessageProducer {
  /** Resolves once every replica in sync has the messages. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ScanOptions {
  /** Only this partition (default: all). */
  readonly partition?: number;
  /** Start at this offset of `partition` (default: the beginning). */
  readonly fromOffset?: string;
  /** End the scan once no message has come for this long, counted from when the reader has joined. */
  readonly quietMs?: number;
  /** Fail if the scan has not ended by then. */
  readonly timeoutMs: number;
}

/** A running consumption of a consumer group; `stop` leaves the group. */
export interface Consumption {
  stop(): Promise<void>;
}

export interface ConsumeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * Handles one message. When it resolves, the group's offset moves past the message; when it rejects, the
   * message is delivered again (after the client's back-off).
   */
  readonly each: (message: IncomingMessage) => Promise<void>;
  /**
   * Told when the consumer failed and is started again (it always is, until stopped): the group's members
   * are not to stop consuming for good because the broker was away when they tried to come back.
   */
  readonly onRestart?: (error: Error, delayMs: number) => void;
}

export interface MessageBus {
  /** Creates the topics that do not exist yet and waits until every partition of each answers. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /**
   * Opens a producer under `transactionalId`. Opening fences every earlier producer with the same id and
   * ends whatever transaction it had open: committed if its commit had begun, else aborted.
   */
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  producer(): Promise<MessageProducer>;
  /**
   * Reads a topic as a `read_committed` reader outside any consumer group, handing each message to `each`
   * until `each` returns true or the topic has been quiet for `quietMs`.
   */
  scan(topic: string, each: (message: IncomingMessage) => boolean | void, options: ScanOptions): Promise<void>;
  /** The first and next offsets of each partition of a topic. */
  offsets(topic: string): Promise<Array<{ partition: number; low: string; high: string }>>;
  /** Consumes topics in a consumer group, from the start of each for a new group, committing offsets one by one. */
  consume(options: ConsumeOptions): Promise<Consumption>;
  /** Closes every connection the bus opened. */
  close(): Promise<void>;
}
