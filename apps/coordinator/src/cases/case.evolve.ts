import { CaseEvent, CaseState, Investigation, Referral } from './case.model';
import { onTeam } from './case.rules';

/**
 * How each case event changes the case's state, from the state before any event. Never throws, never
 * mutates; an event it does not know leaves the state as it was.
 */

export function initialState(): CaseState {
  return {
    status: 'none',
    caseId: null,
    subject: null,
    city: null,
    exploitation: null,
    contact: null,
    summary: null,
    openedAt: null,
    leadAgency: null,
    team: [],
    referrals: [],
    support: {},
    consents: [],
    reflectionPeriodUntil: null,
    reflectionApplication: null,
    victimStatus: null,
    childRepresentatives: [],
    unaccompanied: null,
    citizenship: null,
    permitApplication: null,
    residencePermit: null,
    cooperation: null,
    investigations: [],
    prosecution: null,
    sentencing: [],
    prosecutorDecisions: [],
    evidence: [],
    outcome: null,
    closedParts: [],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Evolve: never throws, never mutates; an event it does not know leaves the state as it was
// ---------------------------------------------------------------------------------------------------------

export function evolve(state: CaseState, event: CaseEvent): CaseState {
  if (typeof event !== 'object' || event === null || typeof event.data !== 'object' || event.data === null) return state;
  switch (event.type) {
    case 'CaseOpened': {
      const { caseId, subject, city, exploitation, contact, summary, leadAgency, openedAt } = event.data;
      const victimStatus = subject.category === 'victim' ? ('presumed' as const) : null;
      return changed(state, { status: 'open', caseId, subject, city, exploitation, contact: contact ?? null, summary, leadAgency, openedAt, victimStatus });
    }
    case 'AgencyJoinedCase': {
      const { agencyId, agencyKind, via } = event.data;
      if (onTeam(state, agencyId)) return state;
      return changed(state, { team: [...state.team, { agencyId, kind: agencyKind, via }], closedParts: state.closedParts.filter((id) => id !== agencyId) });
    }
    case 'AgencyLeftCase':
      return changed(state, {
        team: state.team.filter((m) => m.agencyId !== event.data.agencyId),
        closedParts: state.closedParts.filter((id) => id !== event.data.agencyId),
      });
    case 'CaseReferred': {
      const d = event.data;
      if (state.referrals.some((r) => r.referralId === d.referralId)) return state;
      const referral: Referral = {
        referralId: d.referralId,
        fromAgency: d.fromAgency,
        toAgency: d.toAgency,
        toAgencyKind: d.toAgencyKind,
        reason: d.reason,
        urgency: d.urgency,
        dueBy: d.dueBy,
        automatic: d.automatic,
        status: 'open',
        escalatedTo: null,
      };
      return changed(state, { referrals: [...state.referrals, referral] });
    }
    case 'ReferralAccepted':
      return updateReferral(state, event.data.referralId, { status: 'accepted' });
    case 'ReferralDeclined':
      return updateReferral(state, event.data.referralId, { status: 'declined' });
    case 'ReferralWithdrawn':
      return updateReferral(state, event.data.referralId, { status: 'withdrawn' });
    case 'ReferralEscalated':
      return updateReferral(state, event.data.referralId, { escalatedTo: event.data.coordinator });
    case 'SupportProvided': {
      const { kind, providedOn, providedBy } = event.data;
      const known = state.support[kind];
      const ofKind = known
        ? {
            count: known.count + 1,
            providers: known.providers.includes(providedBy) ? known.providers : [...known.providers, providedBy],
            firstProvidedOn: providedOn < known.firstProvidedOn ? providedOn : known.firstProvidedOn,
            lastProvidedOn: providedOn > known.lastProvidedOn ? providedOn : known.lastProvidedOn,
          }
        : { count: 1, providers: [providedBy], firstProvidedOn: providedOn, lastProvidedOn: providedOn };
      return changed(state, { support: { ...state.support, [kind]: ofKind } });
    }
    case 'ConsentGiven': {
      const { scope, givenBy, givenOn, recordedBy } = event.data;
      if (state.consents.some((c) => c.scope === scope)) return state;
      return changed(state, { consents: [...state.consents, { scope, givenBy, givenOn, recordedBy }] });
    }
    case 'ConsentWithdrawn':
      return changed(state, { consents: state.consents.filter((c) => c.scope !== event.data.scope) });
    case 'ReflectionPeriodGranted':
      return changed(state, { reflectionPeriodUntil: event.data.until });
    case 'ReflectionPeriodApplied':
      return changed(state, { reflectionApplication: { applicationId: event.data.applicationId, appliedBy: event.data.appliedBy, decision: 'pending' } });
    case 'ReflectionPeriodDecided': {
      const { granted, until } = event.data;
      const application = state.reflectionApplication && { ...state.reflectionApplication, decision: granted ? ('granted' as const) : ('refused' as const) };
      return changed(state, { reflectionApplication: application, reflectionPeriodUntil: granted ? until : state.reflectionPeriodUntil });
    }
    case 'ReflectionPeriodExtended':
      return changed(state, { reflectionPeriodUntil: event.data.until });
    case 'SubjectCitizenshipRecorded':
      return changed(state, { citizenship: { country: event.data.citizenship, group: event.data.group } });
    case 'ResidencePermitApplied': {
      const { applicationId, appliedBy, presenceNeeded, willToCooperate, tiesBroken } = event.data;
      return changed(state, { permitApplication: { applicationId, appliedBy, presenceNeeded, willToCooperate, tiesBroken, decided: false } });
    }
    case 'ResidencePermitDecided':
      return changed(state, {
        residencePermit: { granted: event.data.granted, until: event.data.until },
        permitApplication: state.permitApplication && { ...state.permitApplication, decided: true },
      });
    case 'VictimIdentified':
      return changed(state, { victimStatus: 'identified' });
    case 'ChildRepresentativeRecorded': {
      const { role, personId, appointedOn } = event.data;
      return changed(state, { childRepresentatives: [...state.childRepresentatives.filter((r) => r.role !== role), { role, personId, appointedOn }] });
    }
    case 'ProsecutorDecisionRecorded': {
      const { decision, suspectId, offences, sentence, decidedOn } = event.data;
      return changed(state, { prosecutorDecisions: [...state.prosecutorDecisions, { decision, suspectId, offences: copyOf(offences), sentence, decidedOn }] });
    }
    case 'ChildUnaccompaniedRecorded':
      return changed(state, { unaccompanied: event.data.unaccompanied });
    case 'VictimCooperationRecorded':
      return changed(state, { cooperation: event.data.status });
    case 'InvestigationOpened': {
      const { investigationId, reference, openedBy } = event.data;
      const investigation: Investigation = { investigationId, reference, openedBy, status: 'open', outcome: null };
      return changed(state, { investigations: [...state.investigations, investigation] });
    }
    case 'InvestigationClosed': {
      const { investigationId, outcome } = event.data;
      return changed(state, {
        investigations: state.investigations.map((i) => (i.investigationId === investigationId ? { ...i, status: 'closed', outcome } : i)),
      });
    }
    case 'ProsecutionInitiated':
      return changed(state, {
        prosecution: {
          defendants: copyOf(event.data.defendants).map((d) => ({ defendantId: d?.defendantId ?? null, charges: copyOf(d?.charges), judged: false })),
          initiatedBy: event.data.initiatedBy,
        },
      });
    case 'SentencingOutcomeRecorded': {
      const { defendantId, court, verdict, offences, sentence, expulsion, damagesToVictimSek, appealed, decidedOn } = event.data;
      return changed(state, {
        sentencing: [
          ...state.sentencing,
          { defendantId, court, verdict, offences: copyOf(offences), sentence, expulsion, damagesToVictimSek, appealed, decidedOn },
        ],
        prosecution: state.prosecution && {
          ...state.prosecution,
          // A judgment written before defendants were named is of the prosecution's only defendant.
          defendants: state.prosecution.defendants.map((d) =>
            d.defendantId === defendantId || state.prosecution!.defendants.length === 1 ? { ...d, judged: true } : d,
          ),
        },
      });
    }
    case 'EvidenceRegistered': {
      const { evidenceId, description, contentSha256, holder } = event.data;
      return changed(state, { evidence: [...state.evidence, { evidenceId, description, contentSha256, holder, registeredBy: holder }] });
    }
    case 'EvidenceTransferred':
      return changed(state, {
        evidence: state.evidence.map((e) => (e.evidenceId === event.data.evidenceId ? { ...e, holder: event.data.toAgency } : e)),
      });
    case 'CaseClosed':
      // Every part closes with the case (as a case closed before parts existed always did).
      return changed(state, { status: 'closed', outcome: event.data.outcome, closedParts: state.team.map((m) => m.agencyId) });
    case 'CaseReopened':
      // Reopened for the whole team, as it always was.
      return changed(state, { status: 'open', outcome: null, closedParts: [] });
    case 'AgencyPartClosed':
      return changed(state, { closedParts: [...state.closedParts.filter((id) => id !== event.data.agencyId), event.data.agencyId] });
    case 'AgencyPartReopened':
      return changed(state, { closedParts: state.closedParts.filter((id) => id !== event.data.agencyId) });
    default:
      return ignore(event, state);
  }
}

/** Compile-time exhaustiveness for evolve; at run time an unknown (newer, or retired) event type is skipped. */
function ignore(_event: never, state: CaseState): CaseState {
  return state;
}

/**
 * The state with the fields in `changes` changed. A fold makes one of these an event, and V8 copies this
 * object of 29 fields by a spread (`{ ...state, status }`) at ~0.5 us, by the literal in `copyOfState` at
 * ~0.03 us (Node 20, measured; the spread was two thirds of a replay's fold).
 */
function changed(state: CaseState, changes: Partial<CaseState>): CaseState {
  return Object.assign(copyOfState(state), changes);
}

/** Every field of the state, written out: the compiler fails here when a field is added to CaseState and not here. */
function copyOfState(s: CaseState): CaseState {
  return {
    status: s.status,
    caseId: s.caseId,
    subject: s.subject,
    city: s.city,
    exploitation: s.exploitation,
    contact: s.contact,
    summary: s.summary,
    openedAt: s.openedAt,
    leadAgency: s.leadAgency,
    team: s.team,
    referrals: s.referrals,
    support: s.support,
    consents: s.consents,
    reflectionPeriodUntil: s.reflectionPeriodUntil,
    reflectionApplication: s.reflectionApplication,
    victimStatus: s.victimStatus,
    childRepresentatives: s.childRepresentatives,
    unaccompanied: s.unaccompanied,
    citizenship: s.citizenship,
    permitApplication: s.permitApplication,
    residencePermit: s.residencePermit,
    cooperation: s.cooperation,
    investigations: s.investigations,
    prosecution: s.prosecution,
    sentencing: s.sentencing,
    prosecutorDecisions: s.prosecutorDecisions,
    evidence: s.evidence,
    outcome: s.outcome,
    closedParts: s.closedParts,
  };
}

/** A copy of an event's list; a malformed event yields an empty one rather than a throw. */
function copyOf<T>(items: readonly T[]): T[] {
  return Array.isArray(items) ? [...items] : [];
}

function updateReferral(state: CaseState, referralId: string, change: Partial<Pick<Referral, 'status' | 'escalatedTo'>>): CaseState {
  return changed(state, { referrals: state.referrals.map((r) => (r.referralId === referralId ? { ...r, ...change } : r)) });
}
