import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { parse, stringify } from 'yaml';
import { devPrivateKey, signToken } from '../apps/coordinator/src/auth/dev-keys';
import { LogCapture, RunningService } from './support/running-service';

describe('authenticating an agency', () => {
  let service: RunningService;
  const body = { subject: { category: 'victim', ageGroup: 'adult' } };

  beforeAll(async () => {
    service = await RunningService.start();
  });
  afterAll(() => service.stop());

  const sign = (
    claims: { iss?: string; sub?: string; aud?: string; iat?: number; exp?: number },
    key = devPrivateKey(service.config.dataDir, claims.iss ?? 'polisen-malmo'),
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 300);
    if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
    if (claims.sub !== undefined) jwt.setSubject(claims.sub);
    if (claims.aud !== undefined) jwt.setAudience(claims.aud);
    return jwt.sign(key);
  };

  async function expectRefused(token: string | undefined, detail: RegExp) {
    const reply = await service.request('POST', '/cases', { token, body });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(reply.body).toMatchObject({ status: 401, title: expect.any(String) });
    expect(reply.body.detail).toMatch(detail);
  }

  it('accepts a valid token and records the officer as the actor', async () => {
    const token = await sign({ iss: 'polisen-malmo', sub: 'officer-99', aud: 'samverkan' });
    const reply = await service.request('POST', '/cases', { token, body });
    expect(reply.status).toBe(201);
    const timeline = await service.request('GET', `/cases/${reply.body.caseId}/timeline`, { token });
    expect(timeline.body.events[0]).toMatchObject({ agency: 'polisen-malmo', actor: 'officer-99' });
  });

  it('refuses a request without a token', () => expectRefused(undefined, /Bearer/));

  it('refuses something that is not a JWT', () => expectRefused('not-a-token', /not a JWT/));

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await sign({ iss: 'polisen-malmo', sub: 'o', aud: 'samverkan', iat: now - 600, exp: now - 60 }), /expired/);
  });

  it('refuses a token signed by a key that is not registered for its agency', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await expectRefused(await sign({ iss: 'polisen-malmo', sub: 'o', aud: 'samverkan' }, privateKey), /not signed by a key registered for polisen-malmo/);
  });

  it("refuses a token signed with another agency's key", async () => {
    const key = devPrivateKey(service.config.dataDir, 'socialtjansten-malmo');
    await expectRefused(await sign({ iss: 'polisen-malmo', sub: 'o', aud: 'samverkan' }, key), /not signed by a key registered for polisen-malmo/);
  });

  it('refuses a token for another audience', async () => {
    await expectRefused(await sign({ iss: 'polisen-malmo', sub: 'o', aud: 'some-other-service' }), /aud/);
  });

  it('refuses a token from an issuer that is not a registered agency', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await expectRefused(await sign({ iss: 'polisen-narnia', sub: 'o', aud: 'samverkan' }, privateKey), /polisen-narnia is not a registered agency/);
  });

  it('refuses a token without an officer (sub)', async () => {
    await expectRefused(await sign({ iss: 'polisen-malmo', aud: 'samverkan' }), /sub/);
  });

  it('refuses a token that lives longer than the service allows', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await sign({ iss: 'polisen-malmo', sub: 'o', aud: 'samverkan', iat: now, exp: now + 7 * 24 * 3600 }), /at most 3600 s/);
  });

  describe('the officer (sub): a pseudonymous id, never what identifies a person', () => {
    const signed = (sub: unknown) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub } as Record<string, unknown>)
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer('polisen-malmo')
        .setAudience('samverkan')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(devPrivateKey(service.config.dataDir, 'polisen-malmo'));
    };

    it.each([
      ['empty', ''],
      ['an object', { id: 'officer-1' }],
      ['8,000 characters long', 'o'.repeat(8000)],
      ['holding a control character', 'officer\u0007-1'],
      ['holding a right-to-left override', 'officer-\u202e1'],
      ['holding a space', 'officer 1'],
      ['an e-mail address', 'anna.svensson@polisen.se'],
      ['a personal identity number', '19850101-1236'],
      ['a personal identity number without a dash', 'p198501011236'],
      ['a short personal identity number', '850101-1236'],
      ['digits only', '12345'],
    ])('refuses a sub that is %s, and writes nothing', async (_, sub) => {
      await expectRefused(await signed(sub), /sub/);
    });

    it.each(['officer-1', 'o', 'a1b2c3', '550e8400-e29b-41d4-a716-446655440000', 'PM.4711:stockholm'])('accepts %s', async (sub) => {
      expect((await service.request('POST', '/cases', { token: await signed(sub), body })).status).toBe(201);
    });
  });

  describe('clock skew', () => {
    it('accepts a token issued up to 30 s ahead of the server clock', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await sign({ iss: 'polisen-malmo', sub: 'officer-2', aud: 'samverkan', iat: now + 20, exp: now + 320 });
      expect((await service.request('POST', '/cases', { token, body })).status).toBe(201);
    });

    it('refuses one issued further ahead', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(await sign({ iss: 'polisen-malmo', sub: 'officer-2', aud: 'samverkan', iat: now + 120, exp: now + 420 }), /iat/);
    });

    it('accepts a token expired less than 30 s ago, and refuses one expired longer', async () => {
      const now = Math.floor(Date.now() / 1000);
      const lately = await sign({ iss: 'polisen-malmo', sub: 'officer-2', aud: 'samverkan', iat: now - 300, exp: now - 10 });
      expect((await service.request('POST', '/cases', { token: lately, body })).status).toBe(201);
      await expectRefused(await sign({ iss: 'polisen-malmo', sub: 'officer-2', aud: 'samverkan', iat: now - 300, exp: now - 60 }), /expired/);
    });
  });

  it('serves health and the API docs without a token', async () => {
    expect((await service.request('GET', '/health')).status).toBe(200);
    const openapi = await service.request('GET', '/docs/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/cases', '/cases/{id}/timeline', '/agencies/me/worklist']));
  });
});

