import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { InvariantError } from '@samverkan/common';
import { gcmOpen, gcmSeal } from './field-cipher';

/**
 * The port to whatever holds the master key: it wraps and unwraps data keys, and makes lookup terms, without
 * the key ever leaving it. `MasterKey` below holds it in the process (a file or a secret); a KMS or an HSM is
 * another implementation of these three calls (e.g. AWS KMS Encrypt/Decrypt with the kid as encryption context,
 * and GenerateMac for the terms).
 */
export interface KeyWrapping {
  /** A data key as stored: only the holder of the master key makes anything of it again, and only for `kid`. */
  wrap(kid: string, dataKey: Buffer): Promise<Buffer>;
  unwrap(kid: string, wrapped: Buffer): Promise<Buffer>;
  /** A keyed hash of `text`: the same text gives the same term, and nobody without the master key can test a guess. */
  lookupTerm(text: string): Promise<string>;
}

/**
 * The master key in the process: data keys are stored only wrapped, each under a fresh nonce, bound to its
 * id, so a wrapped key copied to another id does not unwrap. It lives outside the store it protects.
 */
export class MasterKey implements KeyWrapping {
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
  async lookupTerm(text: string): Promise<string> {
    this.lookupKey ??= Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), 'samverkan lookup terms', 32));
    return createHmac('sha256', this.lookupKey).update(text, 'utf8').digest('base64url');
  }

  private lookupKey?: Buffer;

  /** 12-byte nonce ‖ ciphertext ‖ 16-byte tag. */
  async wrap(kid: string, dataKey: Buffer): Promise<Buffer> {
    const iv = randomBytes(12);
    return Buffer.concat([iv, gcmSeal(this.key, iv, dataKey, Buffer.from(`data-key\n${kid}`, 'utf8'))]);
  }

  async unwrap(kid: string, wrapped: Buffer): Promise<Buffer> {
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
