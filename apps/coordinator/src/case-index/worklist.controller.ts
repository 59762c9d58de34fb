import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ForbiddenError } from '@samverkan/common';
import { AccessLog, readerOf } from '../access-log/access-log';
import { CONTENT_ACCESS, OperationalKind, VIEW_ACCESS } from '../cases/case.access';
import { toldOfCase } from '../cases/case.disclosure';
import { CaseService } from '../cases/case.service';
import { AgencyRegistry } from '../agencies/agency-registry';
import { Caller } from '../auth/agency-authenticator';
import { CurrentCaller } from '../auth/auth.guard';
import { CaseIndex } from './case-index';
import { FeedQuery } from './worklist.dto';

@ApiTags('agencies')
@ApiBearerAuth()
@Controller('agencies')
export class WorklistController {
  constructor(
    private readonly index: CaseIndex,
    private readonly registry: AgencyRegistry,
    private readonly accessLog: AccessLog,
    private readonly cases: CaseService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The registered agencies' })
  agencies() {
    return this.registry.all().map(({ id, kind, municipality, name }) => ({ id, kind, municipality, name }));
  }

  @Get('municipalities')
  @ApiOperation({
    summary: 'The municipalities a case may belong to, each with its region, its social services and the coordinator its unanswered referrals are escalated to',
  })
  municipalities() {
    return this.registry.municipalities().map(({ id, code, name, region }) => {
      const { socialServices, coordinator } = this.registry.servicesOf(id);
      return { id, code, name, region, socialServices: socialServices.id, coordinator: coordinator.id };
    });
  }

  @Get('me')
  @ApiOperation({ summary: 'Your agency, as the token identifies it' })
  me(@CurrentCaller() caller: Caller) {
    const { id, kind, municipality, name } = caller.agency;
    return { id, kind, municipality, name, actorId: caller.actorId };
  }

  @Get('me/feed')
  @ApiOperation({ summary: 'The events of cases your agency may see, in log order, as the access table shows them to you; poll with ?after=<cursor>' })
  async feed(@Query() query: FeedQuery, @CurrentCaller() caller: Caller) {
    await this.refuseAuditors(caller, 'feed');
    const limit = query.limit ?? 100;
    const events = await this.index.feedOf(caller.agency.id, Number(query.after ?? 0), limit);
    // Each case the page shows is a read of that case, on record before the page is answered.
    const revisions = new Map<string, number[]>();
    for (const { caseId, revision } of events) revisions.set(caseId, [...(revisions.get(caseId) ?? []), revision]);
    const reader = readerOf(caller);
    await this.accessLog.record(
      ...[...revisions].map(([caseId, shown]) => ({
        reader,
        view: 'feed' as const,
        caseId,
        caseExists: true,
        standing: null,
        outcome: 'redacted' as const,
        revisions: shown,
      })),
    );
    return { agencyId: caller.agency.id, events, next: events.length > 0 ? events[events.length - 1].cursor : (query.after ?? '0') };
  }

  @Get('me/worklist')
  @ApiOperation({ summary: 'Referrals awaiting your answer, unanswered referrals escalated to you, and the cases your agency is on' })
  async worklist(@CurrentCaller() caller: Caller) {
    await this.refuseAuditors(caller, 'worklist');
    const [referralsAwaitingAnswer, escalatedReferrals, cases] = await Promise.all([
      this.index.referralsAwaiting(caller.agency.id).then((items) => this.toldOf(caller, items)),
      this.index.referralsEscalatedTo(caller.agency.id).then((items) => this.toldOf(caller, items)),
      this.index.casesOf(caller.agency.id).then((items) => this.toldOf(caller, items)),
    ]);
    // The worklist is a read of the cases it names: one entry with them all, on record before it is answered.
    const caseIds = [...new Set([...referralsAwaitingAnswer, ...escalatedReferrals, ...cases].map((c) => c.caseId))];
    await this.accessLog.record({ reader: readerOf(caller), view: 'worklist', caseId: null, caseExists: false, standing: null, outcome: 'redacted', caseIds });
    const reveal = (referrals: typeof referralsAwaitingAnswer) => Promise.all(referrals.map((r) => this.cases.revealed(r, r.caseId)));
    return {
      agencyId: caller.agency.id,
      referralsAwaitingAnswer: await reveal(referralsAwaitingAnswer),
      escalatedReferrals: await reveal(escalatedReferrals),
      cases,
    };
  }

  /**
   * The entries of cases the caller may be told of now: all of them for an agency told on its mandate; for one
   * told only on the person's consent (an NGO), those where the consent is in force.
   */
  private async toldOf<T extends { caseId: string }>(caller: Caller, items: T[]): Promise<T[]> {
    if (CONTENT_ACCESS.case.grants[caller.agency.kind as OperationalKind]?.some((g) => g.basis === 'mandate')) return items;
    const told = await Promise.all(items.map(async (item) => toldOfCase(caller.agency.kind, await this.cases.state(item.caseId)).allowed));
    return items.filter((_, i) => told[i]);
  }

  /** Auditors are on no team: the access table refuses them a feed and a worklist, and the refusal is on record. */
  private async refuseAuditors(caller: Caller, view: 'feed' | 'worklist'): Promise<void> {
    if (caller.agency.kind !== 'auditor') return;
    const { why } = VIEW_ACCESS[view].auditor;
    await this.accessLog.record({ reader: readerOf(caller), view, caseId: null, caseExists: false, standing: 'auditor', outcome: 'refused' });
    throw new ForbiddenError(`${caller.agency.id} has no ${view}: ${why}`, { rule: 'view-refused', details: { view, standing: 'auditor' } });
  }
}
