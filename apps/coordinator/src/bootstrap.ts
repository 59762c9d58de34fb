import { INestApplicationContext, LoggerService } from '@nestjs/common';
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
import { AppConfig, FOLLOWER_ROLES, Role } from './config/app-config';
import { FollowerThread } from './followers/follower-thread';

export interface AppLogging {
  readonly logger?: boolean | LoggerService;
  readonly requestLog?: PinoLogger;
}

/**
 * The service as `npm start` runs it: where the process serves the API and also follows the log (the
 * embedded default has every role) and `SAMVERKAN_FOLLOWER_THREAD` is on, the followers run on a thread of their
 * own (followers/follower-thread.ts) and the application returned serves the API; else, one application with
 * every role the configuration names. Closing the application stops the followers too.
 */
export async function startService(config: AppConfig, logging: AppLogging = {}): Promise<NestFastifyApplication> {
  const followerRoles = FOLLOWER_ROLES.filter((role) => config.roles.has(role));
  if (!config.followerThread || !config.roles.has('api') || followerRoles.length === 0) return createApp({ config }, logging);
  // The thread logs as the configuration says (SAMVERKAN_LOG_FORMAT), or errors only where the API's does.
  const followerThread = await FollowerThread.start({ ...config, roles: new Set<Role>(followerRoles) }, { quiet: logging.logger === false });
  let app: NestFastifyApplication;
  try {
    app = await createApp({ config: { ...config, roles: new Set<Role>(['api']) }, followerThread }, logging);
  } catch (error) {
    await followerThread.stop();
    throw error;
  }
  // A failure of the process, not a stop: the API closes, and the exit status tells the supervisor to start it again.
  void followerThread.endedOnItsOwn.then(async () => {
    await app.close().catch(() => undefined);
    process.exit(1);
  });
  return app;
}

/** The followers of the log without an HTTP server: the follower thread's application (follower-thread.worker.ts). */
export async function createFollowers(options: AppOptions, logger: boolean | LoggerService): Promise<INestApplicationContext> {
  privateDataDirectory(options.config.dataDir);
  return NestFactory.createApplicationContext(AppModule.forRoot(options), { logger: nestLogger(logger), abortOnError: false });
}

/**
 * Builds one application with every role its configuration names (startService may split them over two threads); tests use the same function on a free port. `logger`: true
 * (log, warn, error), false (errors only), or a logger of one's own that gets every line; `requestLog`: where a
 * line for each request goes (observability/logging.ts), none by default.
 */
export async function createApp(options: AppOptions, { logger = true, requestLog }: AppLogging = {}): Promise<NestFastifyApplication> {
  privateDataDirectory(options.config.dataDir);
  const routes = new KnownRoutes();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ ...options, routes }),
    new FastifyAdapter(serverOptions(options.config)),
    // The body parser is ours (hardenHttp): JSON only, with limits that hold before any work is done on it.
    { logger: nestLogger(logger), abortOnError: false, bodyParser: false },
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

/** Nest's logger for `logger` as AppLogging states it: true (log, warn, error), false (errors only), or one's own. */
function nestLogger(logger: boolean | LoggerService): LoggerService | Array<'log' | 'warn' | 'error'> {
  return typeof logger === 'object' ? logger : logger ? ['log', 'warn', 'error'] : ['error'];
}
