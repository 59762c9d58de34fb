import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { tokenCommand } from './auth/dev-keys';
import { startService } from './bootstrap';
import { JsonLogger, jsonLog } from './observability/logging';
import { loadConfig } from './config/app-config';
import { describeStores } from './config/describe-stores';

async function main(): Promise<void> {
  // Whatever a library creates in the data directory is the service's alone (privateFile does it for ours).
  process.umask(0o077);
  const config = loadConfig();
  const log = config.logFormat === 'json' ? jsonLog(config.logLevel) : undefined;
  const app = await startService(config, log ? { logger: new JsonLogger(log), requestLog: log } : {});
  await app.listen(config.port, config.host);
  const base = `http://localhost:${config.port}`;
  const logger = new Logger('samverkan');
  // The relay role does nothing without Kafka (its state in /health is `off`).
  const roles = [...config.roles].filter((role) => role !== 'relay' || config.kafkaBrokers);
  logger.log(`listening on ${base} as ${roles.join(', ')}`);
  for (const line of describeStores(config)) logger.log(line);
  logger.log(`API docs: ${base}/docs   OpenAPI: ${base}/docs/openapi.json   health: ${base}/health`);
  if (config.devKeys) logger.log(`a development token: ${tokenCommand(config, process.env)}`);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
