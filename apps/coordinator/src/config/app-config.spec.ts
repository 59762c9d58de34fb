import { loadConfig } from './app-config';

describe('loadConfig', () => {
  const postgres = { EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://db/samverkan' };

  it.each(['0', 'False', 'no', 'off', 'TRUE', ' true', '1'])('stops at SAMVERKAN_DEV_KEYS=%j, which is neither true nor false', (value) => {
    expect(() => loadConfig({ SAMVERKAN_DEV_KEYS: value })).toThrow(/SAMVERKAN_DEV_KEYS must be true or false/);
  });

  it('turns development keys on by default only on the embedded default store', () => {
    expect(loadConfig({}).devKeys).toBe(true);
    expect(loadConfig(postgres).devKeys).toBe(false);
    expect(loadConfig({ EVENT_STORE: 'eventstoredb', ESDB_CONNECTION_STRING: 'esdb://e:2113' }).devKeys).toBe(false);
    expect(loadConfig({ SAMVERKAN_DEV_KEYS: 'false' }).devKeys).toBe(false);
    expect(loadConfig({ ...postgres, SAMVERKAN_DEV_KEYS: 'true' })).toMatchObject({ devKeys: true, devKeysExplicit: true });
  });

  it('stops at a boolean setting of another name that is neither true nor false', () => {
    expect(() => loadConfig({ SAMVERKAN_LEDGER_KEY_ROTATION: 'yes' })).toThrow(/SAMVERKAN_LEDGER_KEY_ROTATION must be true or false/);
  });

  it.each(['0x10', '1e3', '-1', '3.5', ' 30', 'ten'])('stops at an integer setting written as %j', (value) => {
    expect(() => loadConfig({ PORT: value })).toThrow(/PORT must be a non-negative integer in decimal digits/);
  });

  it('bounds requests by default: a timeout, a clock skew, and rate limits per agency and per address', () => {
    expect(loadConfig({})).toMatchObject({
      requestTimeoutMs: 30_000,
      clockSkewSeconds: 30,
      rateLimitPerAgency: expect.any(Number),
      rateLimitPerAddress: expect.any(Number),
    });
  });
});
