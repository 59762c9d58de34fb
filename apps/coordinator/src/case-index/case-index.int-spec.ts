import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { caseStories } from '../cases/testing/case-stories';
import { PostgresCaseIndex } from './postgres-case-index';
import { SqliteCaseIndex } from './sqlite-case-index';
import { describeCaseIndexContract, registry, snapshotOf } from './testing/case-index-contract';

jest.setTimeout(60_000);

describeCaseIndexContract('SqliteCaseIndex', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samverkan-case-index-'));
  return {
    open: async (name) => new SqliteCaseIndex(join(dir, `${name}.db`)),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeWithPostgres('the case index on PostgreSQL', () => {
  describeCaseIndexContract('PostgresCaseIndex', async () => {
    const schemas = new Map<string, string>();
    return {
      open: async (name) => {
        if (!schemas.has(name)) schemas.set(name, freshSchemaName());
        return PostgresCaseIndex.open({ connectionString: postgresUrl, schema: schemas.get(name) });
      },
      cleanup: () => dropSchemas([...schemas.values()]),
    };
  });

  it('shows exactly what the SQLite index shows of the same log, in the same order and with the same feed cursors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samverkan-case-index-'));
    const schema = freshSchemaName();
    const store = new SqliteEventStore({ file: join(dir, 'events.db') });
    const sqlite = new SqliteCaseIndex(join(dir, 'case-index.db'));
    const postgres = await PostgresCaseIndex.open({ connectionString: postgresUrl, schema });
    try {
      await caseStories(store, registry, 23).write(300, 25);
      const log = await collect(store.readAll());
      for (let i = 0; i < log.length; i += 50) {
        await sqlite.projectBatch(log.slice(i, i + 50));
        await postgres.projectBatch(log.slice(i, i + 50));
      }
      expect(await snapshotOf(postgres)).toEqual(await snapshotOf(sqlite));
    } finally {
      await Promise.all([sqlite.close(), postgres.close(), store.close()]);
      await dropSchemas([schema]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
