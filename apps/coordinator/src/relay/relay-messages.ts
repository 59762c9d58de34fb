import { LogPosition, RecordedEvent } from '@samverkan/eventstore';
import { Delivery } from '../cases/case.disclosure';

/** Where the relay publishes: one topic per agency, its own positions, and the ledger's checkpoints. */
export interface RelayTopics {
  events(agencyId: string): string;
  readonly positions: string;
  readonly checkpoints: string;
}

export function relayTopics(prefix = 'samverkan'): RelayTopics {
  // One string an agency, not one a message: the topic is a key of every map the message passes through on
  // its way to the broker, and a string made anew is hashed anew at each.
  const names = new Map<string, string>();
  return {
    events: (agencyId) => {
      let name = names.get(agencyId);
      if (name === undefined) names.set(agencyId, (name = `${prefix}.${agencyId}.events`));
      return name;
    },
    positions: `${prefix}.relay.positions`,
    checkpoints: `${prefix}.ledger.checkpoints`,
  };
}

/**
 * What the relay has published, committed with its messages: the store position of the last event relayed
 * and that event's ledger index (its 0-based place in the global log, every stream counted).
 */
export interface RelayPosition {
  readonly position: LogPosition;
  readonly index: number;
}

export interface RelayMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * One delivery as a Kafka message in CloudEvents binary mode: the attributes in `ce_` headers (with the legal
 * basis it is shared on, and the consent scopes when that is consent), the data the agency may see as the
 * value (with the case as the agency may see it under `case` when the event brings the agency to the case).
 */
export function relayMessage(
  event: RecordedEvent,
  caseId: string,
  delivery: Delivery,
  ledgerIndex: number,
  /** The JSON of data already written for the event's other deliveries, by the object it was written from. */
  written?: Map<object, string>,
): RelayMessage {
  const { envelope } = event;
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: envelope.id,
    ce_source: `/samverkan/cases/${caseId}`,
    ce_type: `se.samverkan.case.${envelope.type}.v${envelope.schemaVersion}`,
    ce_time: envelope.metadata.recordedAt,
    ce_subject: caseId,
    'content-type': 'application/json',
    ce_samverkanrevision: String(envelope.revision),
    ce_samverkanhash: envelope.hash,
    ce_samverkanledgerindex: String(ledgerIndex),
  };
  headers.ce_samverkanbasis = delivery.basis;
  if (delivery.consentScopes) headers.ce_samverkanconsent = delivery.consentScopes.join(',');
  if (delivery.withheldFields.length > 0) headers.ce_samverkanwithheld = delivery.withheldFields.join(',');
  const value = delivery.case ? JSON.stringify({ ...delivery.data, case: delivery.case }) : jsonOf(delivery.data, written);
  return { key: caseId, value, headers };
}

/** Agencies that may see all of an event are given the same data object: it is written as JSON once. */
function jsonOf(data: object, written: Map<object, string> | undefined): string {
  let text = written?.get(data);
  if (text === undefined) {
    text = JSON.stringify(data);
    written?.set(data, text);
  }
  return text;
}
