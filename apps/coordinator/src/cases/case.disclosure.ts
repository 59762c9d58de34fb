import type { StoredEvent } from '@samverkan/eventstore';
import { JsonObject } from '@samverkan/sealing';
import { AgencyKind, Issuer } from '../agencies/agency';
import {
  CARE_SUPPORT_KINDS,
  CONTENT_ACCESS,
  EVENT_CATEGORY,
  Grant,
  INFO_CATEGORIES,
  InfoCategory,
  LegalBasis,
  OperationalKind,
  ReaderStanding,
} from './case.access';
import { CaseEvent, CaseState, ConsentScope, presumedChild, Referral, SupportKind } from './case.model';
import { upcastCaseEvent } from './case.upcast';

/**
 * The one projection of a case for a reader, read from the access table (case.access.ts): what of an event
 * (`discloseEvent`) and of a case's state (`caseSummaryFor`) an agency may see. The HTTP reads, the feed, the
 * Kafka relay and the audit bundle all call these, so one reader gets the same on every path. Pure.
 */

/** A stored case event, as much of it as disclosure reads. */
export interface DisclosableEvent extends StoredEvent {
  readonly revision: number;
  readonly metadata: { readonly agencyId: string };
}

/** The basis a reader sees something on, and for consent the scopes it rests on. */
export interface AppliedBasis {
  readonly basis: LegalBasis;
  readonly consentScopes?: readonly ConsentScope[];
}

/** What one reader sees of one event. */
export interface DisclosedEvent extends AppliedBasis {
  /** The event's data as stored, less the withheld fields. */
  readonly data: JsonObject;
  /** Fields left out; when any is, `data` no longer hashes to the event's hash. */
  readonly withheldFields: readonly string[];
  /**
   * The case as it stands after the event, as this reader may see it, when the event brings the reader to
   * the case: a referral addressed to it (its descriptors), or its own joining (its summary from then on).
   */
  readonly case?: CaseSummary;
}

/** What one agency receives of an event: the relay's and the feed's fan-out. */
export interface Delivery extends DisclosedEvent {
  readonly agencyId: string;
  readonly kind: AgencyKind;
}

/** The reader's standing on the case in this state. */
export function standingOf(state: CaseState, reader: Issuer): ReaderStanding {
  if (reader.kind === 'auditor') return 'auditor';
  if (state.status === 'none') return 'outsider';
  if (state.team.some((m) => m.agencyId === reader.agencyId)) return state.leadAgency === reader.agencyId ? 'lead' : 'member';
  const addressed = state.referrals.some((r) => r.status === 'open' && (r.toAgency === reader.agencyId || r.escalatedTo === reader.agencyId));
  // An addressee told of the case only on consent (an NGO) is one no longer once the consent is withdrawn.
  if (addressed && toldOfCase(reader.kind, state).allowed) return 'addressee';
  return 'outsider';
}

/** The category of an event: support of a care kind is care. */
export function categoryOf(event: CaseEvent): InfoCategory | undefined {
  if (event.type === 'SupportProvided' && CARE_SUPPORT_KINDS.includes(event.data.kind)) return 'care';
  return EVENT_CATEGORY[event.type];
}

/** What an auditor sees of a stored case event, whatever the case's state: all of it, on the auditor's remit. */
export function disclosedToAuditor(stored: DisclosableEvent): DisclosedEvent {
  return { data: stored.data as JsonObject, withheldFields: [], basis: 'auditor-remit' };
}

/**
 * What `reader` may see of a stored case event, from the case's state just before and just after it; nothing
 * (undefined) when it may not see the event at all. Consent and a child subject are taken as they stood at
 * the event: withdrawing consent stops sharing from then on, and what was shared before stays shared.
 */
export function discloseEvent(stored: DisclosableEvent, before: CaseState, after: CaseState, reader: Issuer): DisclosedEvent | undefined {
  if (reader.kind === 'auditor') return disclosedToAuditor(stored);
  const data = stored.data as JsonObject;
  const event = upcastCaseEvent(stored);
  const category = categoryOf(event);
  if (!category) return undefined; // an event type this version does not know is shown to nobody but auditors
  const row = CONTENT_ACCESS[category];
  const member = onTeam(before, reader) || onTeam(after, reader) || (event.type === 'CaseOpened' && event.data.leadAgency === reader.agencyId);
  const brief = broughtIn(event, after, reader) ? caseSummaryFor(after, stored.revision, reader) : undefined;
  const withBrief = (disclosed: DisclosedEvent): DisclosedEvent => (brief ? { ...disclosed, case: brief } : disclosed);
  if (!member) {
    if (row.audience !== 'referral-parties' || !isReferralParty(event, after, reader)) return undefined;
    const party = grantFor(row.parties?.[reader.kind as OperationalKind] ?? [], after);
    return party && withBrief({ data, withheldFields: [], ...party });
  }
  if (stored.metadata.agencyId === reader.agencyId) return withBrief({ data, withheldFields: [], basis: 'mandate' }); // its own record
  const applied = grantFor(row.grants[reader.kind as OperationalKind] ?? [], after);
  if (!applied) return undefined;
  const only = row.fieldsOnlyFor;
  const withheldFields = only && !only.kinds.includes(reader.kind as OperationalKind) ? only.fields.filter((f) => f in data) : [];
  const shown = withheldFields.length === 0 ? data : Object.fromEntries(Object.entries(data).filter(([field]) => !withheldFields.includes(field)));
  return withBrief({ data: shown, withheldFields, ...applied });
}

