import { randomUUID } from 'node:crypto';
import { Admin, Kafka, KafkaJSError, logLevel, Message, Partitioners, Producer } from 'kafkajs';
import { EventStore, LogSubscription, RecordedEvent } from '@samverkan/eventstore';
import { caseDecider } from '../cases/case.decider';
import { CaseEvent, CaseState } from '../cases/case.model';
import { share } from '../sharing/sharing.policy';
import { createTopicsAndWait } from './kafka-topics';
import { RelayPosition, RelayTopics, relayMessage, relayTopics } from './relay-messages';

export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RelayOptions {
  readonly brokers: readonly string[];
  /** Registered agencies: each gets its topic; a delivery to any other agency has nowhere to go. */
  readonly agencyIds: readonly string[];
  /** The producer's transactional id, also the key of the relay's position. Default `samverkan-relay`. */
  readonly transactionalId?: string;
  /** First part of every topic name. Default `samverkan`. */
  readonly topicPrefix?: string;
  /** Partitions of each agency topic (default 3). */
  readonly partitions?: number;
  /** Replication factor of every topic the relay creates (default 1; 3 in production). */
  readonly replicationFactor?: number;
  /** Most events relayed in one transaction (default 500). */
  readonly batchSize?: number;
  /** Wait after a failure before resuming from the last committed position (default 1000 ms). */
  readonly retryMs?: number;
  /** Cases whose state is kept folded between their events (default 10,000). */
  readonly recentCases?: number;
  readonly clientId?: string;
  readonly logger?: RelayLogger;
}

export type RelayState = 'idle' | 'running' | 'stopped' | 'fenced';

const silent: RelayLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Publishes each case event to the topics of the agencies the sharing policy grants it to, exactly once for
 * `read_committed` consumers: every batch of events is one Kafka transaction, which also writes the relay's
 * position to a compacted topic, so what was published and where to resume commit together. On start, and
 * after any failure, the relay reads that position back and resumes after it. A second relay with the same
 * transactional id fences this one, which then stops for good.
 */
export class Relay {
  private readonly kafka: Kafka;
  private readonly topics: RelayTopics;
  private readonly transactionalId: string;
  private readonly logger: RelayLogger;
  private readonly agencies: ReadonlySet<string>;
  private readonly recent = new Map<string, { revision: number; state: CaseState }>();
  private readonly unknownAgencies = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private admin?: Admin;
  private producer?: Producer;
  private subscription?: LogSubscription;
  private loop?: Promise<void>;
  private wakeBackoff?: () => void;
  private current: RelayState = 'idle';
  private position: RelayPosition | undefined;
  /** The start mark this relay committed when it took over the transactional id. */
  private mark?: string;

  constructor(
    private readonly store: EventStore,
    private readonly options: RelayOptions,
  ) {
    this.topics = relayTopics(options.topicPrefix);
    this.transactionalId = options.transactionalId ?? 'samverkan-relay';
    this.logger = options.logger ?? silent;
    this.agencies = new Set(options.agencyIds);
    this.kafka = new Kafka({
      clientId: options.clientId ?? this.transactionalId,
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
    });
  }

  get state(): RelayState {
    return this.current;
  }

  /** What this relay has committed (or found committed when it started). */
  get committed(): RelayPosition | undefined {
    return this.position;
  }

  /** Creates the topics, takes over the transactional id, reads the last committed position and starts relaying. */
  async start(): Promise<void> {
    if (this.current === 'running') return;
    try {
      this.admin = this.kafka.admin();
      await this.admin.connect();
      await this.createTopics();
      await this.connectProducer();
      this.position = await this.readPosition();
    } catch (error) {
      await this.producer?.disconnect().catch(() => undefined);
      await this.admin?.disconnect().catch(() => undefined);
      throw error;
    }
    this.current = 'running';
    this.logger.log(`relaying as ${this.transactionalId} from ${this.describe(this.position)}`);
    this.loop = this.run();
  }

  /** Finishes the transaction in flight, if any, and disconnects. */
  async stop(): Promise<void> {
    if (this.current === 'running') this.current = 'stopped';
    await this.subscription?.close();
    this.wakeBackoff?.();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves once `reached` accepts the committed position, or the relay is no longer running. */
  waitUntil(reached: (committed: RelayPosition | undefined) => boolean): Promise<void> {
    if (reached(this.position) || this.current !== 'running') return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (reached(this.position) || this.current !== 'running') {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
    });
  }

