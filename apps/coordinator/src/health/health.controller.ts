import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { Public } from '../auth/auth.guard';
import { AuthenticatedRequest } from '../auth/request-authentication';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import { Followers } from '../followers/follower-status';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ledger: LedgerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly followers: Followers,
  ) {}

  @Get()
  @Public()
  @ApiOperation({
    summary:
      'Whether the service can read its event store, whether the ledger is sealing, and which roles this process is active in; ' +
      'with an agency token, also how far the ledger has sealed and signed (nothing about the data is told to a caller without one)',
  })
  async health(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply) {
    for await (const _ of this.store.readAll({ maxCount: 1 })) break;
    const { roles } = await this.followers.status({ lags: false });
    const halted = this.ledger.halted;
    if (halted) res.status(503);
    return {
      status: halted ? 'ledger-halted' : 'ok',
      ...(request.caller
        ? {
            ledger: {
              size: await this.ledger.reader.size(),
              checkpoint: (await this.ledger.reader.latestCheckpoint())?.size ?? 0,
              ...(halted ? { halted } : {}),
            },
          }
        : {}),
      // api runs in every process that has it; relay, ledger and projector in one at a time (standby elsewhere)
      roles: { api: this.config.roles.has('api') ? 'active' : 'off', projector: roles.projector, ledger: roles.ledger, relay: roles.relay },
    };
  }
}
