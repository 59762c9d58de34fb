import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import { CommandOutcome } from '@samverkan/eventstore';
import { readerOf } from '../access-log/access-log';
import { Caller } from '../auth/agency-authenticator';
import { CurrentCaller } from '../auth/auth.guard';
import { CommandRequest, fingerprinted, FromAgency } from '../http/command-headers';
import { ErasePersonDto, FindPersonDto, LinkRelativeDto, ProtectIdentityDto, RegisterPersonDto } from './person.dto';
import { PersonState } from './person.model';
import { PersonService } from './person.service';

/** Person ids minted for an idempotent registration are derived from the agency and its command id. */
const REGISTER_PERSON_NAMESPACE = '3b8f2c61-9d4e-4f0a-b6c2-7e5d1a9f4c30';

@ApiTags('persons')
@ApiBearerAuth()
@Controller('persons')
export class PersonController {
  constructor(private readonly persons: PersonService) {}

  @Post()
  @ApiOperation({ summary: "Record a person your agency meets; the identity is stored only encrypted under the person's own key" })
  async register(@Body() body: RegisterPersonDto, @FromAgency() request: CommandRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const { caller, context } = request;
    const personId = context.commandIdGiven ? uuidv5(`${caller.agency.id}\n${context.commandId}`, REGISTER_PERSON_NAMESPACE) : undefined;
    const outcome = await this.persons.register(issuerOf(caller), body.category, body.identity, fingerprinted(request), personId);
    return answered(outcome, res);
  }

  @Post('search')
  @ApiOperation({ summary: 'Find the record of a person you meet, by personal identity number or by date of birth and family name, and who works with them' })
  async find(@Body() body: FindPersonDto, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) res: FastifyReply) {
    res.status(200);
    return { persons: await this.persons.find(body, readerOf(caller)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A person record as your agency may see it: the identity as the identity rule says, relatives, the cases about the person' })
  read(@Param('id', ParseUUIDPipe) id: string, @CurrentCaller() caller: Caller) {
    return this.persons.read(id, readerOf(caller));
  }

  @Post(':id/relatives')
  @ApiOperation({ summary: "Link a relative's record to the person (a child's guardian, say); by the agency responsible for the record" })
  async link(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: LinkRelativeDto,
    @FromAgency() request: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return answered(await this.persons.linkRelative(issuerOf(request.caller), id, body.relativeId, body.relation, fingerprinted(request)), res);
  }

  @Post(':id/protection')
  @ApiOperation({ summary: 'Protect the identity (skyddade personuppgifter), or lift the protection; by the agency responsible for the record' })
  async protect(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ProtectIdentityDto,
    @FromAgency() request: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return answered(await this.persons.protect(issuerOf(request.caller), id, body.protect, fingerprinted(request)), res);
  }

  @Post(':id/erasure')
  @ApiOperation({
    summary: "Erase the person: the erasure is recorded with its legal basis, and the person's key destroyed; by the agency responsible for the record",
  })
  async erase(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ErasePersonDto,
    @FromAgency() request: CommandRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return answered(await this.persons.erase(issuerOf(request.caller), id, body.basis, fingerprinted(request)), res);
  }
}

function issuerOf(caller: Caller) {
  return { agencyId: caller.agency.id, kind: caller.agency.kind };
}

function answered(outcome: CommandOutcome<PersonState>, res: FastifyReply) {
  res.status(outcome.replayed ? 200 : 201);
  res.header('ETag', `"${outcome.revision}"`);
  return {
    personId: outcome.state.personId,
    revision: outcome.revision,
    events: outcome.events.map((e) => ({ id: e.id, type: e.type, revision: e.revision, hash: e.hash })),
  };
}
