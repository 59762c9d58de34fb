import { IsDefined, IsInt, IsObject, IsString, Matches, MaxLength, Min } from 'class-validator';
import { parseUntrustedJson, SamverkanError } from '@samverkan/common';
import { IncomingMessage } from '@samverkan/messaging';
import { ACTOR_ID_RULE, isPseudonymousActorId } from '../auth/actor-id';
import { VISIBLE_ASCII_ID } from '../http/command-headers';
import { Optional, validationPipe } from '../http/validation';
import { CASE_COMMAND_NAMES, CaseCommandName, caseCommandRoute, COMMAND_PARAMS, CommandParam, isCaseCommandName } from '../cases/case-commands';

export const ACTOR_HEADER = 'samverkan-actor';
export const CORRELATION_HEADER = 'samverkan-correlation-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a message was sent to the dead-letter topic instead of being executed (its `dlq-reason` header). */
export const POISON_REASONS = [
  'invalid-json',
  'invalid-message',
  'unknown-command-type',
  'invalid-body',
  'missing-actor',
  'missing-case-id',
  'handling-failed',
] as const;
export type PoisonReason = (typeof POISON_REASONS)[number];

/** A message that can never be executed as it is: it goes to the dead-letter topic, never back to the agency's queue. */
export class PoisonMessage extends Error {
  constructor(
    readonly reason: PoisonReason,
    message: string,
  ) {
    super(message);
    this.name = 'PoisonMessage';
  }
}

/** The value of a command message: the HTTP API's body, with the command id and what the path would name. */
export class CommandMessageDto {
  @Matches(VISIBLE_ASCII_ID, { message: 'commandId must be 1 to 200 visible ASCII characters' }) commandId!: string;
  @IsString() type!: string;
  @Optional() @Matches(UUID, { message: 'caseId must be a UUID' }) caseId?: string;
  @Optional() @IsString() @MaxLength(200) referralId?: string;
  @Optional() @IsString() @MaxLength(200) investigationId?: string;
  @Optional() @IsString() @MaxLength(200) evidenceId?: string;
  @Optional() @IsString() @MaxLength(200) agencyId?: string;
  /** Like HTTP If-Match: the revision the sender expects the case to be at. */
  @Optional() @IsInt() @Min(-1) expectedRevision?: number;
  @IsDefined() @IsObject() body!: Record<string, unknown>;
}

/** A command message, parsed and validated: ready to become a case command. */
export interface CommandMessage {
  readonly commandId: string;
  readonly name: CaseCommandName;
  /** Undefined for open-case, whose id is derived from the agency and the command id. */
  readonly caseId: string | undefined;
  readonly params: Partial<Record<CommandParam, string>>;
  /** An instance of the route's DTO. */
  readonly body: object;
  readonly actorId: string;
  readonly correlationId: string | undefined;
  readonly expectedRevision: number | undefined;
  /** The body exactly as sent, which the command's fingerprint is of (commandFingerprint). */
  readonly sent: unknown;
}

const envelopePipe = validationPipe();
const bodyPipe = validationPipe();

/**
 * Parses and validates one message of an agency's command topic with the HTTP API's own validation pipe
 * and DTO classes; anything that can never be executed is a PoisonMessage saying why.
 */
export async function parseCommandMessage(message: Pick<IncomingMessage, 'key' | 'value' | 'headers'>): Promise<CommandMessage> {
  const actorId = header(message.headers, ACTOR_HEADER);
  if (!isPseudonymousActorId(actorId)) {
    throw new PoisonMessage('missing-actor', `the ${ACTOR_HEADER} header must name the acting officer once, as ${ACTOR_ID_RULE}`);
  }
  const correlationId = header(message.headers, CORRELATION_HEADER);
  if (correlationId !== undefined && !VISIBLE_ASCII_ID.test(correlationId)) {
    throw new PoisonMessage('invalid-message', `the ${CORRELATION_HEADER} header must be 1 to 200 visible ASCII characters`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = parseUntrustedJson(message.value?.toString('utf8') ?? '');
  } catch (error) {
    // The same limits as an HTTP body: depth, duplicate and prototype keys, forbidden characters.
    throw new PoisonMessage('invalid-json', `the value is not a command: ${(error as Error).message}`);
  }
  if (!isCaseCommandName(raw.type)) {
    throw new PoisonMessage('unknown-command-type', `type must be one of ${CASE_COMMAND_NAMES.join(', ')}; got ${String(raw.type).slice(0, 80)}`);
  }
  const name = raw.type;
  const envelope = await validated<CommandMessageDto>(envelopePipe, CommandMessageDto, { body: {}, ...raw }, 'invalid-message');
  const route = caseCommandRoute(name);
  const body = await validated<object>(bodyPipe, route.body, envelope.body, 'invalid-body');

  const params: Partial<Record<CommandParam, string>> = {};
  for (const param of COMMAND_PARAMS) {
    const value = envelope[param];
    if (value === undefined) continue;
    if (!route.params.includes(param)) throw new PoisonMessage('invalid-message', `${name} takes no ${param}`);
    params[param] = value;
  }
  const missing = route.params.filter((param) => params[param] === undefined);
  if (missing.length > 0) throw new PoisonMessage('invalid-message', `${name} needs ${missing.join(' and ')}`);

  const caseId = caseIdOf(name, envelope.caseId, message.key);
  return {
    commandId: envelope.commandId,
    name,
    caseId,
    params,
    body,
    actorId,
    correlationId,
    expectedRevision: envelope.expectedRevision,
    sent: envelope.body,
  };
}

function caseIdOf(name: CaseCommandName, inValue: string | undefined, key: Buffer | null): string | undefined {
  if (name === 'open-case') {
    if (inValue !== undefined)
      throw new PoisonMessage('invalid-message', 'open-case takes no caseId: the case id is derived from the agency and the command id');
    return undefined;
  }
  const fromKey = key && key.length > 0 ? key.toString('utf8') : undefined;
  const caseId = inValue ?? fromKey;
  if (caseId === undefined) throw new PoisonMessage('missing-case-id', `${name} needs the case id, as the message key or caseId`);
  if (!UUID.test(caseId)) throw new PoisonMessage('missing-case-id', `${caseId.slice(0, 80)} is not a case id: a case id is a UUID`);
  if (inValue !== undefined && fromKey !== undefined && inValue.toLowerCase() !== fromKey.toLowerCase()) {
    throw new PoisonMessage('invalid-message', `the message key ${fromKey.slice(0, 80)} and caseId ${inValue} name different cases`);
  }
  return caseId.toLowerCase();
}

async function validated<T>(pipe: ReturnType<typeof validationPipe>, metatype: new () => object, value: unknown, reason: PoisonReason): Promise<T> {
  try {
    return (await pipe.transform(value, { type: 'body', metatype })) as T;
  } catch (error) {
    if (error instanceof SamverkanError) throw new PoisonMessage(reason, error.message);
    throw error;
  }
}

function header(headers: IncomingMessage['headers'], name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || Array.isArray(value)) return undefined;
  return value.toString();
}
