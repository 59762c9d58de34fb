import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { devPrivateKey } from '../apps/coordinator/src/auth/dev-keys';
import { RunningService } from './support/running-service';

describe('authenticating an agency', () => {
  let service: RunningService;
  const body = { subject: { category: 'victim', ageGroup: 'adult' } };

  beforeAll(async () => {
    service = await RunningService.start();
  });
  afterAll(() => service.stop());

  const sign = (claims: { iss?: string; sub?: string; aud?: string; iat?: number; exp?: number }, key = devPrivateKey(service.config.dataDir, claims.iss ?? 'polisen-malmo')) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setIssuedAt(claims.iat ?? now).setExpirationTime(claims.exp ?? now + 300);
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

  it('serves health and the API docs without a token', async () => {
    expect((await service.request('GET', '/health')).status).toBe(200);
    const openapi = await service.request('GET', '/docs/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/cases', '/cases/{id}/timeline', '/agencies/me/worklist']));
  });
});
