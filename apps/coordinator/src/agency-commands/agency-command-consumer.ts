import { SamverkanError } from '@samverkan/common';
import { Consumption, IncomingMessage, MessageBus, MessageHeaders, MessageProducer } from '@samverkan/messaging';
import { Agency, AgencyRegistry } from '../agencies/agency-registry';
import { Problem, problemOf } from '../http/problem.filter';
import { openedCaseId } from '../cases/case-commands';
import { CaseCommandAnswer, RunCaseCommand } from '../cases/run-case-command';
import { CommandMessage, parseCommandMessage, PoisonMessage } from './command-message';

export interface AgencyCommandTopics {
  commands(agencyId: string): string;
  results(agencyId: string): string;
  readonly dlq: string;
}

export function agencyCommandTopics(prefix = 'samverkan'): AgencyCommandTopics {
  return {
    commands: (agencyId) => `${prefix}.${agencyId}.commands`,
    results: (agencyId) => `${prefix}.${agencyId}.command-results`,
    dlq: `${prefix}.dlq`,
  };
}

export interface AgencyCommandLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface AgencyCommandOptions {
  /** First part of every topic name. Default `samverkan`. */
  readonly topicPrefix?: string;
  /** Default `samverkan-commands`. */
  readonly groupId?: string;
  /** Partitions of each topic created (default 3). */
  readonly partitions?: number;
  /** Replication factor of each topic created (default 1; 3 in production). */
  readonly replicationFactor?: number;
  /** Attempts at a message that fails for a reason other than the command's rules, before it is dead-lettered (default 10). */
  readonly maxAttempts?: number;
  readonly logger?: AgencyCommandLogger;
}

export type CommandResult =
  | {
      readonly commandId: string;
      readonly status: 'accepted' | 'replayed';
      readonly caseId: string;
      readonly revision: number;
      readonly events: ReadonlyArray<{ id: string; type: string; revision: number; hash: string }>;
      readonly referralId?: string;
      readonly investigationId?: string;
      readonly evidenceId?: string;
    }
  | { readonly commandId: string; readonly status: 'refused'; readonly problem: Problem };

