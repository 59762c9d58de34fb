import { Body, Controller, Module, Param, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { v7 as uuidv7 } from 'uuid';
import { SUPPORT_KINDS, SupportKind } from '../apps/coordinator/src/cases/case.model';
import { LoadResult, runLoad } from './load';

export interface BarePostParameters {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface BarePostResult {
  readonly load: LoadResult;
  readonly warmup: LoadResult;
}

class BareSupportDto {
  @IsIn(SUPPORT_KINDS) kind!: SupportKind;
  @Matches(/^\d{4}-\d{2}-\d{2}$/) providedOn!: string;
  @IsOptional() @IsString() @MaxLength(200) note?: string;
}

@Controller('items')
class BareController {
  @Post(':id/support')
  record(@Param('id') id: string, @Body() body: BareSupportDto) {
    return { id, kind: body.kind, providedOn: body.providedOn };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

/**
 * The floor under the service: Nest on Fastify with the same validation settings and the same request, but
 * no store, no token, no domain.
 */
export async function benchBarePost(p: BarePostParameters): Promise<BarePostResult> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const spec = {
      url: `http://127.0.0.1:${port}`,
      connections: p.connections,
      method: 'POST' as const,
      paths: Array.from({ length: 500 }, () => `/items/${uuidv7()}/support`),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(p.body),
    };
    // The warm-up starts from a low guess of the rate; its rate sizes the first chunk of the measured run.
    const warmup = await runLoad({ ...spec, durationSeconds: p.warmupSeconds, initialRate: p.connections * 5 });
    const load = await runLoad({ ...spec, durationSeconds: p.durationSeconds, initialRate: warmup.responses / warmup.durationSeconds });
    return { load, warmup };
  } finally {
    await app.close();
  }
}
