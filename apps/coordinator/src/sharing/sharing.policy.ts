import { JsonObject } from '@samverkan/sealing';
import { AgencyKind } from '../agencies/agency';
import { CaseEvent, CaseEventType, CaseState, Referral } from '../cases/case.model';

/**
 * Who receives an event of a case:
 * - `team`: the agencies on the case's team when it happened: members before or after the event, so an
 *   agency sees its own joining and its own leaving, and nothing before or after its time on the team;
 * - `referral-parties`: the team, and also the agency the referral is addressed to and the coordinator it
 *   was escalated to, who are not on the team but must see the referral to answer it.
 */
export type Audience = 'team' | 'referral-parties';

export interface SharingRule {
  readonly audience: Audience;
  /** Agency kinds that do not receive the event at all when a field of its data has one of these values. */
  readonly withhold?: { readonly kinds: readonly AgencyKind[]; readonly field: string; readonly values: readonly string[] };
  /** Fields of the data that only these kinds receive; the others get the event without them. */
  readonly fieldsOnlyFor?: { readonly fields: readonly string[]; readonly kinds: readonly AgencyKind[] };
  /** A party to the referral who is not on the team also gets the case's descriptors, to decide on it. */
  readonly descriptorsForNonMembers?: boolean;
}

/** Support whose details are for health, social services and the law, not for migration decisions. */
const CARE_SUPPORT = ['health-care', 'psychological', 'counselling-individual', 'counselling-group'];

/** Which agency receives which event of a case, and which of its fields: the one table the relay, the feed and the tests read. */
export const SHARING_TABLE: Readonly<Record<CaseEventType, SharingRule>> = {
  CaseOpened: { audience: 'team' },
  AgencyJoinedCase: { audience: 'team' },
  AgencyLeftCase: { audience: 'team' },
  CaseReferred: { audience: 'referral-parties', descriptorsForNonMembers: true },
  ReferralAccepted: { audience: 'referral-parties' },
  ReferralDeclined: { audience: 'referral-parties' },
  ReferralWithdrawn: { audience: 'referral-parties' },
  ReferralEscalated: { audience: 'referral-parties', descriptorsForNonMembers: true },
  SupportProvided: { audience: 'team', withhold: { kinds: ['migration'], field: 'kind', values: CARE_SUPPORT } },
  ConsentGiven: { audience: 'team' },
  ConsentWithdrawn: { audience: 'team' },
  ReflectionPeriodGranted: { audience: 'team' },
  ResidencePermitDecided: { audience: 'team' },
  VictimCooperationRecorded: { audience: 'team' },
  InvestigationOpened: { audience: 'team' },
  InvestigationClosed: { audience: 'team' },
  ProsecutionInitiated: { audience: 'team' },
  SentencingOutcomeRecorded: { audience: 'team' },
  EvidenceRegistered: { audience: 'team', fieldsOnlyFor: { fields: ['description'], kinds: ['police', 'prosecution'] } },
  EvidenceTransferred: { audience: 'team' },
  CaseClosed: { audience: 'team' },
  CaseReopened: { audience: 'team' },
};

/** What one agency receives of one event. */
export interface Delivery {
  readonly agencyId: string;
  readonly kind: AgencyKind;
  /** The event's data as this agency may see it. */
  readonly data: JsonObject;
  /** Fields left out for this agency; when any is, the data no longer hashes to the event's hash. */
  readonly withheldFields: readonly string[];
  /** The case's descriptors, for a referral's party who is not on the team. */
  readonly case?: { readonly subject: { category: string; ageGroup: string } | null; readonly city: string | null; readonly exploitation: string | null };
}

/**
 * Decides who receives an event of a case, and what of it, from the case's state just before and just
 * after the event. Pure: the relay and the per-agency feed call it for every event of the global log.
 */
export function share(event: CaseEvent, before: CaseState, after: CaseState): Delivery[] {
  const rule = SHARING_TABLE[event.type];
  if (!rule) return []; // an event type this table does not know is shared with nobody
  const recipients = new Map<string, AgencyKind>();
  for (const member of [...before.team, ...after.team]) recipients.set(member.agencyId, member.kind);
  // The opening agency leads the case from its first event; it joins the team with the next.
  if (event.type === 'CaseOpened') recipients.set(event.data.leadAgency, event.data.leadAgencyKind);
  const members = new Set(recipients.keys());
  if (rule.audience === 'referral-parties') {
    const referral = referralOf(event, after);
    if (referral) {
      recipients.set(referral.toAgency, referral.toAgencyKind);
      if (referral.escalatedTo) recipients.set(referral.escalatedTo, 'coordinator');
    }
  }
  const data = event.data as unknown as JsonObject;
  const deliveries: Delivery[] = [];
  for (const [agencyId, kind] of recipients) {
    const { withhold, fieldsOnlyFor } = rule;
    if (withhold && withhold.kinds.includes(kind) && withhold.values.includes(String(data[withhold.field]))) continue;
    const withheldFields = fieldsOnlyFor && !fieldsOnlyFor.kinds.includes(kind) ? fieldsOnlyFor.fields.filter((f) => f in data) : [];
    const shown = withheldFields.length === 0 ? data : Object.fromEntries(Object.entries(data).filter(([field]) => !withheldFields.includes(field)));
    const descriptors = rule.descriptorsForNonMembers && !members.has(agencyId) ? caseDescriptors(after) : undefined;
    deliveries.push({ agencyId, kind, data: shown, withheldFields, ...(descriptors ? { case: descriptors } : {}) });
  }
  return deliveries;
}

function referralOf(event: CaseEvent, state: CaseState): Referral | undefined {
  const referralId = (event.data as { referralId?: string }).referralId;
  return state.referrals.find((r) => r.referralId === referralId);
}

function caseDescriptors(state: CaseState) {
  return {
    subject: state.subject && { category: state.subject.category, ageGroup: state.subject.ageGroup },
    city: state.city,
    exploitation: state.exploitation,
  };
}
