import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, NotFoundException, Optional } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, SamverkanError } from '@samverkan/common';
import { KnownRoutes } from './http-edge';

const STATUS: Readonly<Record<ErrorCode, number>> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'precondition-failed': 412,
  invariant: 422,
  unavailable: 503,
};

const TITLE: Readonly<Record<ErrorCode, string>> = {
  validation: 'The request is not valid',
  unauthenticated: 'Authentication is required',
  forbidden: 'Your agency may not do this',
  'not-found': 'Not found',
  conflict: 'The request conflicts with the current state',
  'precondition-failed': 'The resource is not at the revision you expected',
  invariant: 'A rule of the case forbids this',
  unavailable: 'The service cannot do this now',
};

/** An RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  rule?: string;
  [fact: string]: unknown;
}

/**
 * The problem document of one of our errors: its code decides the status, its rule the type, and its facts
 * become members. Used by the HTTP filter and by every other way in (the Kafka command results).
 */
export function problemOf(error: SamverkanError, instance: string): Problem {
  // The facts come first, so that none of them can stand in for a member the problem format defines.
  return {
    ...error.details,
    type: `urn:samverkan:problem:${error.rule ?? error.code}`,
    title: TITLE[error.code],
    status: STATUS[error.code],
    detail: error.message,
    instance,
    ...(error.rule ? { rule: error.rule } : {}),
  };
}

/** Maps every error to an RFC 9457 problem response: the one place errors become HTTP. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  constructor(@Optional() private readonly routes?: KnownRoutes) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const instance = request.url.slice(0, 200);
    const allowed = error instanceof NotFoundException ? (this.routes?.methodsOf(request.url) ?? []) : [];
    const problem =
      allowed.length > 0
        ? { type: 'about:blank', title: 'Method not allowed', status: 405, detail: `${request.method} is not taken here; ${allowed.join(', ')} is`, instance }
        : this.toProblem(error, instance);
    if (allowed.length > 0) reply.header('Allow', allowed.join(', '));
    if (problem.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="samverkan"');
    reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
  }

  private toProblem(error: unknown, instance: string): Problem {
    if (error instanceof SamverkanError) return problemOf(error, instance);
    if (error instanceof HttpException) {
      const status = error.getStatus();
      return { type: 'about:blank', title: error.message, status, detail: error.message, instance };
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own refusals: a body that is not JSON, a wrong content type, a body too large.
      return { type: 'about:blank', title: 'The request is not valid', status, detail: (error as Error).message, instance };
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return { type: 'about:blank', title: 'Internal error', status: 500, detail: 'the service failed; nothing was written', instance };
  }
}
