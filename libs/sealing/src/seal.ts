import { hash as oneShotHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { EventDraft, GENESIS_HASH, JsonValue, SealedEnvelope, UnsealedEnvelope } from './envelope';

/** RFC 8785 canonical JSON of a value. Throws for values JSON cannot carry. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/** SHA-256 (hex) of a string, as UTF-8, or of bytes. */
export function sha256Hex(text: string | Uint8Array): string {
  return oneShotHash('sha256', text, 'hex');
}

/** The hash an envelope must carry: SHA-256 of the canonical JSON of everything but `hash`. */
export function envelopeHash(envelope: UnsealedEnvelope | SealedEnvelope): string {
  const { hash: _ignored, ...unsealed } = envelope as SealedEnvelope;
  return sha256Hex(canonicalJson(unsealed));
}

/**
 * Places drafts after `prev` (the last event of the stream, or none) and seals each: links it to its
 * predecessor and computes its hash. Data and metadata are copied through JSON so that what is hashed is
 * exactly what a reader of the stored bytes will see.
 */
export function sealEvents(stream: string, last: { revision: number; hash: string } | null, drafts: readonly EventDraft[]): SealedEnvelope[] {
  let prev = last?.hash ?? GENESIS_HASH;
  let revision = last ? last.revision + 1 : 0;
  return drafts.map((draft) => {
    const unsealed: UnsealedEnvelope = {
      id: draft.id,
      stream,
      revision,
      type: draft.type,
      schemaVersion: draft.schemaVersion,
      data: JSON.parse(JSON.stringify(draft.data)) as Record<string, JsonValue>,
      metadata: JSON.parse(JSON.stringify(draft.metadata)),
      prev,
    };
    // Each member is canonicalised once, and put in order once, for the hash and for the stored text both.
    const members = canonicalMembers(unsealed);
    const sealed: SealedEnvelope = { ...unsealed, hash: sha256Hex(joinMembers(members)) };
    const after = members.findIndex(([key]) => key > 'hash');
    members.splice(after < 0 ? members.length : after, 0, ['hash', JSON.stringify(sealed.hash)]);
    storedTexts.set(sealed, joinMembers(members));
    prev = sealed.hash;
    revision += 1;
    return sealed;
  });
}

/**
 * The stored text of the envelopes sealed in this process, made while sealing them, so that storing one does
 * not canonicalise it again. It is handed over once: kept on, it would double what the command path's cache of
 * envelopes holds. A sealed envelope is never changed (its type is read-only throughout); one built any other
 * way, a copy included, or serialised a second time, is canonicalised.
 */
const storedTexts = new WeakMap<SealedEnvelope, string>();

/** The stored bytes of a sealed envelope: its canonical JSON, hash included. */
export function serializeEnvelope(envelope: SealedEnvelope): string {
  const sealedText = storedTexts.get(envelope);
  if (sealedText === undefined) return canonicalJson(envelope);
  storedTexts.delete(envelope);
  return sealedText;
}

/**
 * An object's members with their values canonicalised (canonicalize's own rules: a member whose value is
 * undefined is left out), in the order of their keys' UTF-16 code units (RFC 8785 3.2.3), to be joined into the
 * object's canonical JSON by joinMembers.
 */
function canonicalMembers(object: object): Array<[key: string, value: string]> {
  const members: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(object)) if (value !== undefined) members.push([key, canonicalJson(value)]);
  return members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The canonical JSON of an object from its members, in order (canonicalMembers). */
function joinMembers(members: ReadonlyArray<[key: string, value: string]>): string {
  return `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}
