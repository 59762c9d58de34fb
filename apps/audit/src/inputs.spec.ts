import { generateKeyPairSync } from 'node:crypto';
import { parseVerifierKey, verifierKey } from '@samverkan/ledger';
import { originMismatch } from './inputs';

describe("a checkpoint's origin", () => {
  const key = parseVerifierKey(verifierKey('samverkan.local/ledger', generateKeyPairSync('ed25519').publicKey));
  const checkpoint = (origin: string) => ({ origin, size: 1, root: Buffer.alloc(32), extensions: [] });

  it('is fine when it is the name of the ledger key', () => {
    expect(originMismatch(checkpoint('samverkan.local/ledger'), key)).toBeUndefined();
  });

  it('is another log when it is not, compared exactly', () => {
    for (const origin of ['other.example/log', 'Samverkan.local/ledger', 'samverkan.local/ledger/']) {
      expect(originMismatch(checkpoint(origin), key)).toEqual({
        problem: expect.stringContaining(`its origin is ${JSON.stringify(origin)}, but the ledger key is named "samverkan.local/ledger"`),
        expected: 'samverkan.local/ledger',
        found: origin,
      });
    }
  });
});
