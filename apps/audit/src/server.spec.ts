import { UsageError } from './cli';
import { serverToken, serverUrl } from './server';

describe('the server given with --server', () => {
  it('takes routes relative to its path, with or without a final slash', () => {
    expect(serverUrl('http://localhost:3000', 'ledger/checkpoint').href).toBe('http://localhost:3000/ledger/checkpoint');
    expect(serverUrl('https://example.org/samverkan', 'ledger/checkpoint').href).toBe('https://example.org/samverkan/ledger/checkpoint');
    expect(serverUrl('https://example.org/samverkan/', 'ledger/checkpoint').href).toBe('https://example.org/samverkan/ledger/checkpoint');
  });

  it('adds the query', () => {
    expect(serverUrl('http://localhost:3000', 'ledger/proofs/consistency', { from: 3, to: 7 }).href).toBe(
      'http://localhost:3000/ledger/proofs/consistency?from=3&to=7',
    );
  });

  it('refuses what is not an http(s) URL as a usage error', () => {
    expect(() => serverUrl('localhost 3000', 'x')).toThrow(UsageError);
    expect(() => serverUrl('file:///etc', 'x')).toThrow(/is not an http or https URL/);
  });

  it('takes the token from --token, else from SAMVERKAN_TOKEN', () => {
    const io = { env: { SAMVERKAN_TOKEN: 'from-env' } } as never;
    expect(serverToken('given', io)).toBe('given');
    expect(serverToken(undefined, io)).toBe('from-env');
    expect(serverToken(undefined, { env: { SAMVERKAN_TOKEN: '' } } as never)).toBeUndefined();
  });
});
