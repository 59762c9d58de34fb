import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { NotFoundError, ValidationError } from '@samverkan/common';
import { CommandOutcome } from '@samverkan/eventstore';
import { SealedEnvelope } from '@samverkan/sealing';
import { Issuer } from '../agencies/agency';
import { AgencyRegistry } from '../agencies/agency-registry';
import { Caller } from '../auth/agency-authenticator';
import { CurrentCaller } from '../auth/auth.guard';
import { CaseIdPipe } from '../http/case-id.pipe';
import { CommandRequest, FromAgency } from '../http/command-headers';
import {
  AddAgencyDto,
  AsOfQueryDto,
  CloseCaseDto,
  CloseInvestigationDto,
  DeclineReferralDto,
  EmptyDto,
  DecideResidencePermitDto,
  GrantReflectionPeriodDto,
  InitiateProsecutionDto,
  OpenCaseDto,
  OpenInvestigationDto,
  RecordConsentDto,
  RecordCooperationDto,
  RecordSentencingDto,
  RecordSupportDto,
  ReferCaseDto,
  RegisterEvidenceDto,
  RemoveAgencyDto,
  ReopenCaseDto,
  TransferEvidenceDto,
} from './case.dto';
import { CaseCommand, CaseState } from './case.model';
import { CaseService } from './case.service';
import { caseView, timelineEntry } from './case.views';

type Cmd<T extends CaseCommand['type']> = Omit<Extract<CaseCommand, { type: T }>, 'caseId' | 'issuer' | 'at' | 'type'>;

/** Case ids minted for an idempotent OpenCase are derived from the agency and its key, so a retry finds its case. */
const OPEN_CASE_NAMESPACE = '6f1d8a52-3c1e-4b7e-9a55-2f4d8c0b9e17';

@ApiTags('cases')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Command id: a retry with the same key gets the first answer' })
@ApiHeader({ name: 'If-Match', required: false, description: 'Expected revision of the case, as "n"' })
@Controller('cases')
export class CaseController {
  constructor(
    private readonly cases: CaseService,
    private readonly registry: AgencyRegistry,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a case; the opening agency leads it' })
  async open(@Body() body: OpenCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const { caller, context } = req;
    const caseId = context.commandIdGiven ? uuidv5(`${caller.agency.id}\n${context.commandId}`, OPEN_CASE_NAMESPACE) : uuidv7();
    return this.run(caseId, req, res, 'OpenCase', {
      subject: {
        subjectId: uuidv7(),
        category: body.subject.category,
        ageGroup: body.subject.ageGroup,
        gender: body.subject.gender ?? null,
        originRegion: body.subject.originRegion ?? null,
      },
      city: body.city ?? caller.agency.city,
      exploitation: body.exploitation ?? null,
      summary: body.summary ?? null,
    });
  }

  @Post(':id/team')
  @ApiOperation({ summary: 'Add an agency to the case team (lead or a coordinator on the team)' })
  addAgency(@Param('id', CaseIdPipe) id: string, @Body() body: AddAgencyDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'AddAgencyToCase', { agency: this.agency(body.agencyId), reason: body.reason });
  }

