import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, AppOptions } from './app.module';
import { validationPipe } from './http/validation';

/**
 * Builds the application as `npm start` runs it; tests use the same function on a free port. `logger`: true
 * (log, warn, error), false (errors only), or a logger of one's own that gets every line.
 */
export async function createApp(options: AppOptions, { logger = true }: { logger?: boolean | LoggerService } = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    new FastifyAdapter({ bodyLimit: 256 * 1024 }),
    { logger: typeof logger === 'object' ? logger : logger ? ['log', 'warn', 'error'] : ['error'], abortOnError: false },
  );
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('samverkan')
      .setDescription('The shared, tamper-evident case record of agencies working together against trafficking in human beings.')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
