import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ForbiddenError, ValidationError } from '@samverkan/common';
import { AgencyRegistry } from '../agencies/agency-registry';
import { Caller } from '../auth/agency-authenticator';
import { CurrentCaller } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CaseIndex } from '../case-index/case-index';
import { Statistics, statisticsCsv, statisticsOf } from './statistics';
import { StatisticsQueryDto } from './statistics.dto';

/** Who reads the figures: the coordinators who report them, and auditors. No case access is needed or given. */
const READERS = new Set(['coordinator', 'auditor']);

@ApiTags('statistics')
@ApiBearerAuth()
@Controller('statistics')
export class StatisticsController {
  constructor(
    private readonly index: CaseIndex,
    private readonly registry: AgencyRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary:
      "The year's figures: the people met (each once) by group, age, gender, origin and exploitation, support, cooperation with and without support, investigations, judgments per defendant, reflection periods and permits; small counts suppressed. Accept: text/csv for CSV",
  })
  async statistics(
    @Query() query: StatisticsQueryDto,
    @CurrentCaller() caller: Caller,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Statistics | string> {
    if (!READERS.has(caller.agency.kind)) {
      throw new ForbiddenError(`the statistics are for coordinators and auditors; ${caller.agency.id} is ${caller.agency.kind}`, { rule: 'agency-kind' });
    }
    if (query.region !== undefined && !this.registry.region(query.region)) {
      throw new ValidationError(`${query.region} is not a listed region`, { rule: 'unknown-region', details: { region: query.region } });
    }
    const statistics = statisticsOf(
      await this.index.caseFacts(),
      { year: query.year, region: query.region ?? null, threshold: this.config.statisticsThreshold },
      (municipality) => this.registry.municipality(municipality)?.region,
    );
    if (/\btext\/csv\b/.test(accept ?? '')) {
      res.header('Content-Type', 'text/csv; charset=utf-8');
      res.header('Content-Disposition', `attachment; filename="samverkan-statistics-${query.year}${query.region ? `-${query.region}` : ''}.csv"`);
      return statisticsCsv(statistics);
    }
    return statistics;
  }
}
