import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgencyRegistry } from '../agencies/agency-registry';
import { Caller } from '../auth/agency-authenticator';
import { CurrentCaller } from '../auth/auth.guard';
import { CaseIndex } from './case-index';

@ApiTags('agencies')
@ApiBearerAuth()
@Controller('agencies')
export class WorklistController {
  constructor(
    private readonly index: CaseIndex,
    private readonly registry: AgencyRegistry,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The registered agencies' })
  agencies() {
    return this.registry.all().map(({ id, kind, city, name }) => ({ id, kind, city, name }));
  }

  @Get('me')
  @ApiOperation({ summary: 'Your agency, as the token identifies it' })
  me(@CurrentCaller() caller: Caller) {
    const { id, kind, city, name } = caller.agency;
    return { id, kind, city, name, actorId: caller.actorId };
  }

  @Get('me/worklist')
  @ApiOperation({ summary: 'Referrals awaiting your answer, unanswered referrals escalated to you, and the cases your agency is on' })
  worklist(@CurrentCaller() caller: Caller) {
    return {
      agencyId: caller.agency.id,
      referralsAwaitingAnswer: this.index.referralsAwaiting(caller.agency.id),
      escalatedReferrals: this.index.referralsEscalatedTo(caller.agency.id),
      cases: this.index.casesOf(caller.agency.id),
    };
  }
}
