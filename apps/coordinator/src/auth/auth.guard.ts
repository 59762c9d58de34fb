import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import { SamverkanError } from '@samverkan/common';
import { AgencyAuthenticator, Caller } from './agency-authenticator';
import { AuthenticatedRequest } from './request-authentication';

const PUBLIC = 'samverkan:public';

/** Marks a route that needs no token (health, API docs). */
/** A route any caller may use, without a token; the OpenAPI document says so (http/openapi.ts reads the mark). */
export const Public = () => applyDecorators(SetMetadata(PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));
export const PUBLIC_EXTENSION = 'x-samverkan-public';

/**
 * Every route needs a verified agency token unless marked @Public(). The token was checked as the request
 * arrived (request-authentication.ts); a refusal is counted and logged here, with the address and the rule
 * broken, never the token.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  private failures = 0;

  constructor(
    private readonly authenticator: AgencyAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.caller) return true;
    try {
      if (request.authFailure) throw request.authFailure;
      request.caller = await this.authenticator.authenticate(request.headers.authorization);
      return true;
    } catch (error) {
      this.failures++;
      const rule = error instanceof SamverkanError ? error.rule : 'error';
      this.logger.warn(`failed authentication #${this.failures} from ${request.ip}: ${rule} (${request.method} ${request.url.slice(0, 120)})`);
      throw error;
    }
  }
}

/** The verified caller of the request. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a public route');
  return caller;
});
