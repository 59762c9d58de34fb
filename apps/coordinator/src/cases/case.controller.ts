import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { verifyChain } from '@samverkan/sealing';
import { readerOf } from '../access-log/access-log';
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
  ApplyForResidencePermitDto,
  DecideResidencePermitDto,
  RecordCitizenshipDto,
  IdentifyVictimDto,
  RecordChildRepresentativeDto,
  RecordProsecutorDecisionDto,
  RecordUnaccompaniedDto,
  DecideReflectionPeriodDto,
  ExtendReflectionPeriodDto,
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
import { CaseCommandName, CommandParam, openedCaseId, routeOf } from './case-commands';
import { caseSummaryFor } from './case.disclosure';
import { commandsOpenTo } from './case.offers';
import { CaseService } from './case.service';
import { RunCaseCommand } from './run-case-command';
import { caseStream } from '@samverkan/sealing';
import { timelineEntry } from './case.views';

@ApiTags('cases')
@ApiBearerAuth()
@Controller('cases')
export class CaseController {
  constructor(
    private readonly cases: CaseService,
    private readonly registry: AgencyRegistry,
    private readonly commandBus: CommandBus,
  ) {}

  @Post(routeOf('open-case'))
  @ApiOperation({ summary: 'Open a case; the opening agency leads it' })
  open(@Body() body: OpenCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const caseId = openedCaseId(req.caller.agency.id, req.context.commandIdGiven ? req.context.commandId : undefined);
    return this.run('open-case', caseId, {}, body, req, res);
  }

  @Post(routeOf('add-agency'))
  @ApiOperation({ summary: 'Add an agency to the case team (lead or a coordinator on the team)' })
  addAgency(@Param('id', CaseIdPipe) id: string, @Body() body: AddAgencyDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run('add-agency', id, {}, body, req, res);
  }

  @Post(routeOf('remove-agency'))
  @ApiOperation({ summary: 'Remove an agency from the case team (lead or a coordinator on the team)' })
  removeAgency(
    @Param('id', CaseIdPipe) id: string,
    @Param('agencyId') agencyId: string,
    @Body() body: RemoveAgencyDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('remove-agency', id, { agencyId }, body, req, res);
  }

  @Post(routeOf('refer'))
  @ApiOperation({ summary: 'Refer the case to another agency' })
  refer(@Param('id', CaseIdPipe) id: string, @Body() body: ReferCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run('refer', id, {}, body, req, res);
  }

  @Post(routeOf('accept-referral'))
  @ApiOperation({ summary: 'Accept a referral addressed to your agency; your agency joins the team' })
  accept(
    @Param('id', CaseIdPipe) id: string,
    @Param('referralId') referralId: string,
    @Body() body: EmptyDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('accept-referral', id, { referralId }, body, req, res);
  }

  @Post(routeOf('decline-referral'))
  @ApiOperation({ summary: 'Decline a referral addressed to your agency' })
  decline(
    @Param('id', CaseIdPipe) id: string,
    @Param('referralId') referralId: string,
    @Body() body: DeclineReferralDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('decline-referral', id, { referralId }, body, req, res);
  }

  @Post(routeOf('withdraw-referral'))
  @ApiOperation({ summary: 'Withdraw a referral your agency made' })
  withdraw(
    @Param('id', CaseIdPipe) id: string,
    @Param('referralId') referralId: string,
    @Body() body: EmptyDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('withdraw-referral', id, { referralId }, body, req, res);
  }

  @Post(routeOf('record-support'))
  @ApiOperation({ summary: 'Record support given to the subject' })
  support(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordSupportDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-support', id, {}, body, req, res);
  }

  @Post(routeOf('record-consent'))
  @ApiOperation({ summary: 'Record that the subject gave or withdrew consent for a scope' })
  consent(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordConsentDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-consent', id, {}, body, req, res);
  }

  @Post(routeOf('apply-for-reflection-period'))
  @ApiOperation({ summary: 'Apply for a reflection period for the victim (the head of the preliminary investigation, or social services)' })
  applyForReflection(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: EmptyDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('apply-for-reflection-period', id, {}, body, req, res);
  }

  @Post(routeOf('decide-reflection-period'))
  @ApiOperation({ summary: 'Decide the pending application for a reflection period: granted, 30 days from the decision (Migration Agency)' })
  reflection(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: DecideReflectionPeriodDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('decide-reflection-period', id, {}, body, req, res);
  }

