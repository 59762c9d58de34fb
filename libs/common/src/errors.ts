/**
 * The one error channel of samverkan. Every failure the domain or an adapter reports is one of these,
 * with a stable `code`; a single exception filter maps them to RFC 9457 problem responses.
 */
export type ErrorCode = 'validation' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'precondition-failed' | 'invariant' | 'unavailable';

export abstract class SamverkanError extends Error {
  abstract readonly code: ErrorCode;
  /** Facts that explain the failure (which agency, which referral, which revision). */
  readonly details: Readonly<Record<string, unknown>>;
  /** A short stable name of the broken rule, e.g. `referral-not-addressed-to-agency`. */
  readonly rule?: string;

  constructor(message: string, options: { rule?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = new.target.name;
    this.rule = options.rule;
    this.details = options.details ?? {};
  }
}

/** Input that can never be valid as given. */
export class ValidationError extends SamverkanError {
  readonly code = 'validation' as const;
}

/** No, missing, expired or forged credentials. */
export class UnauthenticatedError extends SamverkanError {
  readonly code = 'unauthenticated' as const;
}

/** The caller is known but its agency may not do this. */
export class ForbiddenError extends SamverkanError {
  readonly code = 'forbidden' as const;
}

/** The thing does not exist, or the caller may not learn that it does. */
export class NotFoundError extends SamverkanError {
  readonly code = 'not-found' as const;
}

/** The request clashes with the current state (a closed case, an answered referral, a reused key). */
export class ConflictError extends SamverkanError {
  readonly code = 'conflict' as const;
}

/** A stream was not at the revision the writer expected. */
export class ConcurrencyError extends SamverkanError {
  readonly code = 'conflict' as const;
  constructor(
    readonly stream: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`stream ${stream} is at revision ${actual}, not at ${expected} as expected`, {
      rule: 'expected-revision',
      details: { stream, expected, actual },
    });
  }
}

/** The caller's If-Match did not hold. */
export class PreconditionFailedError extends SamverkanError {
  readonly code = 'precondition-failed' as const;
}

/** A business rule forbids the step whatever the state (cooperation for a non-victim, say). */
export class InvariantError extends SamverkanError {
  readonly code = 'invariant' as const;
}

/** Something the request needs cannot be done now (the access log cannot be written); try again later. */
export class UnavailableError extends SamverkanError {
  readonly code = 'unavailable' as const;
}
