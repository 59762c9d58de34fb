import rateLimit from '@fastify/rate-limit';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { AgencyAuthenticator, Caller } from './agency-authenticator';

/** A request once its bearer token, if it sent one, has been checked. */
export type AuthenticatedRequest = FastifyRequest & { caller?: Caller; authFailure?: unknown };

/**
 * Every request's token is checked as it arrives, before its body is read, and the request is counted
 * against a rate limit: an agency's own when its token is valid, the sending address's otherwise. Failed
 * logins therefore spend the address's small allowance and are answered 429 with Retry-After once it is
 * spent, while a busy agency system is held to its agency's larger one. The AuthGuard later decides whether
 * the route needs the caller at all.
 */
export async function authenticateAndLimit(
  app: NestFastifyApplication,
  authenticator: AgencyAuthenticator,
  config: Pick<AppConfig, 'rateLimitPerAgency' | 'rateLimitPerAddress'>,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request: AuthenticatedRequest) => {
    if (request.headers.authorization === undefined) return;
    try {
      request.caller = await authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      request.authFailure = error;
    }
  });
  const limits = { agency: config.rateLimitPerAgency, address: config.rateLimitPerAddress };
  if (limits.agency === 0 && limits.address === 0) return;
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    keyGenerator: (request: AuthenticatedRequest) => (request.caller ? `agency:${request.caller.agency.id}` : `address:${request.ip}`),
    max: (_request, key) => (key.startsWith('agency:') ? limits.agency : limits.address) || Number.MAX_SAFE_INTEGER,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`too many requests: at most ${context.max} a minute; try again in ${context.after}`), { statusCode: 429 }),
  });
}
