import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { Caller } from '../auth/agency-authenticator';
import { CurrentCaller } from '../auth/auth.guard';
import { CaseService } from '../cases/case.service';
import { CaseIdPipe } from '../http/case-id.pipe';
import { accessStream, CaseRead, readerOf } from './access-log';
import { AccessLogQuery } from './access-log.dto';

@ApiTags('cases')
@ApiBearerAuth()
@Controller('cases')
export class AccessLogController {
  constructor(
    private readonly cases: CaseService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get(':id/access-log')
  @ApiOperation({
    summary:
      'Who read the case: every read of it, allowed or refused, oldest first, as sealed in the ledger (stream access-<case id>); ' +
      'for the lead agency and auditors. Page with ?after=<revision>',
  })
  async accessLog(@Param('id', CaseIdPipe) id: string, @Query() query: AccessLogQuery, @CurrentCaller() caller: Caller) {
    await this.cases.read(id, readerOf(caller), 'access-log');
    const limit = query.limit ?? 100;
    const stream = accessStream(id);
    const entries = [];
    for await (const { envelope } of this.store.readStream(stream, { fromRevision: (query.after ?? -1) + 1, maxCount: limit })) {
      const { data } = envelope as unknown as CaseRead;
      const { metadata } = envelope;
      entries.push({
        revision: envelope.revision,
        at: metadata.recordedAt,
        agency: metadata.agencyId,
        actor: metadata.actorId,
        ...data,
        eventId: envelope.id,
        hash: envelope.hash,
      });
    }
    const next = entries.length > 0 ? entries[entries.length - 1].revision : (query.after ?? -1);
    return { caseId: id, stream, entries, next };
  }
}
