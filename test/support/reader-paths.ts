/**
 * What one agency sees of a case on each path it can read it by (the HTTP timeline, its feed, its Kafka topic),
 * brought to one shape so that the paths can be compared: they must agree event for event, field for field.
 */
import type { Published } from '../../apps/coordinator/src/relay/testing/relay-expectations';
import { AgencyClient } from './running-service';

/** One event as a reader was shown it. */
export interface Seen {
  readonly eventId: string;
  readonly type: string;
  readonly revision: number;
  readonly data: Record<string, unknown>;
  readonly withheldFields: readonly string[];
  readonly basis: string;
  readonly consentScopes?: readonly string[];
  readonly case?: Record<string, unknown>;
}

interface Entry {
  id?: string;
  eventId?: string;
  type: string;
  revision: number;
  data: Record<string, unknown>;
  withheldFields: string[];
  basis: string;
  consentScopes?: string[];
  case?: Record<string, unknown>;
}

function seen(eventId: string, entry: Entry): Seen {
  const { type, revision, data, withheldFields, basis, consentScopes } = entry;
  return { eventId, type, revision, data, withheldFields, basis, ...(consentScopes ? { consentScopes } : {}), ...(entry.case ? { case: entry.case } : {}) };
}

/** An entry of GET /cases/:id/timeline. */
export const fromTimeline = (entry: Entry): Seen => seen(entry.id!, entry);

/** An entry of GET /agencies/me/feed. */
export const fromFeed = (entry: Entry): Seen => seen(entry.eventId!, entry);

/** A message of an agency's Kafka topic, as a read_committed consumer reads it. */
export function fromKafka({ headers, value }: Published): Seen {
  const { case: brief, ...data } = value as Record<string, unknown> & { case?: Record<string, unknown> };
  return {
    eventId: headers.ce_id,
    type: headers.ce_type.split('.')[3],
    revision: Number(headers.ce_samverkanrevision),
    data,
    withheldFields: headers.ce_samverkanwithheld ? headers.ce_samverkanwithheld.split(',') : [],
    basis: headers.ce_samverkanbasis,
    ...(headers.ce_samverkanconsent ? { consentScopes: headers.ce_samverkanconsent.split(',') } : {}),
    ...(brief ? { case: brief } : {}),
  };
}

/** The agency's whole feed, page by page. */
export async function wholeFeed(client: AgencyClient, pageSize = 200): Promise<Array<Entry & { caseId: string }>> {
  const entries = [];
  for (let after = '0'; ;) {
    const page = (await client.get(`/agencies/me/feed?after=${after}&limit=${pageSize}`)).body;
    entries.push(...page.events);
    if (page.events.length === 0) return entries;
    after = page.next;
  }
}

/** What the agency's feed holds of one case, in order. */
export async function feedOfCase(client: AgencyClient, caseId: string): Promise<Seen[]> {
  return (await wholeFeed(client)).filter((entry) => entry.caseId === caseId).map(fromFeed);
}

/**
 * What the agency's timeline of the case shows, in order, with free text encrypted as the feed and Kafka carry
 * it (`?text=encrypted`); undefined when it may not read it. `query` adds to the query string (`revision=3`).
 */
export async function timelineOf(client: AgencyClient, caseId: string, query = ''): Promise<Seen[] | undefined> {
  const reply = await client.get(`/cases/${caseId}/timeline?text=encrypted${query ? `&${query.replace(/^\?/, '')}` : ''}`);
  return reply.status === 200 ? (reply.body.events as Entry[]).map(fromTimeline) : undefined;
}