  @Post(':id/team/:agencyId/remove')
  @ApiOperation({ summary: 'Remove an agency from the case team (lead or a coordinator on the team)' })
  removeAgency(@Param('id', CaseIdPipe) id: string, @Param('agencyId') agencyId: string, @Body() body: RemoveAgencyDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'RemoveAgencyFromCase', { agencyId: this.agency(agencyId).agencyId, reason: body.reason });
  }

  @Post(':id/referrals')
  @ApiOperation({ summary: 'Refer the case to another agency' })
  async refer(@Param('id', CaseIdPipe) id: string, @Body() body: ReferCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const reply = await this.run(id, req, res, 'ReferCase', {
      referralId: uuidv7(),
      to: this.agency(body.toAgency),
      reason: body.reason,
      urgency: body.urgency,
      dueBy: body.dueBy === undefined ? null : new Date(body.dueBy).toISOString(),
    });
    return { ...reply, referralId: idOf(reply, 'CaseReferred', 'referralId') };
  }

  @Post(':id/referrals/:rid/accept')
  @ApiOperation({ summary: 'Accept a referral addressed to your agency; your agency joins the team' })
  accept(@Param('id', CaseIdPipe) id: string, @Param('rid') referralId: string, @Body() _: EmptyDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'AcceptReferral', { referralId });
  }

  @Post(':id/referrals/:rid/decline')
  @ApiOperation({ summary: 'Decline a referral addressed to your agency' })
  decline(@Param('id', CaseIdPipe) id: string, @Param('rid') referralId: string, @Body() body: DeclineReferralDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'DeclineReferral', { referralId, reason: body.reason });
  }

  @Post(':id/referrals/:rid/withdraw')
  @ApiOperation({ summary: 'Withdraw a referral your agency made' })
  withdraw(@Param('id', CaseIdPipe) id: string, @Param('rid') referralId: string, @Body() _: EmptyDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'WithdrawReferral', { referralId });
  }

  @Post(':id/support')
  @ApiOperation({ summary: 'Record support given to the subject' })
  support(@Param('id', CaseIdPipe) id: string, @Body() body: RecordSupportDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'RecordSupport', { supportId: uuidv7(), kind: body.kind, providedOn: body.providedOn });
  }

  @Post(':id/consent')
  @ApiOperation({ summary: "Record that the subject gave or withdrew consent for a scope" })
  consent(@Param('id', CaseIdPipe) id: string, @Body() body: RecordConsentDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'RecordConsent', { scope: body.scope, given: body.given });
  }

  @Post(':id/reflection-period')
  @ApiOperation({ summary: 'Grant a reflection period (Migration Agency)' })
  reflection(@Param('id', CaseIdPipe) id: string, @Body() body: GrantReflectionPeriodDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'GrantReflectionPeriod', { until: body.until });
  }

  @Post(':id/residence-permit')
  @ApiOperation({ summary: 'Decide on a residence permit (Migration Agency)' })
  permit(@Param('id', CaseIdPipe) id: string, @Body() body: DecideResidencePermitDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'DecideResidencePermit', { granted: body.granted, until: body.until ?? null });
  }

  @Post(':id/cooperation')
  @ApiOperation({ summary: "Record the victim's cooperation with law enforcement" })
  cooperation(@Param('id', CaseIdPipe) id: string, @Body() body: RecordCooperationDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'RecordVictimCooperation', { status: body.status });
  }

  @Post(':id/investigations')
  @ApiOperation({ summary: 'Open a preliminary investigation (police or prosecution)' })
  async openInvestigation(@Param('id', CaseIdPipe) id: string, @Body() body: OpenInvestigationDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const reply = await this.run(id, req, res, 'OpenInvestigation', { investigationId: uuidv7(), reference: body.reference });
    return { ...reply, investigationId: idOf(reply, 'InvestigationOpened', 'investigationId') };
  }

  @Post(':id/investigations/:iid/close')
  @ApiOperation({ summary: 'Close an investigation (police or prosecution)' })
  closeInvestigation(@Param('id', CaseIdPipe) id: string, @Param('iid') investigationId: string, @Body() body: CloseInvestigationDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'CloseInvestigation', { investigationId, outcome: body.outcome });
  }

  @Post(':id/prosecution')
  @ApiOperation({ summary: 'Initiate a prosecution (prosecution)' })
  prosecute(@Param('id', CaseIdPipe) id: string, @Body() body: InitiateProsecutionDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'InitiateProsecution', { charges: body.charges });
  }

  @Post(':id/sentencing')
  @ApiOperation({ summary: "Record the court's sentencing outcome (prosecution, after prosecution was initiated)" })
  sentencing(@Param('id', CaseIdPipe) id: string, @Body() body: RecordSentencingDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'RecordSentencingOutcome', {
      court: body.court,
      verdict: body.verdict,
      offences: body.offences,
      sentence: body.sentence ? { kind: body.sentence.kind, months: body.sentence.months ?? null } : null,
      appealed: body.appealed,
      decidedOn: body.decidedOn,
    });
  }

  @Post(':id/evidence')
  @ApiOperation({ summary: 'Register a piece of evidence; your agency holds it' })
  async evidence(@Param('id', CaseIdPipe) id: string, @Body() body: RegisterEvidenceDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const reply = await this.run(id, req, res, 'RegisterEvidence', { evidenceId: uuidv7(), description: body.description, contentSha256: body.contentSha256 ?? null });
    return { ...reply, evidenceId: idOf(reply, 'EvidenceRegistered', 'evidenceId') };
  }

  @Post(':id/evidence/:eid/transfer')
  @ApiOperation({ summary: 'Transfer evidence your agency holds to another team member' })
  transfer(@Param('id', CaseIdPipe) id: string, @Param('eid') evidenceId: string, @Body() body: TransferEvidenceDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'TransferEvidence', { evidenceId, toAgencyId: this.agency(body.toAgency).agencyId, reason: body.reason });
  }

  @Post(':id/close')
  @ApiOperation({ summary: 'Close the case (lead)' })
  close(@Param('id', CaseIdPipe) id: string, @Body() body: CloseCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'CloseCase', { outcome: body.outcome });
  }

  @Post(':id/reopen')
  @ApiOperation({ summary: 'Reopen a closed case (lead)' })
  reopen(@Param('id', CaseIdPipe) id: string, @Body() body: ReopenCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run(id, req, res, 'ReopenCase', { reason: body.reason });
  }

  @Get(':id')
  @ApiOperation({ summary: 'The case summary, now or as it stood at ?asOf=<time> or ?revision=<n>' })
  async summary(@Param('id', CaseIdPipe) id: string, @Query() query: AsOfQueryDto, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) res: FastifyReply) {
    const history = await this.cases.history(id, caller.agency, query);
    res.header('ETag', `"${history.revision}"`);
    return caseView(history, caller.agency.id);
  }

  @Get(':id/timeline')
  @ApiOperation({ summary: 'The case events in order, now or as of a time or revision' })
  async timeline(@Param('id', CaseIdPipe) id: string, @Query() query: AsOfQueryDto, @CurrentCaller() caller: Caller) {
    const history = await this.teamHistory(id, caller, query);
    return { caseId: id, revision: history.revision, asOf: query.asOf ?? null, events: history.events.map(timelineEntry) };
  }

  @Get(':id/verify')
  @ApiOperation({ summary: "Recompute the case's hash chain: ok, or the first broken revision" })
  async verify(@Param('id', CaseIdPipe) id: string, @CurrentCaller() caller: Caller) {
    await this.teamHistory(id, caller, {});
    const verdict = await this.cases.verify(id, caller.agency);
    return verdict.ok
      ? { caseId: id, result: 'ok', events: verdict.events, head: verdict.head }
      : { caseId: id, result: 'broken', events: verdict.events, firstBrokenRevision: verdict.firstBroken.revision, ...verdict.firstBroken };
  }

  /** History for a team member; a referral's addressee may see the summary, not the timeline. */
  private async teamHistory(id: string, caller: Caller, query: AsOfQueryDto) {
    const history = await this.cases.history(id, caller.agency, query);
    if (history.visibility === 'addressee') throw new NotFoundError(`case ${id} was not found`, { rule: 'case-not-found', details: { caseId: id } });
    return history;
  }

  private agency(agencyId: string): Issuer {
    const agency = this.registry.get(agencyId);
    if (!agency) throw new ValidationError(`${agencyId} is not a registered agency`, { rule: 'unknown-agency', details: { agencyId } });
    return { agencyId: agency.id, kind: agency.kind };
  }

  private async run<T extends CaseCommand['type']>(caseId: string, { caller, context }: CommandRequest, res: FastifyReply, type: T, fields: Cmd<T>) {
    const command = { type, caseId, issuer: { agencyId: caller.agency.id, kind: caller.agency.kind }, at: this.cases.now().toISOString(), ...fields } as unknown as CaseCommand;
    const outcome: CommandOutcome<CaseState> = await this.cases.execute(command, context);
    res.status(outcome.replayed ? 200 : 201);
    res.header('ETag', `"${outcome.revision}"`);
    const reply = { caseId, revision: outcome.revision, events: outcome.events.map((e) => ({ id: e.id, type: e.type, revision: e.revision, hash: e.hash })) };
    // The sealed events stay reachable for idOf, but are not serialised into the reply.
    Object.defineProperty(reply, SEALED, { value: outcome.events, enumerable: false });
    return reply;
  }
}

const SEALED = Symbol('sealed events');

/** The id a command minted (a referral's, an investigation's), read from the event it produced, also on a retry. */
function idOf(reply: object, type: string, field: string): string | undefined {
  const events = (reply as { [SEALED]?: SealedEnvelope[] })[SEALED] ?? [];
  return events.find((e) => e.type === type)?.data[field] as string | undefined;
}
