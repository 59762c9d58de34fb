import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { apiDocument } from './http/openapi';
import { privateDataDirectory } from '@samverkan/common';
import { AppModule, AppOptions } from './app.module';
import { AgencyAuthenticator } from './auth/agency-authenticator';
import { authenticateAndLimit } from './auth/request-authentication';
import { hardenHttp, KnownRoutes, serverOptions } from './http/http-edge';
import { validationPipe } from './http/validation';
import { servePages } from './ui/pages';
import { Logger as PinoLogger } from 'pino';
import { logRequests, routeOf } from './observability/logging';
import { Metrics } from './observability/metrics';

/**
 * Builds the application as `npm start` runs it; tests use the same function on a free port. `logger`: true
 * (log, warn, error), false (errors only), or a logger of one's own that gets every line; `requestLog`: where a
 * line for each request goes (observability/logging.ts), none by default.
 */
export async function createApp(
  options: AppOptions,
  { logger = true, requestLog }: { logger?: boolean | LoggerService; requestLog?: PinoLogger } = {},
): Promise<NestFastifyApplication> {
  privateDataDirectory(options.config.dataDir);
  const routes = new KnownRoutes();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ ...options, routes }),
    new FastifyAdapter(serverOptions(options.config)),
    // The body parser is ours (hardenHttp): JSON only, with limits that hold before any work is done on it.
    { logger: typeof logger === 'object' ? logger : logger ? ['log', 'warn', 'error'] : ['error'], abortOnError: false, bodyParser: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  hardenHttp(fastify, routes);
  logRequests(fastify, requestLog);
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', async (request, reply) => metrics.request(request.method, routeOf(request), reply.statusCode, reply.elapsedTime));
  await authenticateAndLimit(app, app.get(AgencyAuthenticator), options.config);
  await servePages(app, options.config.uiDir);
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  const document = await apiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
