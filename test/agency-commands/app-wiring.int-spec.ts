/**
 * The service registers the command consumer only when Kafka is configured; with KAFKA_BROKERS set it is
 * built from the service's own CaseService, registry and config, and the service starts without a broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgencyCommandsProvider } from '../../apps/coordinator/src/agency-commands/agency-commands.provider';
import { AppModule } from '../../apps/coordinator/src/app.module';
import { createApp } from '../../apps/coordinator/src/bootstrap';
import { loadConfig } from '../../apps/coordinator/src/config/app-config';
import { repoRoot } from '../kafka/kafka-broker';

jest.setTimeout(60_000);

describe('the command consumer in the service', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samverkan-wiring-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (env: Record<string, string>) =>
    loadConfig({ SAMVERKAN_DATA_DIR: dir, SAMVERKAN_AGENCIES_FILE: join(repoRoot, 'config/agencies.yaml'), ...env });

  it('is part of the service when KAFKA_BROKERS is set, and the service starts without the broker', async () => {
    // Port 1 answers nothing: the consumer keeps trying in the background while the service runs.
    const app = await createApp({ config: config({ KAFKA_BROKERS: '127.0.0.1:1' }) }, { logger: false });
    await app.init();
    expect(app.get(AgencyCommandsProvider)).toBeInstanceOf(AgencyCommandsProvider);
    await app.close();
  });

  it('is left out without KAFKA_BROKERS', () => {
    expect(AppModule.forRoot({ config: config({}) }).providers).not.toContain(AgencyCommandsProvider);
    expect(AppModule.forRoot({ config: config({ KAFKA_BROKERS: '127.0.0.1:1' }) }).providers).toContain(AgencyCommandsProvider);
  });
});