describe('failed authentications', () => {
  let service: RunningService;
  let log: LogCapture;

  beforeAll(async () => {
    log = new LogCapture();
    service = await RunningService.start({ env: { SAMVERKAN_RATE_LIMIT_PER_ADDRESS: '20' }, logger: log });
  });
  afterAll(() => service.stop());

  it('are logged with the address and the rule, never the token, and an address that keeps failing gets 429 with Retry-After', async () => {
    const forged = 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJwb2xpc2VuLW1hbG1vIn0.secret-part-of-a-token';
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await service.request('GET', '/agencies/me/worklist', { token: forged })).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));
    const limited = await service.request('GET', '/agencies/me/worklist', { token: forged });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ status: 429, detail: expect.stringMatching(/too many requests/) });
    const failures = log.lines.filter((line) => line.includes('failed authentication'));
    expect(failures).toHaveLength(20);
    expect(failures[0]).toMatch(/from 127\.0\.0\.1: token-/);
    expect(log.lines.join('\n')).not.toContain('secret-part-of-a-token');
    // X-Forwarded-For from an address that is not a trusted proxy changes nothing.
    expect((await service.request('GET', '/agencies/me/worklist', { token: forged, headers: { 'x-forwarded-for': '10.9.8.7' } })).status).toBe(429);
  });

  it("do not spend an agency's allowance: a valid token is still served from the same address", async () => {
    const police = await service.as('polisen-malmo');
    expect((await police.get('/agencies/me/worklist')).status).toBe(200);
  });
});

describe('without development keys, as in production', () => {
  let service: RunningService;
  let work: string;
  let keyFile: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'samverkan-keys-'));
    keyFile = join(work, 'polisen-malmo.private.pem');
    // The operator's steps: a key pair for the agency's system, its public key registered in the agencies file.
    const made = spawnSync(process.execPath, ['scripts/run-ts.js', 'apps/coordinator/src/auth/agency-key.cli.ts', 'polisen-malmo', '--out', keyFile], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
    });
    expect(made.status).toBe(0);
    expect((statSync(keyFile).mode & 0o777).toString(8)).toBe('600');
    const registered = parse(readFileSync(join(__dirname, '..', 'config', 'agencies.yaml'), 'utf8'));
    registered.agencies.find((a: { id: string }) => a.id === 'polisen-malmo').publicKeys = parse(made.stdout).publicKeys;
    writeFileSync(join(work, 'agencies.yaml'), stringify(registered));
    // Without development keys the service makes no key of its own: the ledger's and the master key are given.
    const ledgerKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    service = await RunningService.start({
      env: {
        SAMVERKAN_DEV_KEYS: 'false',
        SAMVERKAN_AGENCIES_FILE: join(work, 'agencies.yaml'),
        SAMVERKAN_MASTER_KEY: randomBytes(32).toString('base64'),
        SAMVERKAN_LEDGER_KEY: ledgerKey,
      },
    });
  });
  afterAll(async () => {
    await service?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("accepts a token signed with the agency's registered key, and creates no development keys", async () => {
    const token = await signToken(createPrivateKey(readFileSync(keyFile)), 'polisen-malmo', 'officer-7');
    expect((await service.request('POST', '/cases', { token, body: { subject: { category: 'victim', ageGroup: 'adult' } } })).status).toBe(201);
    expect(existsSync(join(service.config.dataDir, 'dev-keys'))).toBe(false);
  });

  it('refuses every agency without a registered key', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const reply = await service.request('GET', '/agencies/me/worklist', { token: await signToken(privateKey, 'polisen-stockholm', 'officer-7') });
    expect(reply.status).toBe(401);
    expect(reply.body.detail).toMatch(/no verification key is registered for polisen-stockholm/);
  });
});
