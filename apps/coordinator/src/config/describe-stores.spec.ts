import { loadConfig } from './app-config';
import { describeStores } from './describe-stores';

describe('naming where the service keeps its data', () => {
  it('names the embedded files by default', () => {
    expect(describeStores(loadConfig({ SAMVERKAN_DATA_DIR: '/srv/samverkan' }))).toEqual([
      'event store: SQLite /srv/samverkan/events.db',
      'read models and ledger: SQLite in /srv/samverkan',
      'sharing: no Kafka (KAFKA_BROKERS not set); agencies read GET /agencies/me/feed',
    ]);
  });

  it('names PostgreSQL and EventStoreDB without their passwords', () => {
    const env = { SAMVERKAN_DATA_DIR: '/srv/samverkan', DATABASE_URL: 'postgres://samverkan:secret@db:5432/samverkan', KAFKA_BROKERS: 'k1:9092,k2:9092' };
    expect(describeStores(loadConfig({ ...env, EVENT_STORE: 'postgres' }))).toEqual([
      'event store: PostgreSQL postgres://samverkan:***@db:5432/samverkan, schema samverkan',
      'read models and ledger: PostgreSQL postgres://samverkan:***@db:5432/samverkan, schema samverkan',
      'sharing: Kafka k1:9092,k2:9092',
    ]);
    const esdb = loadConfig({ ...env, EVENT_STORE: 'eventstoredb', ESDB_CONNECTION_STRING: 'esdb://admin:changeit@es:2113?tls=false' });
    expect(describeStores(esdb)[0]).toBe('event store: EventStoreDB esdb://admin:***@es:2113?tls=false');
  });
});
