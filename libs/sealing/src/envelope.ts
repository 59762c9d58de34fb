/** JSON values as they are hashed: no undefined, no functions, no class instances. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who did it, on whose behalf, and when; part of what is hashed. */
export interface EventMetadata {
  /** Id of the agency that issued the command (`samverkan` for the system's own process managers). */
  readonly agencyId: string;
  /** Pseudonymous id of the acting officer (JWT `sub`), or the process manager's name. */
  readonly actorId: string;
  /** The command that caused the event (the `Idempotency-Key`, or one the service minted). */
  readonly commandId: string;
  readonly correlationId: string;
  /**
   * SHA-256 of what the caller sent with the command (route and body), so that a command id reused for a
   * different request is recognised as such; absent for commands the service issues itself.
   */
  readonly commandFingerprint?: string;
  /** Id of the event that triggered the command, for events issued by process managers. */
  readonly causationId: string | null;
  /** When the fact happened in the world, as far as the command says; ISO 8601. */
  readonly occurredAt: string;
  /** When the service recorded it; ISO 8601. */
  readonly recordedAt: string;
}

/** An event as a decider produced it and the command path described it, before it has a place in a stream. */
export interface EventDraft {
  /** UUIDv7 */
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
}

/** Everything that is hashed: the draft placed in its stream and linked to its predecessor. */
export interface UnsealedEnvelope extends EventDraft {
  readonly stream: string;
  /** 0 for the first event of a stream. */
  readonly revision: number;
  /** Hash of the previous event of the stream; 64 zeros for the first. */
  readonly prev: string;
}

/** The stored form of every event. `hash` = SHA-256 (hex) of the RFC 8785 canonical JSON of the rest. */
export interface SealedEnvelope extends UnsealedEnvelope {
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