  @Post(routeOf('extend-reflection-period'))
  @ApiOperation({ summary: 'Extend the reflection period on request, for special reasons (Migration Agency)' })
  extendReflection(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: ExtendReflectionPeriodDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('extend-reflection-period', id, {}, body, req, res);
  }

  @Post(routeOf('record-citizenship'))
  @ApiOperation({ summary: "Record the subject's citizenship (ISO 3166-1 alpha-2, or stateless): EU/EEA and third-country nationals are told apart" })
  citizenship(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordCitizenshipDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-citizenship', id, {}, body, req, res);
  }

  @Post(routeOf('apply-for-residence-permit'))
  @ApiOperation({ summary: 'Apply for a residence permit for the victim, stating the three conditions (the head of the preliminary investigation)' })
  applyForPermit(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: ApplyForResidencePermitDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('apply-for-residence-permit', id, {}, body, req, res);
  }

  @Post(routeOf('decide-residence-permit'))
  @ApiOperation({ summary: 'Decide the pending application for a residence permit: at least six months for a third-country national (Migration Agency)' })
  permit(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: DecideResidencePermitDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('decide-residence-permit', id, {}, body, req, res);
  }

  @Post(routeOf('identify-victim'))
  @ApiOperation({ summary: 'Identify the presumed victim as a victim of trafficking, on a day' })
  identifyVictim(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: IdentifyVictimDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('identify-victim', id, {}, body, req, res);
  }

  @Post(routeOf('record-child-representative'))
  @ApiOperation({ summary: "Record a child's guardian, special representative (särskild företrädare) or god man" })
  childRepresentative(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordChildRepresentativeDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-child-representative', id, {}, body, req, res);
  }

  @Post(routeOf('record-unaccompanied'))
  @ApiOperation({ summary: 'Record whether the child is in Sweden without a parent (an unaccompanied minor)' })
  unaccompanied(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordUnaccompaniedDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-unaccompanied', id, {}, body, req, res);
  }

  @Post(routeOf('record-cooperation'))
  @ApiOperation({ summary: "Record the victim's cooperation with law enforcement" })
  cooperation(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordCooperationDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-cooperation', id, {}, body, req, res);
  }

  @Post(routeOf('open-investigation'))
  @ApiOperation({ summary: 'Open a preliminary investigation (police or prosecution)' })
  openInvestigation(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: OpenInvestigationDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('open-investigation', id, {}, body, req, res);
  }

  @Post(routeOf('close-investigation'))
  @ApiOperation({ summary: 'Close an investigation (police or prosecution)' })
  closeInvestigation(
    @Param('id', CaseIdPipe) id: string,
    @Param('investigationId') investigationId: string,
    @Body() body: CloseInvestigationDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('close-investigation', id, { investigationId }, body, req, res);
  }

  @Post(routeOf('record-prosecutor-decision'))
  @ApiOperation({ summary: 'Record a matter the prosecutor ended without a trial: a summary penalty order or a waiver of prosecution (prosecution)' })
  prosecutorDecision(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordProsecutorDecisionDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-prosecutor-decision', id, {}, body, req, res);
  }

  @Post(routeOf('initiate-prosecution'))
  @ApiOperation({ summary: 'Initiate a prosecution (prosecution)' })
  prosecute(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: InitiateProsecutionDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('initiate-prosecution', id, {}, body, req, res);
  }

  @Post(routeOf('record-sentencing'))
  @ApiOperation({ summary: "Record the court's sentencing outcome (prosecution, after prosecution was initiated)" })
  sentencing(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RecordSentencingDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('record-sentencing', id, {}, body, req, res);
  }

  @Post(routeOf('register-evidence'))
  @ApiOperation({ summary: 'Register a piece of evidence; your agency holds it' })
  evidence(
    @Param('id', CaseIdPipe) id: string,
    @Body() body: RegisterEvidenceDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('register-evidence', id, {}, body, req, res);
  }

  @Post(routeOf('transfer-evidence'))
  @ApiOperation({ summary: 'Transfer evidence your agency holds to another team member' })
  transfer(
    @Param('id', CaseIdPipe) id: string,
    @Param('evidenceId') evidenceId: string,
    @Body() body: TransferEvidenceDto,
    @FromAgency() req: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.run('transfer-evidence', id, { evidenceId }, body, req, res);
  }

