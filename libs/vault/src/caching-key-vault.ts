import { DataKey } from './field-cipher';
import { KeyVault } from './key-vault.port';

/**
 * Keeps the keys a process used a moment ago, so that a command or a read does not ask the vault each time:
 * a key is asked for again after `ttlMs`. A key destroyed through this process is forgotten at once; one
 * destroyed by another process may still be used here for up to `ttlMs` (keep it short), after which nothing
 * here can use it.
 */
export class CachingKeyVault implements KeyVault {
  private readonly keys = new Map<string, { key: DataKey; until: number }>();

  constructor(
    private readonly vault: KeyVault,
    private readonly ttlMs = 2_000,
    private readonly capacity = 10_000,
  ) {}

  async keyFor(kid: string): Promise<DataKey> {
    return this.cached(kid) ?? this.remember(await this.vault.keyFor(kid));
  }

  async find(kid: string): Promise<DataKey | undefined> {
    const cached = this.cached(kid);
    if (cached) return cached;
    const key = await this.vault.find(kid);
    return key && this.remember(key);
  }

  index(kid: string, terms: readonly string[]): Promise<void> {
    return this.vault.index(kid, terms);
  }

  lookup(term: string): Promise<string[]> {
    return this.vault.lookup(term);
  }

  destroyed(kid: string): Promise<boolean> {
    return this.vault.destroyed(kid);
  }

  async destroy(kid: string): Promise<boolean> {
    this.keys.delete(kid);
    const existed = await this.vault.destroy(kid);
    this.keys.delete(kid);
    return existed;
  }

  close(): Promise<void> {
    this.keys.clear();
    return this.vault.close();
  }

  private cached(kid: string): DataKey | undefined {
    const entry = this.keys.get(kid);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.key;
    this.keys.delete(kid);
    return undefined;
  }

  private remember(key: DataKey): DataKey {
    this.keys.delete(key.kid);
    this.keys.set(key.kid, { key, until: Date.now() + this.ttlMs });
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
    return key;
  }
}