  private async createTopics(): Promise<void> {
    const replicationFactor = this.options.replicationFactor ?? 1;
    // With one replica there is nothing to wait for; with more, a write needs all but one of them.
    const minInsync = String(Math.max(1, replicationFactor - 1));
    const common = [{ name: 'min.insync.replicas', value: minInsync }];
    await createTopicsAndWait(this.admin!, [
        ...[...this.agencies].map((agencyId) => ({
          topic: this.topics.events(agencyId),
          numPartitions: this.options.partitions ?? 3,
          replicationFactor,
          configEntries: common,
        })),
        {
          topic: this.topics.positions,
          numPartitions: 1,
          replicationFactor,
          configEntries: [...common, { name: 'cleanup.policy', value: 'compact' }],
        },
        { topic: this.topics.checkpoints, numPartitions: 1, replicationFactor, configEntries: common },
    ]);
  }

  /** A new producer with the transactional id: initialising it fences any other and ends their open transactions. */
  private async connectProducer(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  /**
   * The last position committed under the transactional id. Called only once the producer is initialised,
   * which ended every earlier transaction under the id. It commits a start mark of its own to the positions
   * topic and reads, as a `read_committed` consumer, up to that mark: a committed message is visible only
   * once every transaction before it is decided, so whatever an earlier relay committed is seen, and what it
   * had open (and was aborted) is not. The high watermark alone is not enough: the broker can still be
   * writing the earlier relay's commit markers when this one starts.
   */
  private async readPosition(): Promise<RelayPosition | undefined> {
    const mark = randomUUID();
    this.mark = mark;
    const markKey = this.markKey;
    const transaction = await this.producer!.transaction();
    try {
      await transaction.send({ topic: this.topics.positions, messages: [{ key: markKey, value: JSON.stringify({ start: mark }) }] });
      await transaction.commit();
    } catch (error) {
      if (!isFenced(error)) await transaction.abort().catch(() => undefined);
      throw error;
    }
    const groupId = `${this.transactionalId}.position.${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    let found: RelayPosition | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topics.positions, fromBeginning: true });
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`could not read ${this.topics.positions} up to this relay's start mark within 60 s`)), 60_000);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ message }) => {
              const key = message.key?.toString();
              if (!message.value) return;
              if (key === this.transactionalId) found = JSON.parse(message.value.toString()) as RelayPosition;
              else if (key === markKey && (JSON.parse(message.value.toString()) as { start?: string }).start === mark) {
                clearTimeout(timer);
                done();
              }
            },
          })
          .catch(fail);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.admin!.deleteGroups([groupId]).catch(() => undefined);
    }
    return found;
  }

  private async run(): Promise<void> {
    let resync = false;
    while (this.current === 'running') {
      try {
        if (resync) {
          // A commit may have failed only on its way back: a new producer ends whatever of ours was open, and
          // the position topic then says what really committed.
          await this.connectProducer();
          this.position = await this.readPosition();
          resync = false;
        }
        await this.relayFrom(this.position);
      } catch (error) {
        if (isFenced(error)) {
          this.current = 'fenced';
          this.logger.error(`another relay took over transactional id ${this.transactionalId}; this one stops: ${(error as Error).message}`);
          break;
        }
        if (this.current !== 'running') break;
        this.logger.warn(`relaying failed ${this.describe(this.position)}; resuming from the last committed position: ${(error as Error).message}`);
        resync = true;
        await this.subscription?.close();
        await this.backoff();
        // Taking the transactional id back would fence a relay that took over meanwhile, whatever error
        // the broker reported for the fence: its start mark, later than ours, says it did.
        if (this.current === 'running' && (await this.superseded().catch(() => false))) {
          this.current = 'fenced';
          this.logger.error(`another relay took over transactional id ${this.transactionalId}; this one stops`);
          break;
        }
      } finally {
        for (const waiter of [...this.waiters]) waiter();
      }
    }
    await this.subscription?.close();
  }

  private get markKey(): string {
    return `${this.transactionalId}#start`;
  }

  /** Whether another relay committed a start mark after this one's: it took over the transactional id. */
  private async superseded(): Promise<boolean> {
    const groupId = `${this.transactionalId}.marks.${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    let latest: string | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topics.positions, fromBeginning: true });
      // Read until the topic has been quiet for a second (control records of transactions are never
      // delivered, so the high watermark cannot tell when the last message was seen), at most 15 s.
      await new Promise<void>((done) => {
        const deadline = setTimeout(done, 15_000);
        let quiet = setTimeout(finish, 2_000);
        function finish() {
          clearTimeout(deadline);
          done();
        }
        void consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ message }) => {
              clearTimeout(quiet);
              quiet = setTimeout(finish, 1_000);
              if (message.key?.toString() === this.markKey && message.value) latest = (JSON.parse(message.value.toString()) as { start?: string }).start;
            },
          })
          .catch(finish);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.admin?.deleteGroups([groupId]).catch(() => undefined);
    }
    return latest !== undefined && this.mark !== undefined && latest !== this.mark;
  }

  private async relayFrom(start: RelayPosition | undefined): Promise<void> {
    const subscription = this.store.subscribeToAll({ after: start?.position });
    this.subscription = subscription;
    const events = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    let index = start ? start.index : -1;
    const batchSize = this.options.batchSize ?? 500;
    while (this.current === 'running') {
      // A batch is what the subscription has ready, up to the batch size; it begins with the first event it waits for.
      const first = await (pending ?? events.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      while (batch.length < batchSize) {
        const next = events.next();
        const ready = await Promise.race([next, new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
        if (!ready) {
          pending = next;
          break;
        }
        if (ready.done) break;
        batch.push(ready.value);
      }
      const topicMessages = new Map<string, Message[]>();
      for (const event of batch) {
        index += 1;
        for (const [topic, message] of await this.messagesOf(event, index)) {
          const list = topicMessages.get(topic);
          if (list) list.push(message);
          else topicMessages.set(topic, [message]);
        }
      }
      const position: RelayPosition = { position: batch[batch.length - 1].position, index };
      await this.publish(topicMessages, position);
      this.position = position;
      for (const waiter of [...this.waiters]) waiter();
    }
  }

  private async publish(topicMessages: Map<string, Message[]>, position: RelayPosition): Promise<void> {
    const transaction = await this.producer!.transaction();
    try {
      await transaction.sendBatch({
        topicMessages: [
          ...[...topicMessages].map(([topic, messages]) => ({ topic, messages })),
          { topic: this.topics.positions, messages: [{ key: this.transactionalId, value: JSON.stringify(position) }] },
        ],
      });
      await transaction.commit();
    } catch (error) {
      if (!isFenced(error)) await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  /** The messages one event becomes: one per agency the policy grants it to. */
  private async messagesOf(event: RecordedEvent, ledgerIndex: number): Promise<Array<[string, Message]>> {
    const { envelope } = event;
    if (!envelope.stream.startsWith('case-')) return [];
    const caseId = envelope.stream.slice('case-'.length);
    const before = await this.stateBefore(caseId, envelope.revision);
    const after = caseDecider.evolve(before, envelope as unknown as CaseEvent);
    this.remember(caseId, envelope.revision, after);
    const messages: Array<[string, Message]> = [];
    for (const delivery of share(envelope as unknown as CaseEvent, before, after)) {
      if (!this.agencies.has(delivery.agencyId)) {
        if (!this.unknownAgencies.has(delivery.agencyId)) {
          this.unknownAgencies.add(delivery.agencyId);
          this.logger.warn(`${delivery.agencyId} is not a registered agency and has no topic; its deliveries are left out`);
        }
        continue;
      }
      messages.push([this.topics.events(delivery.agencyId), relayMessage(event, caseId, delivery, ledgerIndex)]);
    }
    return messages;
  }

  /** The case's state just before `revision`: from memory when the previous revision is there, else from the store. */
  private async stateBefore(caseId: string, revision: number): Promise<CaseState> {
    const known = this.recent.get(caseId);
    if (known && known.revision === revision - 1) return known.state;
    let state = caseDecider.initialState();
    if (revision === 0) return state;
    for await (const { envelope } of this.store.readStream(`case-${caseId}`, { maxCount: revision })) {
      if (envelope.revision >= revision) break;
      state = caseDecider.evolve(state, envelope as unknown as CaseEvent);
    }
    return state;
  }

  private remember(caseId: string, revision: number, state: CaseState): void {
    this.recent.delete(caseId);
    this.recent.set(caseId, { revision, state });
    if (this.recent.size > (this.options.recentCases ?? 10_000)) this.recent.delete(this.recent.keys().next().value!);
  }

  private backoff(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.options.retryMs ?? 1000);
      this.wakeBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private describe(position: RelayPosition | undefined): string {
    return position ? `after position ${position.position} (ledger index ${position.index})` : 'the start of the log';
  }
}

/** The broker answers kafkajs's request versions with INVALID_PRODUCER_EPOCH; newer clients get PRODUCER_FENCED. */
export function isFenced(error: unknown): boolean {
  for (let e = error as (KafkaJSError & { type?: string; cause?: unknown; originalError?: unknown }) | undefined; e; ) {
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED') return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
