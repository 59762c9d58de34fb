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

/**
 * Builds the application as `npm start` runs it; tests use the same function on a free port. `logger`: true
 * (log, warn, error), false (errors only), or a logger of one's own that gets every line.
 */
export async function createApp(options: AppOptions, { logger = true }: { logger?: boolean | LoggerService } = {}): Promise<NestFastifyApplication> {
  privateDataDirectory(options.config.dataDir);
  const routes = new KnownRoutes();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ ...options, routes }),
    new FastifyAdapter(serverOptions(options.config)),
    // The body parser is ours (hardenHttp): JSON only, with limits that hold before any work is done on it.
    { logger: typeof logger === 'object' ? logger : logger ? ['log', 'warn', 'error'] : ['error'], abortOnError: false, bodyParser: false },
  );
  hardenHttp(app.getHttpAdapter().getInstance(), routes);
  await authenticateAndLimit(app, app.get(AgencyAuthenticator), options.config);
  await servePages(app, options.config.uiDir);
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  const document = await apiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