/**
 * Every agency that receives something of the event, and what: the team before and after it (and the lead at
 * the opening), and for a referral its addressee and the coordinator it was escalated to. For the relay and
 * the feed, which fan each event out to the agencies' topics and feeds.
 */
export function share(stored: DisclosableEvent, before: CaseState, after: CaseState): Delivery[] {
  const candidates = new Map<string, AgencyKind>();
  for (const member of [...before.team, ...after.team]) candidates.set(member.agencyId, member.kind);
  const event = upcastCaseEvent(stored);
  if (event.type === 'CaseOpened') candidates.set(event.data.leadAgency, event.data.leadAgencyKind);
  const referral = referralOf(event, after);
  if (referral) {
    candidates.set(referral.toAgency, referral.toAgencyKind);
    if (referral.escalatedTo) candidates.set(referral.escalatedTo, 'coordinator');
  }
  const deliveries: Delivery[] = [];
  for (const [agencyId, kind] of candidates) {
    const disclosed = discloseEvent(stored, before, after, { agencyId, kind });
    if (disclosed) deliveries.push({ agencyId, kind, ...disclosed });
  }
  return deliveries;
}

/** The case summary's parts: the case's state as one reader may see it. */
export type CaseSummary = Record<string, unknown> & { readonly caseId: string | null; readonly revision: number };

/**
 * The case as it stands (at `revision`), as `reader` may see it with the standing it has in this state: the
 * addressee of a referral the descriptors it needs to decide; a team member each part the content rows grant
 * its kind, with consent as in force in this state (not as it was at each event: the summary is the state
 * now, the timeline the events as they were shared), the withheld parts left out and `access` saying, part by
 * part, on which basis it was shown or that it was withheld; an auditor every part, on its remit. Undefined
 * for an outsider.
 */
export function caseSummaryFor(state: CaseState, revision: number, reader: Issuer): CaseSummary | undefined {
  const standing = standingOf(state, reader);
  const { caseId } = state;
  if (standing === 'outsider') return undefined;
  if (standing === 'addressee') {
    return {
      caseId,
      revision,
      status: state.status,
      city: state.city,
      leadAgency: state.leadAgency,
      subject: state.subject && { category: state.subject.category, ageGroup: state.subject.ageGroup },
      exploitation: state.exploitation,
      referrals: state.referrals.filter((r) => r.toAgency === reader.agencyId || r.escalatedTo === reader.agencyId),
      basis: 'mandate',
    };
  }
  const kind = reader.kind as OperationalKind;
  const auditor = standing === 'auditor';
  const access = Object.fromEntries(
    (Object.keys(INFO_CATEGORIES) as InfoCategory[]).map((category) => [
      category,
      auditor ? { basis: 'auditor-remit' } : (grantFor(CONTENT_ACCESS[category].grants[kind] ?? [], state) ?? null),
    ]),
  ) as Record<InfoCategory, AppliedBasis | null>;
  const parts: Record<InfoCategory, () => Record<string, unknown>> = {
    case: () => {
      const { status, subject, victimStatus, citizenship, childRepresentatives, unaccompanied, city, exploitation, summary, openedAt, leadAgency, outcome } =
        state;
      return { status, subject, victimStatus, citizenship, childRepresentatives, unaccompanied, city, exploitation, summary, openedAt, leadAgency, outcome };
    },
    team: () => ({ team: state.team.map((member) => ({ ...member, partClosed: state.closedParts.includes(member.agencyId) })) }),
    referral: () => ({ referrals: state.referrals, openReferrals: openReferrals(state) }),
    consent: () => ({ consents: state.consents }),
    support: () => ({}), // with care, below: one summary of the kinds this reader may see
    care: () => ({}),
    residence: () => ({
      reflectionPeriodUntil: state.reflectionPeriodUntil,
      reflectionApplication: state.reflectionApplication,
      residencePermit: state.residencePermit,
      permitApplication: state.permitApplication,
    }),
    cooperation: () => ({ cooperation: state.cooperation }),
    investigation: () => ({ investigations: state.investigations }),
    prosecution: () => ({ prosecution: state.prosecution, sentencing: state.sentencing, prosecutorDecisions: state.prosecutorDecisions }),
    evidence: () => {
      const only = CONTENT_ACCESS.evidence.fieldsOnlyFor!;
      const sees = (registeredBy: string) => auditor || only.kinds.includes(kind) || registeredBy === reader.agencyId;
      return { evidence: state.evidence.map(({ description, ...rest }) => (sees(rest.registeredBy) ? { ...rest, description } : rest)) };
    },
  };
  const summary: Record<string, unknown> = { caseId, revision };
  for (const category of Object.keys(parts) as InfoCategory[]) if (access[category]) Object.assign(summary, parts[category]());
  const support = supportFor(state, access);
  if (support) summary.support = support;
  return { ...(summary as CaseSummary), access };
}

