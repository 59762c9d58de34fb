import { ConflictError } from '@samverkan/common';
import { KeyVault } from '../key-vault.port';

/** What a key vault is to do, whichever store holds it: `open` opens a vault on the same store each time it is called. */
export function describeKeyVaultContract(name: string, open: () => Promise<KeyVault>, cleanup: () => Promise<void>): void {
  describe(`${name} honours the key vault contract`, () => {
    const vaults: KeyVault[] = [];
    const vault = async () => {
      const opened = await open();
      vaults.push(opened);
      return opened;
    };
    let n = 0;
    const kid = () => `person-${process.pid}-${Date.now()}-${++n}`;

    afterAll(async () => {
      for (const v of vaults) await v.close();
      await cleanup();
    });

    it('makes a key once and gives the same key after, also to another process', async () => {
      const [one, two] = [await vault(), await vault()];
      const id = kid();
      expect(await one.find(id)).toBeUndefined();
      const made = await one.keyFor(id);
      expect(made.key).toHaveLength(32);
      expect((await one.keyFor(id)).key.equals(made.key)).toBe(true);
      expect((await two.find(id))!.key.equals(made.key)).toBe(true);
    });

    it('gives two processes that make the same key at once the same key', async () => {
      const [one, two] = [await vault(), await vault()];
      const id = kid();
      const [a, b] = await Promise.all([one.keyFor(id), two.keyFor(id)]);
      expect(a.key.equals(b.key)).toBe(true);
    });

    it('destroys a key for good: it is not found, not made again, and says it was destroyed', async () => {
      const [one, two] = [await vault(), await vault()];
      const id = kid();
      await one.keyFor(id);
      expect(await two.destroy(id)).toBe(true);
      expect(await one.find(id)).toBeUndefined();
      expect(await one.destroyed(id)).toBe(true);
      await expect(one.keyFor(id)).rejects.toThrow(ConflictError);
      await expect(one.keyFor(id)).rejects.toThrow(`the key of ${id} was destroyed: nothing more is encrypted for it`);
      expect(await two.destroy(id)).toBe(false);
    });

    it('finds a key by its lookup terms until it is destroyed', async () => {
      const [one, two] = [await vault(), await vault()];
      const [a, b] = [kid(), kid()];
      await one.keyFor(a);
      await one.keyFor(b);
      await one.index(a, ['pin:x', 'name:y']);
      await two.index(b, ['pin:x']);
      expect(await two.lookup('pin:x')).toEqual([a, b].sort());
      expect(await two.lookup('name:y')).toEqual([a]);
      await one.destroy(a);
      expect(await two.lookup('pin:x')).toEqual([b]);
      expect(await two.lookup('name:y')).toEqual([]);
      await expect(one.index(a, ['pin:z'])).rejects.toThrow(ConflictError);
    });

    it('leaves a tombstone for a key never made, so none is made after', async () => {
      const v = await vault();
      const id = kid();
      expect(await v.destroy(id)).toBe(false);
      await expect(v.keyFor(id)).rejects.toThrow(ConflictError);
      expect(await v.destroyed(kid())).toBe(false);
    });
  });
}
