import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MasterKey } from '../master-key';
import { describeKeyVaultContract } from '../testing/key-vault-contract';
import { SqliteKeyVault } from './sqlite-key-vault';

const dir = mkdtempSync(join(tmpdir(), 'samverkan-key-vault-'));
const master = MasterKey.generate();

describeKeyVaultContract(
  'the SQLite key vault',
  async () => new SqliteKeyVault(join(dir, 'keys.db'), master),
  async () => rmSync(dir, { recursive: true, force: true }),
);

describe('the SQLite key vault, on its file', () => {
  it('leaves no copy of a destroyed key, wrapped or not, nor of its lookup terms, in its files', async () => {
    const own = mkdtempSync(join(tmpdir(), 'samverkan-key-vault-'));
    const file = join(own, 'keys.db');
    const vault = new SqliteKeyVault(file, master);
    try {
      const kept = await vault.keyFor('kept');
      const { key } = await vault.keyFor('erased');
      const term = await master.lookupTerm('pin:199001011234');
      await vault.index('erased', [term]);
      const wrapped = (vault as unknown as { db: import('better-sqlite3').Database }).db
        .prepare<[string], { wrapped: Buffer }>('SELECT wrapped FROM data_keys WHERE kid = ?')
        .get('erased')!.wrapped;
      const files = () => readdirSync(own).map((name) => readFileSync(join(own, name)));
      expect(files().some((bytes) => bytes.includes(wrapped))).toBe(true);
      expect(files().some((bytes) => bytes.includes(term))).toBe(true);
      await vault.destroy('erased');
      for (const bytes of files()) {
        expect(bytes.includes(wrapped)).toBe(false);
        expect(bytes.includes(key)).toBe(false);
        expect(bytes.includes(term)).toBe(false);
      }
      expect((await vault.find('kept'))!.key.equals(kept.key)).toBe(true);
    } finally {
      await vault.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
