import { MessageBus, MessageProducer, OutgoingMessage } from '@samverkan/messaging';
import { StoredCheckpoint } from '../ledger/ledger-store';
import { relayTopics } from './relay-messages';
import { RelayLogger } from './relay';

/** What the publisher needs of the ledger's store: its signed checkpoints. */
export interface CheckpointSource {
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  checkpoint(size: number): Promise<StoredCheckpoint | undefined>;
  /** Sizes below `before`, largest first. */
  checkpoints(limit: number, before?: number): Promise<Array<Omit<StoredCheckpoint, 'note'>>>;
}

export interface CheckpointPublisherOptions {
  /** The ledger's origin (the first line of each checkpoint): the key of every message. */
  readonly origin: string;
  /** First part of the topic name. Default `samverkan`. */
  readonly topicPrefix?: string;
  /** How often to look for new checkpoints (default 1000 ms: the ledger's checkpoint interval). */
  readonly intervalMs?: number;
  /** Replication factor if the publisher has to create the topic (the relay normally has). Default 1. */
  readonly replicationFactor?: number;
  /** Most checkpoints in one produce request (default 100). */
  readonly batchSize?: number;
  readonly logger?: CheckpointPublisherLogger;
}

export type CheckpointPublisherLogger = RelayLogger;

const silent: CheckpointPublisherLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** How many of the topic's last messages are read back on start to find the last checkpoint published. */
const READ_BACK = 50;

/** The message one signed checkpoint becomes: CloudEvents binary mode, the signed note as the value. */
export function checkpointMessage(
  topic: string,
  origin: string,
  checkpoint: StoredCheckpoint,
): OutgoingMessage & { key: string; value: string; headers: Record<string, string> } {
  return {
    topic,
    key: origin,
    value: checkpoint.note,
    headers: {
      ce_specversion: '1.0',
      ce_id: `${origin}/${checkpoint.size}`,
      ce_source: `/samverkan/ledger`,
      ce_type: 'se.samverkan.ledger.checkpoint.v1',
      ce_time: checkpoint.createdAt,
      ce_subject: String(checkpoint.size),
      'content-type': 'text/plain',
    },
  };
}

/**
 * Publishes every checkpoint the ledger signs to `<prefix>.ledger.checkpoints` (one partition, so one order),
 * readable by every agency, with an idempotent producer. None is skipped: on start it reads the topic's last
 * messages back to find the largest checkpoint already there, then publishes every stored checkpoint larger
 * than that, in size order, and from then on each new one as it appears (polled every `intervalMs`). It
 * moves on only once the broker acknowledged a checkpoint; after a failure it sends again from there, so a
 * checkpoint can appear twice (same `ce_id`), never not at all.
 */
export class CheckpointPublisher {
  private readonly topic: string;
  private readonly logger: CheckpointPublisherLogger;
  private producer?: MessageProducer;
  private timer?: NodeJS.Timeout;
  private tick?: Promise<void>;
  private running = false;
  /** The largest checkpoint size known to be on the topic. */
  private last = 0;

  constructor(
    private readonly source: CheckpointSource,
    private readonly bus: MessageBus,
    private readonly options: CheckpointPublisherOptions,
  ) {
    this.topic = relayTopics(options.topicPrefix).checkpoints;
    this.logger = options.logger ?? silent;
  }

  /** The largest checkpoint size published (or found on the topic on start). */
  get published(): number {
    return this.last;
  }

  /** Connects, finds where the topic stands, publishes what is missing and keeps publishing. */
  async start(): Promise<void> {
    if (this.running) return;
    try {
      await this.bus.ensureTopics([{ name: this.topic, partitions: 1, replicationFactor: this.options.replicationFactor ?? 1 }]);
      this.producer = await this.bus.producer();
      this.last = await this.lastOnTopic();
    } catch (error) {
      await this.producer?.close();
      throw error;
    }
    this.running = true;
    this.logger.log(`publishing ledger checkpoints to ${this.topic} after size ${this.last}`);
    await this.publishNew().catch((error) => this.logger.warn(`publishing checkpoints failed, trying again: ${(error as Error).message}`));
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
    await this.producer?.close();
  }

  /** Publishes every stored checkpoint larger than the last published, in size order. */
  async publishNew(): Promise<number> {
    const latest = await this.source.latestCheckpoint();
    if (!latest || latest.size <= this.last) return 0;
    const sizes = await this.sizesAfter(this.last);
    const batchSize = this.options.batchSize ?? 100;
    let sent = 0;
    for (let i = 0; i < sizes.length; i += batchSize) {
      const batch = (await Promise.all(sizes.slice(i, i + batchSize).map((size) => this.source.checkpoint(size)))).filter(
        (checkpoint): checkpoint is StoredCheckpoint => checkpoint !== undefined,
      );
      if (batch.length === 0) continue;
      await this.producer!.send(batch.map((checkpoint) => checkpointMessage(this.topic, this.options.origin, checkpoint)));
      this.last = batch[batch.length - 1].size;
      sent += batch.length;
    }
    return sent;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.tick = this.publishNew()
        .then(() => undefined)
        .catch((error) => this.logger.warn(`publishing checkpoints failed, trying again: ${(error as Error).message}`))
        .finally(() => this.schedule());
    }, this.options.intervalMs ?? 1000);
    this.timer.unref?.();
  }

  /** The sizes of the stored checkpoints larger than `after`, smallest first. */
  private async sizesAfter(after: number): Promise<number[]> {
    const sizes: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await this.source.checkpoints(1000, before);
      for (const { size } of page) {
        if (size <= after) return sizes.reverse();
        sizes.push(size);
      }
      if (page.length < 1000) return sizes.reverse();
      before = page[page.length - 1].size;
    }
  }

  /** The largest checkpoint of this origin among the topic's last messages; 0 when there is none. */
  private async lastOnTopic(): Promise<number> {
    let found = 0;
    for (const { partition, high, low } of await this.bus.offsets(this.topic)) {
      const end = BigInt(high);
      const from = end - BigInt(READ_BACK) > BigInt(low) ? end - BigInt(READ_BACK) : BigInt(low);
      if (end <= from) continue;
      await this.bus.scan(
        this.topic,
        ({ key, headers, offset }) => {
          const size = Number(headers.ce_subject?.toString());
          if (key?.toString() === this.options.origin && Number.isSafeInteger(size)) found = Math.max(found, size);
          return BigInt(offset) >= end - 1n;
        },
        { partition, fromOffset: String(from), timeoutMs: 30_000 },
      );
    }
    return found;
  }
}
