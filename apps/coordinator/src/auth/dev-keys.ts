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
  const existing = readDevKey(dataDir, agencyId);
  if (existing) return existing;
  const dir = join(dataDir, 'dev-keys');
  const file = join(dir, `${agencyId}.private.jwk.json`);
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

/**
 * The development key a service made for the agency in `dataDir`, for a command that signs as the agency (`npm
 * run token`, the demo): never made here. A command given another data directory than the service's would
 * otherwise sign with keys of its own, and every token it printed would be refused.
 */
export function existingDevPrivateKey(dataDir: string, agencyId: string): KeyObject {
  const key = readDevKey(dataDir, agencyId);
  if (key) return key;
  throw new Error(
    `no development key for ${agencyId} in ${join(dataDir, 'dev-keys')}: a service makes its agencies' keys in its data directory ` +
      'when it starts with development keys. Start it there (npm start), or give this command the data directory the service ' +
      'was started with: SAMVERKAN_DATA_DIR=<that directory> npm run -s token -- …',
  );
}

/** The agency's development key in `dataDir`, or undefined where there is none yet. */
function readDevKey(dataDir: string, agencyId: string): KeyObject | undefined {
  try {
    const file = join(dataDir, 'dev-keys', `${agencyId}.private.jwk.json`);
    return createPrivateKey({ key: JSON.parse(readFileSync(file, 'utf8')) as JsonWebKey, format: 'jwk' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The command that prints a development token for this service, with the settings it was started with where
 * they are not the defaults: run without them, it would read other keys, and its tokens would be refused.
 */
export function tokenCommand(config: { dataDir: string; port: number; agenciesFile: string }, env: NodeJS.ProcessEnv): string {
  const settings = [
    env.SAMVERKAN_DATA_DIR !== undefined ? `SAMVERKAN_DATA_DIR=${config.dataDir}` : '',
    env.SAMVERKAN_AGENCIES_FILE !== undefined ? `SAMVERKAN_AGENCIES_FILE=${config.agenciesFile}` : '',
    env.PORT !== undefined ? `PORT=${config.port}` : '',
  ].filter((setting) => setting !== '');
  return [...settings, 'npm run -s token -- polisen-malmo officer-1'].join(' ');
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
