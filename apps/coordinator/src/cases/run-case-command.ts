import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext } from '@samverkan/eventstore';
import { canonicalJson, sha256Hex } from '@samverkan/sealing';
import { Agency, AgencyRegistry } from '../agencies/agency-registry';
import { caseCommand, caseCommandRoute, CaseCommandName, CommandParam } from './case-commands';
import { CaseService } from './case.service';

/** What a command on a case is answered with, over HTTP and Kafka alike. */
export interface CaseCommandAnswer {
  readonly caseId: string;
  /** The case's revision after the command (its last event's). */
  readonly revision: number;
  /** The command id was seen before: this is the first answer again, and nothing new was written. */
  readonly replayed: boolean;
  readonly events: ReadonlyArray<{ readonly id: string; readonly type: string; readonly revision: number; readonly hash: string }>;
  /** The id the command minted (a referral's, an investigation's, evidence's), by the field it is answered in. */
  readonly minted?: { readonly field: string; readonly id: string };
}

/** A command on a case as an agency sent it, over HTTP or on its Kafka command topic. */
export class RunCaseCommand extends Command<CaseCommandAnswer> {
  constructor(
    readonly name: CaseCommandName,
    /** The case; for open-case, the id derived from the agency and the command id. */
    readonly caseId: string,
    /** The ids the command names besides the case (a referral, evidence, an agency). */
    readonly params: Partial<Record<CommandParam, string>>,
    /** The body validated into its DTO. */
    readonly body: object,
    /** The body exactly as sent (parsed JSON), which the fingerprint is of. */
    readonly sent: unknown,
    readonly agency: Agency,
    /** Who, which command id and correlation, the expected revision; a transport's earlier fingerprint of the same request, if any. */
    readonly context: Omit<CommandContext, 'fingerprint' | 'agencyId'>,
  ) {
    super();
  }
}

/**
 * The one fingerprint of a command, whichever way it was sent: a command id used again is answered with the
 * first answer only when this is the same. It covers what the sender chose (the command, the case it named,
 * the other ids and the body as sent), so a command sent on Kafka and retried over HTTP is the same command.
 * An opened case's id is derived, not sent, so it is not part of it.
 */
export function commandFingerprint(name: CaseCommandName, caseId: string, params: Partial<Record<CommandParam, string>>, sent: unknown): string {
  // No body and an empty one are the same command (an accepted referral: HTTP sends none, Kafka may send {}).
  return fingerprintOf(name, caseId, params, sent === undefined || sent === null ? {} : sent);
}

/**
 * The fingerprint Kafka commands were recorded with before commandFingerprint: the body as sent, left out when
 * there was none. A retry of one of those is still the same command.
 */
function formerKafkaFingerprint(name: CaseCommandName, caseId: string, params: Partial<Record<CommandParam, string>>, sent: unknown): string {
  return fingerprintOf(name, caseId, params, sent);
}

function fingerprintOf(name: CaseCommandName, caseId: string, params: Partial<Record<CommandParam, string>>, body: unknown): string {
  return sha256Hex(canonicalJson({ type: name, caseId: name === 'open-case' ? null : caseId, params, body }));
}

/** Runs every command on a case: maps what was sent to the decider's command, then the one command path. */
@CommandHandler(RunCaseCommand)
export class RunCaseCommandHandler implements ICommandHandler<RunCaseCommand, CaseCommandAnswer> {
  constructor(
    private readonly cases: CaseService,
    private readonly registry: AgencyRegistry,
  ) {}

  async execute({ name, caseId, params, body, sent, agency, context }: RunCaseCommand): Promise<CaseCommandAnswer> {
    const command = caseCommand(name, { caseId, agency, body, params, at: this.cases.now() }, this.registry);
    const fingerprint = commandFingerprint(name, caseId, params, sent);
    // Computed only for a command id seen before (the command path asks).
    const former = () => [...(context.formerFingerprints?.() ?? []), formerKafkaFingerprint(name, caseId, params, sent)].filter((f) => f !== fingerprint);
    const outcome = await this.cases.execute(command, { ...context, agencyId: agency.id, fingerprint, formerFingerprints: former });
    const mints = caseCommandRoute(name).mints;
    const minted = mints && outcome.events.find((e) => e.type === mints.event)?.data[mints.field];
    return {
      caseId,
      revision: outcome.revision,
      replayed: outcome.replayed,
      events: outcome.events.map((e) => ({ id: e.id, type: e.type, revision: e.revision, hash: e.hash })),
      ...(mints && typeof minted === 'string' ? { minted: { field: mints.field, id: minted } } : {}),
    };
  }
}