/**
 * Support as counts over the kinds the reader may see, as the care and support rows say. (What an agency gave
 * itself it sees on its timeline; a count of a kind would tell it what others gave too.)
 */
function supportFor(state: CaseState, access: Record<InfoCategory, AppliedBasis | null>) {
  if (!access.support && !access.care) return undefined;
  const byKind: Partial<Record<SupportKind, number>> = {};
  const providers: string[] = [];
  let total = 0;
  let firstProvidedOn: string | null = null;
  let lastProvidedOn: string | null = null;
  for (const [kind, ofKind] of Object.entries(state.support) as Array<[SupportKind, NonNullable<CaseState['support'][SupportKind]>]>) {
    if (!(CARE_SUPPORT_KINDS.includes(kind) ? access.care : access.support)) continue;
    byKind[kind] = ofKind.count;
    total += ofKind.count;
    for (const provider of ofKind.providers) if (!providers.includes(provider)) providers.push(provider);
    if (firstProvidedOn === null || ofKind.firstProvidedOn < firstProvidedOn) firstProvidedOn = ofKind.firstProvidedOn;
    if (lastProvidedOn === null || ofKind.lastProvidedOn > lastProvidedOn) lastProvidedOn = ofKind.lastProvidedOn;
  }
  return { total, byKind, providers, firstProvidedOn, lastProvidedOn };
}

/** The first grant that holds in this state, as the basis applied; undefined when none does. */
/**
 * Whether an agency of `kind` may be told what the case is, as it stands: what decides whether it may be
 * referred to or brought onto the team. An NGO may only on the person's consent; the consent scopes it needs
 * are returned when it may not.
 */
export function toldOfCase(
  kind: AgencyKind,
  state: CaseState,
): { readonly allowed: true } | { readonly allowed: false; readonly consentNeeded: readonly ConsentScope[] } {
  const grants = kind === 'auditor' ? [] : CONTENT_ACCESS.case.grants[kind];
  if (grantFor(grants, state)) return { allowed: true };
  return { allowed: false, consentNeeded: grants.flatMap((g) => (g.basis === 'consent' ? g.scopes : [])) };
}

function grantFor(grants: readonly Grant[], state: CaseState): AppliedBasis | undefined {
  for (const grant of grants) {
    if (grant.basis === 'mandate') return { basis: 'mandate' };
    if (grant.basis === 'child-protection' && presumedChild(state.subject)) return { basis: 'child-protection' };
    if (grant.basis === 'consent' && grant.scopes.every((scope) => state.consents.some((c) => c.scope === scope))) {
      return { basis: 'consent', consentScopes: grant.scopes };
    }
  }
  return undefined;
}

function onTeam(state: CaseState, reader: Issuer): boolean {
  return state.team.some((m) => m.agencyId === reader.agencyId);
}

/** Whether the event brings the reader to the case: a referral to it (still open after the event), or its own joining. */
function broughtIn(event: CaseEvent, after: CaseState, reader: Issuer): boolean {
  if (event.type === 'AgencyJoinedCase') return event.data.agencyId === reader.agencyId;
  if (event.type === 'CaseReferred' || event.type === 'ReferralEscalated') return !onTeam(after, reader) && standingOf(after, reader) === 'addressee';
  return false;
}

function isReferralParty(event: CaseEvent, after: CaseState, reader: Issuer): boolean {
  const referral = referralOf(event, after);
  return referral !== undefined && (referral.toAgency === reader.agencyId || referral.escalatedTo === reader.agencyId);
}

function referralOf(event: CaseEvent, state: CaseState): Referral | undefined {
  if (EVENT_CATEGORY[event.type] !== 'referral') return undefined;
  const referralId = (event.data as { referralId?: string }).referralId;
  return state.referrals.find((r) => r.referralId === referralId);
}

function openReferrals(state: CaseState): Referral[] {
  return state.referrals.filter((r) => r.status === 'open');
}
