import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { ValidationError } from '@samverkan/common';
import { CommandContext } from '@samverkan/eventstore';
import { canonicalJson, sha256Hex } from '@samverkan/sealing';
import { Caller } from '../auth/agency-authenticator';

type Headers = Record<string, string | string[] | undefined>;

/**
 * The command's context from the request: the caller, `Idempotency-Key` (the command id; a retry with the
 * same key is answered with the first answer) and `If-Match: "<revision>"`.
 */
export function commandContext(caller: Caller, headers: Headers): CommandContext & { commandIdGiven: boolean } {
  const key = idempotencyKey(headers);
  return {
    agencyId: caller.agency.id,
    actorId: caller.actorId,
    commandId: key ?? uuidv7(),
    commandIdGiven: key !== undefined,
    correlationId: correlationId(headers),
    expectedRevision: ifMatch(headers),
  };
}

/** What an id sent from outside may be (a command id, a correlation id): sealed into the record as it is. */
export const VISIBLE_ASCII_ID = /^[\x21-\x7e]{1,200}$/;

export function idempotencyKey(headers: Headers): string | undefined {
  const key = single(headers, 'idempotency-key');
  if (key === undefined) return undefined;
  if (!VISIBLE_ASCII_ID.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 200 visible ASCII characters', { rule: 'invalid-idempotency-key' });
  }
  return key;
}

function correlationId(headers: Headers): string | undefined {
  const id = single(headers, 'x-correlation-id');
  if (id !== undefined && !VISIBLE_ASCII_ID.test(id)) {
    throw new ValidationError('X-Correlation-Id must be 1 to 200 visible ASCII characters', { rule: 'invalid-correlation-id' });
  }
  return id;
}

function ifMatch(headers: Headers): number | undefined {
  const value = single(headers, 'if-match');
  if (value === undefined) return undefined;
  const revision = /^(?:W\/)?"(-1|\d{1,15})"$/.exec(value.trim())?.[1];
  if (revision === undefined) {
    throw new ValidationError(`If-Match must be a revision in quotes, like "3"; got ${value}`, { rule: 'invalid-if-match' });
  }
  return Number(revision);
}

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new ValidationError(`send the ${name} header once`, { rule: 'repeated-header' });
  return value;
}

/** The verified caller, the command context its request headers give, and the body as sent. */
export interface CommandRequest {
  readonly caller: Caller;
  readonly context: CommandContext & { commandIdGiven: boolean };
  /**
   * The fingerprint of the method, the URL and the body, computed when first asked: a person command's own
   * (`fingerprinted`); for a case command, whose own is `commandFingerprint`, the one it was recorded with
   * before that, asked only when its command id was seen before.
   */
  readonly fingerprint: () => string;
  readonly sent: unknown;
}

/** The request's context with its fingerprint: for the commands fingerprinted by their HTTP request (a person's). */
export function fingerprinted({ context, fingerprint }: CommandRequest): CommandContext & { commandIdGiven: boolean } {
  return { ...context, fingerprint: fingerprint() };
}

const commandRequest = createParamDecorator((_: unknown, execution: ExecutionContext): CommandRequest => {
  const request = execution.switchToHttp().getRequest<FastifyRequest & { caller?: Caller }>();
  if (!request.caller) throw new Error('FromAgency used on a public route');
  const context = commandContext(request.caller, request.headers);
  let computed: string | undefined;
  const fingerprint = () => (computed ??= sha256Hex(canonicalJson({ method: request.method, url: request.url, body: request.body ?? null })));
  return { caller: request.caller, context, fingerprint, sent: request.body ?? null };
});

/** The headers every command route reads (commandContext), as the OpenAPI document states them. */
const COMMAND_HEADERS = [
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', pattern: VISIBLE_ASCII_ID.source },
    description: 'The command id: a retry with the same key gets the first answer',
  }),
  ApiHeader({
    name: 'If-Match',
    required: false,
    schema: { type: 'string', pattern: '^(W/)?"(-1|[0-9]{1,15})"$' },
    description: 'The revision the case (or person record) must be at, in quotes: "3"; refused with 412 otherwise',
  }),
  ApiHeader({
    name: 'X-Correlation-Id',
    required: false,
    schema: { type: 'string', pattern: VISIBLE_ASCII_ID.source },
    description: "The agency system's id for a chain of requests, kept with the events recorded",
  }),
];

/**
 * Parameter decorator: the caller and command context of an authenticated request. The route it is used on
 * is a command route, so the OpenAPI document gets that route's headers from here, and from nowhere else.
 */
export const FromAgency = (): ParameterDecorator => (target, key, index) => {
  commandRequest()(target, key!, index);
  const descriptor = Object.getOwnPropertyDescriptor(target, key!)!;
  for (const header of COMMAND_HEADERS) header(target, key!, descriptor);
};
