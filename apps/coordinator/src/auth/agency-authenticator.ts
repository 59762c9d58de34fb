import { KeyObject } from 'node:crypto';
import { decodeJwt, errors as joseErrors, importJWK, JWK, jwtVerify, KeyLike } from 'jose';
import { UnauthenticatedError } from '@samverkan/common';
import { Agency, AgencyRegistry } from '../agencies/agency-registry';
import { AppConfig } from '../config/app-config';
import { ACTOR_ID_RULE, isPseudonymousActorId } from './actor-id';
import { AUDIENCE, devPublicKey } from './dev-keys';

/** The caller of a request, once its token has been verified. */
export interface Caller {
  readonly agency: Agency;
  /** Pseudonymous id of the acting officer (`sub`). */
  readonly actorId: string;
}

const ALGORITHMS = ['EdDSA', 'ES256'];
/** Tokens kept as verified at most; the oldest go first. */
const VERIFIED_TOKENS = 10_000;

/** A token verified before: whom it names, and the last second it is still accepted. */
interface Verified {
  readonly caller: Caller;
  readonly acceptedUntil: number;
}

/**
 * Verifies agency bearer tokens: signed by a key registered for the agency named in `iss`, for audience
 * `samverkan`, with an expiry no further than the configured lifetime from its issue time.
 *
 * A token's signature is checked once: a token that verified is kept (the exact token, at most
 * VERIFIED_TOKENS of them) with the last second it is accepted, the earlier of its expiry and the end of the
 * lifetime the service allows from its issue, each with the clock skew allowed. Until then the same token is
 * accepted without checking its signature again; after, it is refused as expired, as it would be anyway. The
 * agencies' keys are loaded once, so no key a kept token was verified with can be taken away meanwhile.
 */
export class AgencyAuthenticator {
  private readonly keys = new Map<string, Promise<Array<KeyLike | KeyObject | Uint8Array>>>();
  private readonly verified = new Map<string, Verified>();

  constructor(
    private readonly registry: AgencyRegistry,
    private readonly config: Pick<AppConfig, 'dataDir' | 'devKeys' | 'maxTokenLifetimeSeconds' | 'clockSkewSeconds'>,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Caller> {
    const token = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new UnauthenticatedError('send an agency token as `Authorization: Bearer <JWT>`', { rule: 'bearer-token-missing' });
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() / 1000 < known.acceptedUntil) return known.caller;
      this.verified.delete(token);
      throw new UnauthenticatedError('the token has expired', { rule: 'token-invalid' });
    }
    return this.verify(token);
  }

  private async verify(token: string): Promise<Caller> {
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new UnauthenticatedError('the bearer token is not a JWT', { rule: 'token-malformed' });
    }
    const agency = issuer ? this.registry.get(issuer) : undefined;
    if (!agency) throw new UnauthenticatedError(`the token's issuer ${issuer ?? '(none)'} is not a registered agency`, { rule: 'unknown-issuer' });
    const keys = await this.keysOf(agency);
    let lastError: unknown;
    for (const key of keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: agency.id,
          audience: AUDIENCE,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'iat', 'sub'],
          maxTokenAge: this.config.maxTokenLifetimeSeconds,
          clockTolerance: this.config.clockSkewSeconds,
        });
        if (payload.exp! - payload.iat! > this.config.maxTokenLifetimeSeconds) {
          throw new UnauthenticatedError(
            `the token is valid for ${payload.exp! - payload.iat!} s; at most ${this.config.maxTokenLifetimeSeconds} s is accepted`,
            { rule: 'token-lifetime' },
          );
        }
        const caller = { agency, actorId: actorIdOf(payload.sub) };
        const skew = this.config.clockSkewSeconds;
        this.remember(token, { caller, acceptedUntil: Math.min(payload.exp! + skew, payload.iat! + this.config.maxTokenLifetimeSeconds + skew) });
        return caller;
      } catch (error) {
        if (error instanceof UnauthenticatedError) throw error;
        lastError = error;
        if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw new UnauthenticatedError(explain(lastError, agency.id), { rule: 'token-invalid' });
  }

  private remember(token: string, verified: Verified): void {
    this.verified.set(token, verified);
    if (this.verified.size > VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
  }

  /**
   * Loads every agency's keys, creating development keys where none are registered and they are enabled,
   * so that a bad registered key stops the service at start rather than failing that agency's requests.
   * Returns the agencies that use development keys.
   */
  async loadAll(): Promise<string[]> {
    await Promise.all(this.registry.all().map((agency) => this.keysOf(agency)));
    return this.config.devKeys
      ? this.registry
          .all()
          .filter((a) => a.publicKeys.length === 0)
          .map((a) => a.id)
      : [];
  }

  private keysOf(agency: Agency): Promise<Array<KeyLike | KeyObject | Uint8Array>> {
    let keys = this.keys.get(agency.id);
    if (!keys) {
      keys = this.loadKeys(agency);
      this.keys.set(agency.id, keys);
    }
    return keys;
  }

  private async loadKeys(agency: Agency): Promise<Array<KeyLike | KeyObject | Uint8Array>> {
    if (agency.publicKeys.length > 0) {
      return Promise.all(agency.publicKeys.map((jwk) => importJWK(jwk as unknown as JWK, typeof jwk.alg === 'string' ? jwk.alg : undefined)));
    }
    if (this.config.devKeys) return [devPublicKey(this.config.dataDir, agency.id)];
    return [];
  }
}

/** The officer's id from `sub`; see isPseudonymousActorId. */
function actorIdOf(sub: unknown): string {
  if (!isPseudonymousActorId(sub)) {
    throw new UnauthenticatedError(`the token's sub claim must be ${ACTOR_ID_RULE}`, { rule: 'token-subject-invalid' });
  }
  return sub;
}

function explain(error: unknown, agencyId: string): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not acceptable: ${error.message}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return `the token is not signed by a key registered for ${agencyId}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return `the token's algorithm is not accepted; use ${ALGORITHMS.join(' or ')}`;
  if (error === undefined) return `no verification key is registered for ${agencyId}`;
  return `the token is not valid: ${(error as Error).message}`;
}
