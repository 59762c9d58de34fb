import { createServer } from 'node:http';
import { requestId } from '../observability/logging';
import { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { parseUntrustedJson } from '@samverkan/common';
import { AppConfig } from '../config/app-config';

/** The longest body any command takes, with room to spare: a bigger one is refused before it is read whole. */
export const BODY_LIMIT = 256 * 1024;

/**
 * The options of the HTTP server itself: its own limits, which hold before a request reaches any code of
 * ours. A request must arrive whole within the request timeout, its headers within the headers timeout; a
 * path segment may be long enough to reach our own checks (which answer with a problem document after
 * authentication) but not unbounded; the router's own refusals are problem documents too.
 */
export function serverOptions(config: Pick<AppConfig, 'requestTimeoutMs' | 'trustedProxies'>): FastifyServerOptions {
  return {
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    bodyLimit: BODY_LIMIT,
    // Node checks these timeouts every connectionsCheckingInterval (30 s unless told), so the server is made
    // here: a request not whole within the timeout is answered 408 within a second of it.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: Math.min(config.requestTimeoutMs || 60_000, 60_000),
          connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs || 1000),
        },
        handler,
      ),
    routerOptions: { maxParamLength: 1000 },
    // The request id a proxy in front gave (X-Request-Id), or a new one: logs and answers carry it.
    genReqId: (request) => requestId(request),
    frameworkErrors: (error, request, reply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      void sendProblem(reply, status, status === 414 ? 'a path segment is longer than 1000 characters' : error.message, request.url);
    },
  };
}

/**
 * What the Fastify instance needs before routes are registered: the only body type taken is JSON, parsed
 * with the limits of parseUntrustedJson (nothing else, no text/plain, no forms); and every route is remembered, so that a method a path does not take is answered
 * with 405 and the methods it does take.
 */
export function hardenHttp(fastify: FastifyInstance, routes: KnownRoutes): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parseUntrustedJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.add(method, route.url);
  });
}

/** The routes the service has, to tell a path it does not know (404) from a method a path does not take (405). */
export class KnownRoutes {
  private readonly routes: Array<{ method: string; pattern: RegExp }> = [];

  add(method: string, url: string): void {
    const pattern = url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${pattern}/?$`) });
  }

  /** The methods some route takes on this path; empty when no route has it. */
  methodsOf(url: string): string[] {
    const path = url.split('?')[0]!;
    return [...new Set(this.routes.filter((route) => route.pattern.test(path)).map((route) => route.method))].sort();
  }
}

function sendProblem(reply: FastifyReply, status: number, detail: string, instance: string): FastifyReply {
  return reply
    .code(status)
    .header('Content-Type', 'application/problem+json')
    .send({ type: 'about:blank', title: 'The request is not valid', status, detail, instance: instance.slice(0, 200) });
}
