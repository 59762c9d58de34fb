import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { Public } from '../auth/auth.guard';
import { LedgerService } from '../ledger/ledger.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ledger: LedgerService,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Whether the service can read its event store, and whether the ledger is sealing' })
  async health(@Res({ passthrough: true }) res: FastifyReply) {
    for await (const _ of this.store.readAll({ maxCount: 1 })) break;
    const halted = this.ledger.halted;
    if (halted) res.status(503);
    return {
      status: halted ? 'ledger-halted' : 'ok',
      ledger: { size: this.ledger.size, checkpoint: this.ledger.latestCheckpoint()?.size ?? 0, ...(halted ? { halted } : {}) },
    };
  }
}
