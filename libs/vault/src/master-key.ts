import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { InvariantError } from '@samverkan/common';
import { gcmOpen, gcmSeal } from './field-cipher';

/**
 * The key that wraps every data key at rest: data keys are stored only wrapped, each under a fresh nonce,
 * bound to its id, so a wrapped key copied to another id does not unwrap. It lives outside the store it
 * protects (a file or a secret, or a KMS behind the same two functions).
 */
export class MasterKey {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new InvariantError(`a master key is 32 bytes, not ${key.length}`, { rule: 'master-key-size' });
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(32));
  }

  /**
   * A lookup term: HMAC-SHA-256 of `text` under a key derived from the master key for lookups alone. Without
   * the master key nobody can test a guess (a personal identity number) against the terms a vault holds.
   */
  lookupTerm(text: string): string {
    this.lookupKey ??= Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), 'samverkan lookup terms', 32));
    return createHmac('sha256', this.lookupKey).update(text, 'utf8').digest('base64url');
  }

  private lookupKey?: Buffer;

  /** 12-byte nonce ‖ ciphertext ‖ 16-byte tag. */
  wrap(kid: string, dataKey: Buffer): Buffer {
    const iv = randomBytes(12);
    return Buffer.concat([iv, gcmSeal(this.key, iv, dataKey, Buffer.from(`data-key\n${kid}`, 'utf8'))]);
  }

  unwrap(kid: string, wrapped: Buffer): Buffer {
    try {
      return gcmOpen(this.key, wrapped.subarray(0, 12), wrapped.subarray(12), Buffer.from(`data-key\n${kid}`, 'utf8'));
    } catch {
      throw new InvariantError(`the data key ${kid} does not unwrap: the master key is not the one that wrapped it, or the vault was changed`, {
        rule: 'data-key-does-not-unwrap',
        details: { kid },
      });
    }
  }
}
