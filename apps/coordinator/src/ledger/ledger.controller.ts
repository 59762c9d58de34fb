import { Readable } from 'node:stream';
import { Controller, Get, Header, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ForbiddenError, NotFoundError } from '@samverkan/common';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { AuditBundle, eventLeafHash, toHex } from '@samverkan/ledger';
import { Caller } from '../auth/agency-authenticator';
import { CurrentCaller, Public } from '../auth/auth.guard';
import { AccessLog, caseIdOfAccessStream, readerOf } from '../access-log/access-log';
import { VIEW_ACCESS } from '../cases/case.access';
import { CaseService } from '../cases/case.service';
import { caseIdOf, SealedEnvelope } from '@samverkan/sealing';
import { CaseIdPipe } from '../http/case-id.pipe';
import { LedgerReader } from './ledger-reader';
import { LedgerService } from './ledger.service';
import { CheckpointsQuery, ConsistencyQuery, ExportQuery, InclusionQuery } from './ledger.dto';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller()
export class LedgerController {
  constructor(
    private readonly ledger: LedgerReader,
    private readonly sealing: LedgerService,
    private readonly cases: CaseService,
    private readonly accessLog: AccessLog,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('ledger/key')
  @Public()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: "The ledger's public key in C2SP verifier-key form" })
  key(): string {
    return `${this.ledger.verifierKey}\n`;
  }

  @Get('ledger/checkpoint')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'The latest signed checkpoint (C2SP tlog-checkpoint signed note)' })
  async latest(): Promise<string> {
    const checkpoint = await this.ledger.latestCheckpoint();
    if (!checkpoint) throw new NotFoundError('the ledger has signed no checkpoint yet', { rule: 'no-checkpoint' });
    return checkpoint.note;
  }

  @Post('ledger/checkpoint')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Sign a checkpoint of the ledger as it is now (if it grew), and return the latest' })
  async signNow(@Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    const checkpoint = await this.sealing.checkpointNow();
    if (!checkpoint) throw new NotFoundError('the ledger is empty: there is nothing to sign', { rule: 'no-checkpoint' });
    res.status(200);
    return checkpoint.note;
  }

  @Get('ledger/checkpoints')
  @ApiOperation({ summary: 'Checkpoint history: ?size=N gives that checkpoint as a signed note; without it, a list' })
  async checkpoints(@Query() query: CheckpointsQuery, @Res({ passthrough: true }) res: FastifyReply) {
    if (query.size !== undefined) {
      const checkpoint = await this.ledger.checkpoint(query.size);
      if (!checkpoint) throw new NotFoundError(`no checkpoint of size ${query.size} was signed`, { rule: 'no-checkpoint', details: { size: query.size } });
      res.header('Content-Type', 'text/plain; charset=utf-8');
      return checkpoint.note;
    }
    const list = await this.ledger.checkpoints(query.limit ?? 100, query.before);
    return { checkpoints: list.map((c) => ({ size: c.size, root: toHex(c.root), createdAt: c.createdAt })) };
  }

  @Get('ledger/proofs/inclusion')
  @ApiOperation({ summary: "Inclusion proof of an event's leaf in the tree of a given size (RFC 9162 §2.1.3), for an event you may see" })
  async inclusion(@Query() query: InclusionQuery, @CurrentCaller() caller: Caller) {
    const notInLedger = new NotFoundError(`event ${query.eventId} is not in the ledger`, { rule: 'event-not-in-ledger' });
    const leaf = await this.ledger.leafOf(query.eventId, 0).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error; // a halted ledger says so
    });
    const envelope = leaf && (await this.seenBy(caller, leaf.stream, leaf.revision));
    if (!leaf || !envelope) throw notInLedger;
    const treeSize = query.treeSize ?? (await this.ledger.latestCheckpoint())?.size ?? 0;
    if (treeSize <= leaf.index)
      throw new NotFoundError(
        `event ${query.eventId} (leaf ${leaf.index}) is not in a tree of ${treeSize} leaves; ask for a larger treeSize or a newer checkpoint`,
        { rule: 'leaf-outside-tree', details: { leafIndex: leaf.index, treeSize } },
      );
    const proof = await this.ledger.inclusionProof(leaf.index, treeSize);
    return {
      eventId: query.eventId,
      leafIndex: leaf.index,
      treeSize,
      eventHash: envelope.hash,
      leafHash: toHex(eventLeafHash(envelope.hash)),
      proof: proof.map(toHex),
      root: toHex(await this.ledger.root(treeSize)),
    };
  }

  @Get('ledger/proofs/consistency')
  @ApiOperation({ summary: 'Consistency proof between two tree sizes (RFC 9162 §2.1.4)' })
  async consistency(@Query() query: ConsistencyQuery) {
    const proof = await this.ledger.consistencyProof(query.from, query.to);
    return {
      size1: query.from,
      size2: query.to,
      root1: toHex(await this.ledger.root(query.from)),
      root2: toHex(await this.ledger.root(query.to)),
      proof: proof.map(toHex),
    };
  }

  @Get('cases/:id/audit-bundle')
  @ApiOperation({
    summary:
      'Every event of the case, each with its inclusion proof against one signed checkpoint, and that checkpoint: as stored where ' +
      'your agency may see all of it, else withheld (its hash alone)',
  })
  async bundle(@Param('id', CaseIdPipe) id: string, @CurrentCaller() caller: Caller): Promise<AuditBundle> {
    const read = await this.cases.read(id, readerOf(caller), 'audit-bundle');
    return this.ledger.auditBundle(id, read.events, caller.agency.id);
  }

  @Get('ledger/export')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({ summary: 'The whole log as NDJSON in leaf order, {"index": n, "event": <envelope as hashed>} (auditors only)' })
  async export(@Query() query: ExportQuery, @CurrentCaller() caller: Caller, @Res() res: FastifyReply): Promise<void> {
    const standing = caller.agency.kind === 'auditor' ? 'auditor' : 'outsider';
    const { access } = VIEW_ACCESS.export[standing];
    const size = query.size ?? (await this.ledger.latestCheckpoint())?.size ?? 0;
    await this.accessLog.record({ reader: readerOf(caller), view: 'export', caseId: null, caseExists: false, standing, outcome: access, treeSize: size });
    if (access === 'refused') {
      throw new ForbiddenError(`only auditors may export the whole ledger; ${caller.agency.id} is ${caller.agency.kind}`, { rule: 'auditors-only' });
    }
    const held = await this.ledger.size();
    if (size > held) throw new NotFoundError(`the ledger holds ${held} leaves, not ${size}`, { rule: 'invalid-tree-size' });
    const store = this.store;
    async function* lines() {
      let index = 0;
      if (size === 0) return;
      for await (const { raw } of store.readAll()) {
        yield `{"index":${index},"event":${raw}}\n`;
        if (++index >= size) return;
      }
    }
    res.header('Content-Type', 'application/x-ndjson').header('Samverkan-Tree-Size', String(size)).send(Readable.from(lines()));
  }

  /**
   * The event, where the caller may have a proof of it: an event of a case it may see, or of the access log of
   * a case whose log it may read (either read is logged as the case's, auditors' too), or, for auditors, any
   * other event. Undefined where it may not.
   */
  private async seenBy(caller: Caller, stream: string, revision: number): Promise<SealedEnvelope | undefined> {
    const reader = readerOf(caller);
    const caseId = caseIdOf(stream);
    const accessOf = caseIdOfAccessStream(stream);
    try {
      if (caseId !== undefined) {
        const read = await this.cases.readEvent(caseId, reader, 'inclusion-proof', revision);
        return read.disclosed === undefined ? undefined : read.envelope;
      }
      if (accessOf !== undefined) await this.cases.read(accessOf, reader, 'access-log');
      else if (caller.agency.kind !== 'auditor') return undefined; // an event of no case (the reads of an agency, say)
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof ForbiddenError) return undefined;
      throw error;
    }
    return (await this.eventAt(stream, revision)).envelope;
  }

  private async eventAt(stream: string, revision: number) {
    for await (const event of this.store.readStream(stream, { fromRevision: revision, maxCount: 1 })) return event;
    throw new NotFoundError(`event ${stream}@${revision} is missing from the store`);
  }
}
