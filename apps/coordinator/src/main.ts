import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { loadConfig } from './config/app-config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp({ config });
  await app.listen(config.port, config.host);
  const base = `http://localhost:${config.port}`;
  const logger = new Logger('samverkan');
  logger.log(`listening on ${base} (embedded store in ${config.dataDir})`);
  logger.log(`API docs: ${base}/docs   OpenAPI: ${base}/docs/openapi.json   health: ${base}/health`);
  logger.log('a development token: npm run -s token -- polisen-malmo officer-1');
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
