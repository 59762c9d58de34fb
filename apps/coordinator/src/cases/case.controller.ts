import { Body, Controller, Get, Param, Post, Query, Res, Type } from '@nestjs/common';
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
import { AsOfQueryDto } from './case.dto';
import { CASE_COMMAND_ROUTES, CaseCommandName, CommandParam, openedCaseId } from './case-commands';
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

  /**
   * Every command route (defined below, from CASE_COMMAND_ROUTES): one command on the bus, which the Kafka
   * command consumer sends too. An opened case's id is minted here, from the Idempotency-Key when given.
   */
  async run(
    name: CaseCommandName,
    id: string | undefined,
    params: Partial<Record<CommandParam, string>>,
    body: object,
    request: CommandRequest,
    res: FastifyReply,
  ) {
    const { caller, context, sent } = request;
    const caseId = id ?? openedCaseId(caller.agency.id, context.commandIdGiven ? context.commandId : undefined);
    // Commands recorded before the one fingerprint were fingerprinted by method, URL and body: a retry of one is still the same command.
    const { agencyId: _agencyId, commandIdGiven: _given, ...rest } = context;
    const answer = await this.commandBus.execute(
      new RunCaseCommand(name, caseId, params, body, sent, caller.agency, { ...rest, formerFingerprints: () => [request.fingerprint()] }),
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

/**
 * A command's HTTP route, as its entry in CASE_COMMAND_ROUTES states it (path, body DTO, ids in the path,
 * summary): the controller method Nest and the OpenAPI document read, written as the decorators would write
 * it, so that no route states its DTO a second time. `POST /cases/:id/referrals/:referralId/accept` is
 * `acceptReferral(id, body, request, reply, referralId)`.
 */
function defineCommandRoute(controller: Type<CaseController>, name: CaseCommandName): void {
  const route = CASE_COMMAND_ROUTES[name];
  const method = name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  const opensCase = !route.path.startsWith(':id');
  // Named as the route (Nest and the OpenAPI document read a handler's metadata by its function's name).
  const handler = {
    [method](this: CaseController, id: string, body: object, request: CommandRequest, res: FastifyReply, ...ids: string[]) {
      const params = Object.fromEntries(route.params.map((param, i) => [param, ids[i]]));
      return this.run(name, opensCase ? undefined : id, params, body, request, res);
    },
  }[method];
  const prototype = controller.prototype as unknown as Record<string, unknown>;
  Object.defineProperty(prototype, method, { value: handler, writable: true, configurable: true });
  Reflect.defineMetadata('design:paramtypes', [String, route.body, Object, Object, ...route.params.map(() => String)], prototype, method);
  // Parameter decorators, last first, as TypeScript applies them; then the method's.
  route.params.forEach((param, i) => Param(param)(prototype, method, 4 + i));
  Res({ passthrough: true })(prototype, method, 3);
  FromAgency()(prototype, method, 2);
  Body()(prototype, method, 1);
  if (!opensCase) Param('id', CaseIdPipe)(prototype, method, 0);
  const descriptor = Object.getOwnPropertyDescriptor(prototype, method)!;
  ApiOperation({ summary: route.summary })(prototype, method, descriptor);
  Post(route.path)(prototype, method, descriptor);
}

for (const name of Object.keys(CASE_COMMAND_ROUTES) as CaseCommandName[]) defineCommandRoute(CaseController, name);
