import { randomUUID } from 'node:crypto';
import { LoggerService } from '@nestjs/common';
import { FastifyInstance, FastifyRequest } from 'fastify';
import pino, { DestinationStream, Logger } from 'pino';
import { AuthenticatedRequest } from '../auth/request-authentication';

/**
 * The service's log as JSON lines (pino): one line per request and one per thing the service says, each with
 * the time, level and what it is about. What a log line never holds: a token or other header value, a body, a
 * query string, a case's or person's id, an officer's id. A request is named by its route (`/cases/:id`), the
 * agency that made it, and two ids an operator follows it by: the request id (`X-Request-Id`, made here unless a
 * proxy in front gave one) and the correlation id (`X-Correlation-Id`, the caller's own for a chain of requests,
 * else the request id); both are answered back in the same headers.
 */
export function jsonLog(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    { level, base: { service: 'samverkan' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    destination,
  );
}

/** An id given in a header, if it is one: 1 to 128 letters, digits and `._:-`. */
const ID = /^[\w.:-]{1,128}$/;

export function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && ID.test(given) ? given : randomUUID();
}

declare module 'fastify' {
  interface FastifyRequest {
    correlationId?: string;
  }
}

/** The request and correlation ids on every request, answered back, and the line each request leaves in `log`. */
export function logRequests(fastify: FastifyInstance, log: Logger | undefined): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const given = request.headers['x-correlation-id'];
    request.correlationId = typeof given === 'string' && ID.test(given) ? given : request.id;
    void reply.header('x-request-id', request.id).header('x-correlation-id', request.correlationId);
  });
  if (!log) return;
  fastify.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    log[status >= 500 ? 'error' : 'info'](
      {
        requestId: request.id,
        correlationId: request.correlationId,
        method: request.method,
        route: routeOf(request),
        status,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        agency: (request as AuthenticatedRequest).caller?.agency.id,
      },
      'request',
    );
  });
}

/** The route a request matched, as declared (`/cases/:id`): never the ids in its path. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'no route';
}

/** Nest's logger written to the JSON log: a line's context (the class that speaks) is a field of its own. */
export class JsonLogger implements LoggerService {
  constructor(private readonly out: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    // Nest passes the context last, and for errors a stack before it.
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = rest.find((r): r is string => typeof r === 'string' && r.includes('\n    at '));
    if (message instanceof Error) this.out[level]({ context, err: message }, message.message);
    else this.out[level]({ context, ...(stack ? { stack } : {}) }, String(message));
  }
}