const silent: AgencyCommandLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Executes the commands agencies produce to their `<prefix>.<agencyId>.commands` topics through the case
 * command path, as that agency: the topic is the identity. Each command's answer goes to the agency's
 * `command-results` topic keyed by command id; a message that can never be executed goes, with the reason and
 * its original bytes, to the dead-letter topic, and the consumer moves on. Offsets are committed after the
 * answer is written (at least once); a redelivered command is replayed by the command path from its id, so it
 * never writes a second event.
 *
 * The topic is the identity only if no one else can write to it. In production the broker enforces that with
 * ACLs, one principal per agency (mTLS or SASL/SCRAM), and `allow.everyone.if.no.acl.found=false`:
 *   - agency A: WRITE on topic `samverkan.A.commands`; READ on `samverkan.A.command-results` and
 *     `samverkan.A.events` with READ on its own consumer group prefix; nothing on any other agency's topics.
 *   - the coordinator: READ on every `samverkan.*.commands` and group `samverkan-commands`; WRITE on every
 *     `samverkan.*.command-results` and `samverkan.dlq`; CREATE on the cluster (or topics made by operations).
 *   - no agency has READ on `samverkan.dlq` (it holds other agencies' bytes); operations reads it.
 */
export class AgencyCommandConsumer {
  private readonly topics: AgencyCommandTopics;
  private readonly logger: AgencyCommandLogger;
  private readonly byTopic: ReadonlyMap<string, Agency>;
  private readonly attempts = new Map<string, number>();
  private producer?: MessageProducer;
  private consumption?: Consumption;

  constructor(
    /** Runs a command on a case: the service's CommandBus, as for HTTP. */
    private readonly commands: { execute(command: RunCaseCommand): Promise<CaseCommandAnswer> },
    private readonly registry: AgencyRegistry,
    private readonly bus: MessageBus,
    private readonly options: AgencyCommandOptions,
  ) {
    this.topics = agencyCommandTopics(options.topicPrefix);
    this.logger = options.logger ?? silent;
    this.byTopic = new Map(registry.all().map((agency) => [this.topics.commands(agency.id), agency]));
  }

  get topicNames(): AgencyCommandTopics {
    return this.topics;
  }

  /** Creates the topics, connects, and starts consuming every agency's command topic. */
  async start(): Promise<void> {
    try {
      await this.createTopics();
      this.producer = await this.bus.producer();
      this.consumption = await this.bus.consume({
        groupId: this.options.groupId ?? 'samverkan-commands',
        topics: [...this.byTopic.keys()],
        each: (message) => this.eachMessage(message),
        onRestart: (error, delayMs) => this.logger.warn(`the consumer of agency commands failed (${error.message}); starting it again in ${delayMs} ms`),
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.logger.log(`executing commands from ${this.byTopic.size} agency topics`);
  }

  async stop(): Promise<void> {
    await this.consumption?.stop();
    await this.producer?.close();
  }

  private async createTopics(): Promise<void> {
    const replicationFactor = this.options.replicationFactor ?? 1;
    const partitions = this.options.partitions ?? 3;
    const topic = (name: string) => ({ name, partitions, replicationFactor });
    const agencyIds = [...this.byTopic.values()].map((agency) => agency.id);
    await this.bus.ensureTopics([...agencyIds.flatMap((id) => [topic(this.topics.commands(id)), topic(this.topics.results(id))]), topic(this.topics.dlq)]);
  }

  /** Handles one message and commits past it; only a failure outside the command's rules is retried, and not forever. */
  private async eachMessage(message: IncomingMessage): Promise<void> {
    const where = `${message.topic}/${message.partition}/${message.offset}`;
    try {
      await this.handle(message);
    } catch (error) {
      const attempts = (this.attempts.get(where) ?? 0) + 1;
      this.attempts.set(where, attempts);
      if (attempts < (this.options.maxAttempts ?? 10)) {
        this.logger.warn(`command ${where} failed (attempt ${attempts}); it will be retried: ${(error as Error).message}`);
        throw error;
      }
      this.logger.error(`command ${where} failed ${attempts} times; dead-lettered: ${(error as Error).message}`);
      await this.deadLetter(message, new PoisonMessage('handling-failed', (error as Error).message));
    }
    this.attempts.delete(where);
  }

  private async handle(message: IncomingMessage): Promise<void> {
    const agency = this.byTopic.get(message.topic)!;
    let command: CommandMessage;
    try {
      command = await parseCommandMessage(message);
    } catch (error) {
      if (!(error instanceof PoisonMessage)) throw error;
      await this.deadLetter(message, error);
      return;
    }
    const result = await this.execute(agency, command, `kafka:${message.topic}/${message.partition}/${message.offset}`);
    await this.producer!.send([
      { topic: this.topics.results(agency.id), key: command.commandId, value: JSON.stringify(result), headers: { 'samverkan-command-type': command.name } },
    ]);
  }

  private async execute(agency: Agency, message: CommandMessage, instance: string): Promise<CommandResult> {
    const { commandId } = message;
    try {
      const caseId = message.caseId ?? openedCaseId(agency.id, commandId);
      const answer = await this.commands.execute(
        new RunCaseCommand(message.name, caseId, message.params, message.body, message.sent, agency, {
          actorId: message.actorId,
          commandId,
          correlationId: message.correlationId,
          expectedRevision: message.expectedRevision,
        }),
      );
      return {
        commandId,
        status: answer.replayed ? 'replayed' : 'accepted',
        caseId,
        revision: answer.revision,
        events: answer.events,
        ...(answer.minted ? { [answer.minted.field]: answer.minted.id } : {}),
      };
    } catch (error) {
      if (error instanceof SamverkanError) return { commandId, status: 'refused', problem: problemOf(error, instance) };
      throw error;
    }
  }

  /** The original bytes, key and headers, with why and from where. */
  private async deadLetter({ topic, partition, offset, key, value, headers: original }: IncomingMessage, poison: PoisonMessage): Promise<void> {
    const headers: MessageHeaders = {
      ...original,
      'dlq-reason': poison.reason,
      'dlq-detail': poison.message.slice(0, 2000),
      'dlq-source-topic': topic,
      'dlq-source-partition': String(partition),
      'dlq-source-offset': offset,
      'dlq-consumer-group': this.options.groupId ?? 'samverkan-commands',
    };
    await this.producer!.send([{ topic: this.topics.dlq, key, value, headers }]);
    this.logger.warn(`dead-lettered ${topic}/${partition}/${offset}: ${poison.reason}: ${poison.message}`);
  }
}
