import { DataKey } from './field-cipher';

/**
 * Where data keys are kept, wrapped by the master key: one per person, made when the person is first
 * recorded, destroyed when the person is erased (crypto-shredding). A destroyed key leaves a tombstone, so
 * that no key is ever made again under that id: what was encrypted for the person stays unreadable.
 */
export interface KeyVault {
  /** The key of `kid`, made and stored when there is none; a ConflictError when it was destroyed. */
  keyFor(kid: string): Promise<DataKey>;
  /** The key of `kid`; undefined when none was made or it was destroyed. */
  find(kid: string): Promise<DataKey | undefined>;
  /**
   * Files lookup terms under `kid`: keyed hashes of what identifies the person (see `MasterKey.lookupTerm`),
   * by which another agency that knows the person finds the same record. They go when the key goes.
   */
  index(kid: string, terms: readonly string[]): Promise<void>;
  /** The ids whose terms include `term`; a destroyed key's terms are gone. */
  lookup(term: string): Promise<string[]>;
  /** Whether the key of `kid` was destroyed. */
  destroyed(kid: string): Promise<boolean>;
  /**
   * Destroys the key for good and leaves its tombstone; what was stored of it is overwritten where the store
   * allows (see each adapter). True when there was a key to destroy.
   */
  destroy(kid: string): Promise<boolean>;
  close(): Promise<void>;
}

export const KEY_VAULT = Symbol('KeyVault');
