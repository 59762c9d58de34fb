import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPostgres, dropSchemas, freshSchemaName, postgresUrl } from '@samverkan/eventstore/testing/postgres';
import { LedgerStore } from './ledger-store';
import { PostgresLedgerStore } from './postgres-ledger-store';
import { SqliteLedgerStore } from './sqlite-ledger-store';
import { ledgerStoreContract, LedgerStoreUnderTest } from './testing/ledger-store-contract';

/** Opens stores, remembers them, and closes what is still open at the end. */
function tracking(open: (name: string) => Promise<LedgerStore>, cleanup: () => Promise<void>): LedgerStoreUnderTest {
  const opened: LedgerStore[] = [];
  return {
    open: async (name) => {
      const store = await open(name);
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close().catch(() => undefined);
      await cleanup();
    },
  };
}

describe('the ledger store in SQLite', () => {
  ledgerStoreContract(() => {
    const dir = mkdtempSync(join(tmpdir(), 'samverkan-ledger-store-'));
    return tracking(
      async (name) => new SqliteLedgerStore(join(dir, `${name}.db`)),
      async () => rmSync(dir, { recursive: true, force: true }),
    );
  });
});

describeWithPostgres('the ledger store in PostgreSQL', () => {
  ledgerStoreContract(() => {
    const schemas = new Map<string, string>();
    return tracking(
      async (name) => {
        if (!schemas.has(name)) schemas.set(name, freshSchemaName());
        return PostgresLedgerStore.open({ connectionString: postgresUrl, schema: schemas.get(name) });
      },
      () => dropSchemas([...schemas.values()]),
    );
  });

  it('creates its tables once when several processes open a fresh schema at the same time', async () => {
    const schema = freshSchemaName();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresLedgerStore.open({ connectionString: postgresUrl, schema })));
      for (const store of stores) expect(await store.leafCount()).toBe(0);
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await dropSchemas([schema]);
    }
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(PostgresLedgerStore.open({ connectionString: postgresUrl, schema: 'Robert"; DROP' })).rejects.toThrow(/not a schema name/);
  });
});