  @Post(routeOf('close-case'))
  @ApiOperation({ summary: 'Close the case (lead)' })
  close(@Param('id', CaseIdPipe) id: string, @Body() body: CloseCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run('close-case', id, {}, body, req, res);
  }

  @Post(routeOf('reopen-case'))
  @ApiOperation({ summary: 'Reopen a closed case (lead)' })
  reopen(@Param('id', CaseIdPipe) id: string, @Body() body: ReopenCaseDto, @FromAgency() req: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    return this.run('reopen-case', id, {}, body, req, res);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The case summary as your agency may see it, now or as it stood at ?asOf=<time> or ?revision=<n>' })
  async summary(
    @Param('id', CaseIdPipe) id: string,
    @Query() query: AsOfQueryDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const reader = readerOf(caller);
    const read = await this.cases.read(id, reader, 'summary', query);
    res.header('ETag', `"${read.revision}"`);
    const summary = caseSummaryFor(read.state, read.revision, reader);
    return query.text === 'encrypted' ? summary : this.cases.revealed(summary, id);
  }

  @Get(':id/timeline')
  @ApiOperation({
    summary:
      "The case events your agency may see, in order, now or as of a time or revision; `revision` is the case's last at that point. " +
      'Free text in clear, or as stored (?text=encrypted); where the subject was erased it reads {"erased": true}',
  })
  async timeline(@Param('id', CaseIdPipe) id: string, @Query() query: AsOfQueryDto, @CurrentCaller() caller: Caller) {
    const read = await this.cases.read(id, readerOf(caller), 'timeline', query);
    const shown = read.events.flatMap(({ envelope, disclosed }) => (disclosed ? [timelineEntry(envelope, disclosed)] : []));
    const events = query.text === 'encrypted' ? shown : await this.cases.revealed(shown, id);
    return { caseId: id, revision: read.revision, asOf: query.asOf ?? null, events };
  }

  @Get(':id/commands')
  @ApiOperation({
    summary:
      'The commands your agency may send on the case now, by its kind and standing: where each is sent, the ids it names (a referral to answer, ' +
      'evidence to move), its body schema in this document (`operation`), and the values of a field left to your agency where they are fewer than the schema allows',
  })
  async commands(@Param('id', CaseIdPipe) id: string, @CurrentCaller() caller: Caller) {
    const read = await this.cases.read(id, readerOf(caller), 'commands');
    const issuer = { agencyId: caller.agency.id, kind: caller.agency.kind };
    const registered = this.registry.all().map((a) => ({ agencyId: a.id, kind: a.kind }));
    return { caseId: id, revision: read.revision, commands: commandsOpenTo(read.state, id, issuer, registered, this.cases.now().toISOString()) };
  }

  @Get(':id/verify')
  @ApiOperation({ summary: "Recompute the case's hash chain: ok, or the first broken revision" })
  async verify(@Param('id', CaseIdPipe) id: string, @CurrentCaller() caller: Caller) {
    const read = await this.cases.read(id, readerOf(caller), 'verify');
    const verdict = verifyChain(
      caseStream(id),
      read.events.map((e) => e.envelope),
    );
    return verdict.ok
      ? { caseId: id, result: 'ok', events: verdict.events, head: verdict.head }
      : { caseId: id, result: 'broken', events: verdict.events, firstBrokenRevision: verdict.firstBroken.revision, ...verdict.firstBroken };
  }

  /** Every command route: one command on the bus, which the Kafka command consumer sends too. */
  private async run(
    name: CaseCommandName,
    caseId: string,
    params: Partial<Record<CommandParam, string>>,
    body: object,
    { caller, context, sent }: CommandRequest,
    res: FastifyReply,
  ) {
    // Commands recorded before the one fingerprint were fingerprinted by method, URL and body: a retry of one is still the same command.
    const { fingerprint: former, agencyId: _agencyId, commandIdGiven: _given, ...rest } = context;
    const answer = await this.commandBus.execute(
      new RunCaseCommand(name, caseId, params, body, sent, caller.agency, { ...rest, formerFingerprints: former ? [former] : [] }),
    );
    res.status(answer.replayed ? 200 : 201);
    res.header('ETag', `"${answer.revision}"`);
    return {
      caseId,
      revision: answer.revision,
      events: answer.events,
      ...(answer.minted ? { [answer.minted.field]: answer.minted.id } : {}),
    };
  }
}
