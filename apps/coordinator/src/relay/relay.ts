import { randomUUID } from 'node:crypto';
import { EventStore, foldSteps, LogFollower, RecordedEvent, stateBefore, StreamStates, StreamStep } from '@samverkan/eventstore';
import { FencedError, MessageBus, OutgoingMessage, TransactionalProducer } from '@samverkan/messaging';
import { caseDecider } from '../cases/case.decider';
import { share } from '../cases/case.disclosure';
import { CaseEvent, CaseState } from '../cases/case.model';
import { caseIdOf } from '@samverkan/sealing';
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
  /**
   * Most events relayed in one transaction (default 2000). A transaction costs the broker about the same
   * whatever it holds (a marker in every partition it wrote to); larger ones relay a backlog faster, and a
   * live log gives small ones anyway. The message bus spreads a large one over requests the broker takes.
   */
  readonly batchSize?: number;
  /** Wait after a failure before resuming from the last committed position (default 1000 ms). */
  readonly retryMs?: number;
  /** Recent states of cases, shared with the command path where they run in one process (stream-fold.ts). */
  readonly states?: StreamStates<CaseState>;
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
  private readonly states: StreamStates<CaseState>;
  private readonly unknownAgencies = new Set<string>();
  private producer?: TransactionalProducer;
  private readonly follower: LogFollower;
  /** Set after a failure: the position is read back from Kafka before relaying goes on. */
  private resync = false;
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
    this.states = options.states ?? new StreamStates();
    this.follower = new LogFollower(store, {
      name: 'relay',
      loadPosition: async () => {
        if (this.resync) await this.resynchronise();
        return this.position?.position;
      },
      handleBatch: (batch) => this.relayBatch(batch),
      maxBatch: options.batchSize ?? 2000,
      // the position is committed with the batch's messages, in one Kafka transaction
      isFatal: (error) => error instanceof FencedError,
      onError: (error) => {
        if (error instanceof FencedError) {
          this.logger.error(`another relay took over transactional id ${this.transactionalId}; this one stops: ${error.message}`);
          return;
        }
        this.logger.warn(`relaying failed ${this.describe(this.position)}; resuming from the last committed position: ${(error as Error).message}`);
        this.resync = true;
      },
      retryMs: options.retryMs ?? 1000,
    });
  }

  /** Times relaying failed and resumed from the last committed position, since this process started. */
  get failures(): number {
    return this.follower.failures;
  }

  get state(): RelayState {
    const state = this.follower.state;
    return state === 'failed' ? 'fenced' : state;
  }

  /** The follower of the log, for its lag. */
  get logFollower(): LogFollower {
    return this.follower;
  }

  /** What this relay has committed (or found committed when it started). */
  get committed(): RelayPosition | undefined {
    return this.position;
  }

  /** Creates the topics, takes over the transactional id, reads the last committed position and starts relaying. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    try {
      await this.createTopics();
      await this.openProducer();
      this.position = await this.readPosition();
    } catch (error) {
      await this.producer?.close();
      throw error;
    }
    this.resync = false;
    this.logger.log(`relaying as ${this.transactionalId} from ${this.describe(this.position)}`);
    this.follower.start();
  }

  /** Finishes the transaction in flight, if any, and disconnects. */
  async stop(): Promise<void> {
    await this.follower.stop();
    await this.producer?.close();
  }

  /** Resolves once `reached` accepts the committed position, or the relay is no longer running. */
  waitUntil(reached: (committed: RelayPosition | undefined) => boolean): Promise<void> {
    return this.follower.waitUntil(() => reached(this.position));
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

  /**
   * After a failure a commit may have failed only on its way back: a new producer ends whatever of ours was
   * open, and the position topic then says what really committed. Taking the transactional id back would
   * fence a relay that took over meanwhile, whatever error the broker reported for the fence: its start
   * mark, later than ours, says it did, and this one stops instead.
   */
  private async resynchronise(): Promise<void> {
    if (await this.superseded().catch(() => false)) throw new FencedError(this.transactionalId);
    await this.openProducer();
    this.position = await this.readPosition();
    this.resync = false;
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

  /**
   * Publishes one batch of events, and the position after it, in one transaction. Every event of the log is
   * a ledger leaf, so the batch's events are numbered as the ledger numbers them; a case's event becomes a
   * message to each agency it is shared with, from the case's state before and after it.
   */
  private async relayBatch(batch: readonly RecordedEvent[]): Promise<void> {
    const ofCases = batch.filter((event) => caseIdOf(event.envelope.stream) !== undefined);
    const start = await this.states.startOf(ofCases, (stream, revision) => stateBefore(this.store, stream, revision, caseDecider));
    const folded = foldSteps(ofCases, caseDecider, start);
    this.states.rememberSteps(folded);
    const steps = new Map(folded.map((step) => [step.event, step]));
    let index = this.position ? this.position.index : -1;
    const messages: OutgoingMessage[] = [];
    for (const event of batch) {
      index += 1;
      const step = steps.get(event);
      if (step) messages.push(...this.messagesOf(step, index));
    }
    const position: RelayPosition = { position: batch[batch.length - 1].position, index };
    await this.producer!.commit([...messages, { topic: this.topics.positions, key: this.transactionalId, value: JSON.stringify(position) }]);
    this.position = position;
  }

  /** The messages one case event becomes: one per agency the policy grants it to. */
  private messagesOf({ event, before, after }: StreamStep<CaseEvent, CaseState>, ledgerIndex: number): OutgoingMessage[] {
    const { envelope } = event;
    const caseId = caseIdOf(envelope.stream)!;
    const messages: OutgoingMessage[] = [];
    const written = new Map<object, string>();
    for (const delivery of share(envelope, before, after)) {
      if (!this.agencies.has(delivery.agencyId)) {
        if (!this.unknownAgencies.has(delivery.agencyId)) {
          this.unknownAgencies.add(delivery.agencyId);
          this.logger.warn(`${delivery.agencyId} is not a registered agency and has no topic; its deliveries are left out`);
        }
        continue;
      }
      messages.push({ topic: this.topics.events(delivery.agencyId), ...relayMessage(event, caseId, delivery, ledgerIndex, written) });
    }
    return messages;
  }

  private describe(position: RelayPosition | undefined): string {
    return position ? `after position ${position.position} (ledger index ${position.index})` : 'the start of the log';
  }
}
