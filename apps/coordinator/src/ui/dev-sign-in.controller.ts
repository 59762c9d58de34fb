import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError } from '@samverkan/common';
import { AgencyRegistry } from '../agencies/agency-registry';
import { signDevToken } from '../auth/dev-keys';
import { Public } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { fromThisMachine } from '../http/this-machine';
import { DevSignInDto } from './dev-sign-in.dto';

/** How long a development sign-in lasts: a working session's length, not a service's. */
const LIFETIME_SECONDS = 900;

/**
 * Signing in to the pages on a development service (`SAMVERKAN_DEV_KEYS`, on by default only on the embedded
 * store): pick an agency and an officer and get a token signed with that agency's development key, as
 * `npm run token` gives one. Only from this machine (a request from any other address is refused), and not at all
 * where development keys are off: there the agency's own system gives its people their tokens.
 */
@ApiTags('pages')
@Controller('dev/sign-in')
export class DevSignInController {
  constructor(
    private readonly registry: AgencyRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Development services only, from this machine: the agencies one may sign in to the pages as' })
  agencies(@Req() request: FastifyRequest) {
    this.refuseUnlessDevelopment(request);
    return { agencies: this.registry.all().map(({ id, kind, name }) => ({ id, kind, name })), lifetimeSeconds: LIFETIME_SECONDS };
  }

  @Post()
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: "Development services only, from this machine: a token for an agency's officer, signed with the agency's development key" })
  async signIn(@Req() request: FastifyRequest, @Body() body: DevSignInDto) {
    this.refuseUnlessDevelopment(request);
    if (!this.registry.get(body.agencyId)) {
      throw new NotFoundError(`${body.agencyId} is not a listed agency`, { rule: 'unknown-agency' });
    }
    const token = await signDevToken(this.config.dataDir, body.agencyId, body.actorId, LIFETIME_SECONDS);
    return { token, expiresAt: new Date(Date.now() + LIFETIME_SECONDS * 1000).toISOString() };
  }

  private refuseUnlessDevelopment(request: FastifyRequest): void {
    if (!this.config.devKeys) throw new NotFoundError('no development sign-in: this service takes the tokens its agencies sign', { rule: 'no-dev-sign-in' });
    if (!fromThisMachine(request)) {
      throw new ForbiddenError('development sign-in is only for this machine', { rule: 'dev-sign-in-from-afar' });
    }
  }
}
