import { randomUUID } from 'node:crypto';
import { WakeableSleep } from '@samverkan/common';
import { EventStore, LogSubscription, RecordedEvent } from '@samverkan/eventstore';
import { FencedError, MessageBus, OutgoingMessage, TransactionalProducer } from '@samverkan/messaging';
import { caseDecider } from '../cases/case.decider';
import { share } from '../cases/case.disclosure';
import { CaseState } from '../cases/case.model';
import { caseIdOfCaseStream, caseStream } from '../cases/case-stream';
import { RelayPosition, RelayTopics, relayMessage, relayTopics } from './relay-messages';

export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RelayOptions {
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
  private readonly topics: RelayTopics;
  private readonly transactionalId: string;
  private readonly logger: RelayLogger;
  private readonly agencies: ReadonlySet<string>;
  private readonly recent = new Map<string, { revision: number; state: CaseState }>();
  private readonly unknownAgencies = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private producer?: TransactionalProducer;
  private subscription?: LogSubscription;
  private loop?: Promise<void>;
  /** The wait before resuming after a failure, which stopping ends early. */
  private readonly backoffWait = new WakeableSleep();
  private current: RelayState = 'idle';
  private position: RelayPosition | undefined;
  /** The start mark this relay committed when it took over the transactional id. */
  private mark?: string;

  constructor(
    private readonly store: EventStore,
    private readonly bus: MessageBus,
    private readonly options: RelayOptions,
  ) {
    this.topics = relayTopics(options.topicPrefix);
    this.transactionalId = options.transactionalId ?? 'samverkan-relay';
    this.logger = options.logger ?? silent;
    this.agencies = new Set(options.agencyIds);
  }

  /** Times relaying failed and resumed from the last committed position, since this process started. */
  failures = 0;

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
      await this.createTopics();
      await this.openProducer();
      this.position = await this.readPosition();
    } catch (error) {
      await this.producer?.close();
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
    this.backoffWait.wake();
    await this.loop;
    await this.producer?.close();
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
    await this.bus.ensureTopics([
      ...[...this.agencies].map((agencyId) => ({ name: this.topics.events(agencyId), partitions: this.options.partitions ?? 3, replicationFactor })),
      { name: this.topics.positions, partitions: 1, replicationFactor, compacted: true },
      { name: this.topics.checkpoints, partitions: 1, replicationFactor },
    ]);
  }

  /** A new producer with the transactional id: opening it fences any other and ends their open transactions. */
  private async openProducer(): Promise<void> {
    await this.producer?.close();
    this.producer = await this.bus.transactionalProducer(this.transactionalId);
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
    await this.producer!.commit([{ topic: this.topics.positions, key: this.markKey, value: JSON.stringify({ start: mark }) }]);
    let found: RelayPosition | undefined;
    await this.bus.scan(
      this.topics.positions,
      ({ key, value }) => {
        if (!value) return false;
        if (key?.toString() === this.transactionalId) found = JSON.parse(value.toString()) as RelayPosition;
        return key?.toString() === this.markKey && (JSON.parse(value.toString()) as { start?: string }).start === mark;
      },
      { timeoutMs: 60_000 },
    );
    return found;
  }

  private async run(): Promise<void> {
    let resync = false;
    while (this.current === 'running') {
      try {
        if (resync) {
          // A commit may have failed only on its way back: a new producer ends whatever of ours was open, and
          // the position topic then says what really committed.
          await this.openProducer();
          this.position = await this.readPosition();
          resync = false;
        }
        await this.relayFrom(this.position);
      } catch (error) {
        if (error instanceof FencedError) {
          this.current = 'fenced';
          this.logger.error(`another relay took over transactional id ${this.transactionalId}; this one stops: ${(error as Error).message}`);
          break;
        }
        if (this.current !== 'running') break;
        this.failures += 1;
        this.logger.warn(`relaying failed ${this.describe(this.position)}; resuming from the last committed position: ${(error as Error).message}`);
        resync = true;
        await this.subscription?.close();
        await this.backoffWait.sleep(this.options.retryMs ?? 1000);
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
    let latest: string | undefined;
    // Control records of transactions are never delivered, so the topic's end cannot be told from its
    // offsets: read until it has been quiet for a second.
    await this.bus
      .scan(
        this.topics.positions,
        ({ key, value }) => {
          if (key?.toString() === this.markKey && value) latest = (JSON.parse(value.toString()) as { start?: string }).start;
        },
        { quietMs: 1_000, timeoutMs: 15_000 },
      )
      .catch(() => undefined);
    return latest !== undefined && this.mark !== undefined && latest !== this.mark;
  }

  private async relayFrom(start: RelayPosition | undefined): Promise<void> {
    const subscription = this.store.subscribeToAll({ after: start?.position });
    this.subscription = subscription;
    // Stopped before it got here: stop() closed the subscription before this one.
    if (this.current !== 'running') {
      await subscription.close();
      return;
    }
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
      const messages: OutgoingMessage[] = [];
      for (const event of batch) {
        index += 1;
        messages.push(...(await this.messagesOf(event, index)));
      }
      const position: RelayPosition = { position: batch[batch.length - 1].position, index };
      await this.producer!.commit([...messages, { topic: this.topics.positions, key: this.transactionalId, value: JSON.stringify(position) }]);
      this.position = position;
      for (const waiter of [...this.waiters]) waiter();
    }
  }

  /** The messages one event becomes: one per agency the policy grants it to. */
  private async messagesOf(event: RecordedEvent, ledgerIndex: number): Promise<OutgoingMessage[]> {
    const { envelope } = event;
    const caseId = caseIdOfCaseStream(envelope.stream);
    if (caseId === undefined) return [];
    const before = await this.stateBefore(caseId, envelope.revision);
    const after = caseDecider.evolve(before, caseDecider.upcast!(envelope));
    this.remember(caseId, envelope.revision, after);
    const messages: OutgoingMessage[] = [];
    for (const delivery of share(envelope, before, after)) {
      if (!this.agencies.has(delivery.agencyId)) {
        if (!this.unknownAgencies.has(delivery.agencyId)) {
          this.unknownAgencies.add(delivery.agencyId);
          this.logger.warn(`${delivery.agencyId} is not a registered agency and has no topic; its deliveries are left out`);
        }
        continue;
      }
      messages.push({ topic: this.topics.events(delivery.agencyId), ...relayMessage(event, caseId, delivery, ledgerIndex) });
    }
    return messages;
  }

  /** The case's state just before `revision`: from memory when the previous revision is there, else from the store. */
  private async stateBefore(caseId: string, revision: number): Promise<CaseState> {
    const known = this.recent.get(caseId);
    if (known && known.revision === revision - 1) return known.state;
    let state = caseDecider.initialState();
    if (revision === 0) return state;
    for await (const { envelope } of this.store.readStream(caseStream(caseId), { maxCount: revision })) {
      if (envelope.revision >= revision) break;
      state = caseDecider.evolve(state, caseDecider.upcast!(envelope));
    }
    return state;
  }

  private remember(caseId: string, revision: number, state: CaseState): void {
    this.recent.delete(caseId);
    this.recent.set(caseId, { revision, state });
    if (this.recent.size > (this.options.recentCases ?? 10_000)) this.recent.delete(this.recent.keys().next().value!);
  }

  private describe(position: RelayPosition | undefined): string {
    return position ? `after position ${position.position} (ledger index ${position.index})` : 'the start of the log';
  }
}
