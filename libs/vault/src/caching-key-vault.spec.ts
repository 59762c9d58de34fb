import { randomBytes } from 'node:crypto';
import { CachingKeyVault } from './caching-key-vault';
import { DataKey } from './field-cipher';
import { KeyVault } from './key-vault.port';

/** A vault that counts how often it is asked, over a map: what the cache is measured against. */
class CountingVault implements KeyVault {
  readonly asked: string[] = [];
  private readonly keys = new Map<string, DataKey | null>();
  async keyFor(kid: string) {
    this.asked.push(`keyFor ${kid}`);
    if (this.keys.get(kid) === null) throw new Error('destroyed');
    if (!this.keys.has(kid)) this.keys.set(kid, { kid, key: randomBytes(32) });
    return this.keys.get(kid)!;
  }
  async find(kid: string) {
    this.asked.push(`find ${kid}`);
    return this.keys.get(kid) ?? undefined;
  }
  async index() {}
  async lookup() {
    return [];
  }
  async destroyed(kid: string) {
    return this.keys.get(kid) === null;
  }
  async destroy(kid: string) {
    const existed = !!this.keys.get(kid);
    this.keys.set(kid, null);
    return existed;
  }
  async close() {}
}

describe('a caching key vault', () => {
  it('asks the vault once for a key used again within its time', async () => {
    const inner = new CountingVault();
    const vault = new CachingKeyVault(inner, 60_000);
    const key = await vault.keyFor('p-1');
    expect((await vault.keyFor('p-1')).key.equals(key.key)).toBe(true);
    expect((await vault.find('p-1'))!.key.equals(key.key)).toBe(true);
    expect(inner.asked).toEqual(['keyFor p-1']);
  });

  it('forgets a key at once when it destroys it', async () => {
    const inner = new CountingVault();
    const vault = new CachingKeyVault(inner, 60_000);
    await vault.keyFor('p-1');
    await vault.destroy('p-1');
    expect(await vault.find('p-1')).toBeUndefined();
    await expect(vault.keyFor('p-1')).rejects.toThrow('destroyed');
  });

  it('asks again once its time is up', async () => {
    const inner = new CountingVault();
    const vault = new CachingKeyVault(inner, 0);
    await vault.keyFor('p-1');
    await vault.find('p-1');
    expect(inner.asked).toEqual(['keyFor p-1', 'find p-1']);
  });
});
