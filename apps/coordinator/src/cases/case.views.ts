import { SealedEnvelope } from '@samverkan/sealing';
import { DisclosedEvent } from './case.disclosure';

/**
 * One event as a reader sees it: on the timeline and in the feed alike (and, as a Kafka message, its data,
 * `case` and basis): what the access table lets the reader see of its data, which fields were withheld, and on
 * which legal basis it is shown.
 */
export function disclosedEntry(envelope: SealedEnvelope, disclosed: DisclosedEvent) {
  const { metadata } = envelope;
  return {
    type: envelope.type,
    revision: envelope.revision,
    schemaVersion: envelope.schemaVersion,
    agency: metadata.agencyId,
    actor: metadata.actorId,
    occurredAt: metadata.occurredAt,
    recordedAt: metadata.recordedAt,
    data: disclosed.data,
    withheldFields: disclosed.withheldFields,
    basis: disclosed.basis,
    ...(disclosed.consentScopes ? { consentScopes: disclosed.consentScopes } : {}),
    ...(disclosed.case ? { case: disclosed.case } : {}),
    hash: envelope.hash,
  };
}

export type DisclosedEntry = ReturnType<typeof disclosedEntry>;

/** One entry of a case timeline: the event as the reader sees it, with the rest of its envelope. */
export function timelineEntry(envelope: SealedEnvelope, disclosed: DisclosedEvent) {
  return {
    id: envelope.id,
    ...disclosedEntry(envelope, disclosed),
    commandId: envelope.metadata.commandId,
    causationId: envelope.metadata.causationId,
    prev: envelope.prev,
  };
}
