import { generateKeyPairSync, KeyObject, createPrivateKey, createPublicKey, JsonWebKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';

export const AUDIENCE = 'samverkan';

/**
 * Development signing keys, one Ed25519 pair per agency, kept in `<dataDir>/dev-keys/`. They stand in for the
 * keys an agency registers in production, so that the embedded default can be used at once; a process given
 * the same data directory uses the same keys.
 */
export function devPrivateKey(dataDir: string, agencyId: string): KeyObject {
  const dir = join(dataDir, 'dev-keys');
  const file = join(dir, `${agencyId}.private.jwk.json`);
  try {
    return createPrivateKey({ key: JSON.parse(readFileSync(file, 'utf8')) as JsonWebKey, format: 'jwk' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  try {
    writeFileSync(file, JSON.stringify(privateKey.export({ format: 'jwk' })), { flag: 'wx', mode: 0o600 });
    return privateKey;
  } catch (error) {
    // Another process created it first: use that one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return devPrivateKey(dataDir, agencyId);
    throw error;
  }
}

export function devPublicKey(dataDir: string, agencyId: string): KeyObject {
  return createPublicKey(devPrivateKey(dataDir, agencyId));
}

/** Signs a short-lived token with the agency's development key, as the agency's system would. */
export async function signDevToken(dataDir: string, agencyId: string, actorId: string, lifetimeSeconds = 900): Promise<string> {
  return signToken(devPrivateKey(dataDir, agencyId), agencyId, actorId, lifetimeSeconds);
}

/** A token as an agency's system signs one: `iss` agency, `sub` officer, `aud` samverkan. */
export async function signToken(key: KeyObject, agencyId: string, actorId: string, lifetimeSeconds = 900): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer(agencyId)
    .setSubject(actorId)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(key);
}
