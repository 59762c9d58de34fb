import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgencyRegistry } from '../agencies/agency-registry';
import { AgencyAuthenticator } from './agency-authenticator';
import { signDevToken } from './dev-keys';

const POLICE = 'polisen-malmo';
const registry = AgencyRegistry.fromFile(resolve(__dirname, '../../../../config/agencies.yaml'));

describe('tokens verified once within their lifetime', () => {
  let dataDir: string;
  let authenticator: AgencyAuthenticator;
  const start = new Date('2026-12-06T08:00:00Z');

  beforeEach(() => {
    jest.useFakeTimers({ now: start, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    dataDir = mkdtempSync(join(tmpdir(), 'samverkan-authenticator-'));
    authenticator = new AgencyAuthenticator(registry, { dataDir, devKeys: true, maxTokenLifetimeSeconds: 3600, clockSkewSeconds: 30 });
  });

  afterEach(() => {
    jest.useRealTimers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const at = (seconds: number) => jest.setSystemTime(new Date(start.getTime() + seconds * 1000));
  const bearer = (token: string) => `Bearer ${token}`;

  it('accepts a verified token again until it expires, with the clock skew allowed, and then refuses it', async () => {
    const token = await signDevToken(dataDir, POLICE, 'officer-1', 60);
    expect(await authenticator.authenticate(bearer(token))).toMatchObject({ agency: { id: POLICE }, actorId: 'officer-1' });
    at(89);
    expect(await authenticator.authenticate(bearer(token))).toMatchObject({ agency: { id: POLICE }, actorId: 'officer-1' });
    at(90);
    await expect(authenticator.authenticate(bearer(token))).rejects.toMatchObject({ rule: 'token-invalid', message: 'the token has expired' });
    // and stays refused
    await expect(authenticator.authenticate(bearer(token))).rejects.toMatchObject({ rule: 'token-invalid', message: 'the token has expired' });
  });

  it('verifies anything that is not exactly a token it verified: an altered signature is refused', async () => {
    const token = await signDevToken(dataDir, POLICE, 'officer-1', 60);
    await authenticator.authenticate(bearer(token));
    const [header, payload, signature] = token.split('.');
    const altered = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`;
    await expect(authenticator.authenticate(bearer(altered))).rejects.toMatchObject({ rule: 'token-invalid' });
    // the genuine one is still accepted
    expect(await authenticator.authenticate(bearer(token))).toMatchObject({ actorId: 'officer-1' });
  });

  it('keeps the refusal of a token that did not verify', async () => {
    const token = await signDevToken(dataDir, POLICE, 'officer-1', 7200); // longer than the service allows
    await expect(authenticator.authenticate(bearer(token))).rejects.toMatchObject({ rule: 'token-lifetime' });
    await expect(authenticator.authenticate(bearer(token))).rejects.toMatchObject({ rule: 'token-lifetime' });
  });
});
