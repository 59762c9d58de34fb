import {
  AgeGroup,
  CaseEvent,
  ContactType,
  ExploitationForm,
  Gender,
  InvestigationOutcome,
  Offence,
  OriginRegion,
  ProsecutorDecision,
  Sentence,
  SubjectCategory,
  SupportKind,
  Verdict,
} from '../cases/case.model';

/**
 * What the figures need of one case, folded from its events as they were recorded: who it is about (by the
 * pseudonymous subject id, so that a person is counted once), where, and what came of it, with the times the
 * case summary does not keep (when an investigation was opened and closed). Kept by the case index beside the
 * case's summary and rebuilt with it. Nothing in it identifies a person.
 */
export interface CaseFacts {
  readonly caseId: string;
  /** When the case was opened (RFC 3339): the year the person was met. */
  readonly openedAt: string;
  /** The municipality the case belongs to. */
  readonly city: string;
  readonly subjectId: string;
  readonly category: SubjectCategory;
  readonly ageGroup: AgeGroup;
  readonly gender: Gender | null;
  readonly originCountry: string | null;
  readonly originRegion: OriginRegion | null;
  readonly exploitation: ExploitationForm | null;
  readonly contact: ContactType | null;
  /** Kinds of support given, each once, in the order first given. */
  readonly supportKinds: readonly SupportKind[];
  /** Whether the victim ever cooperated with law enforcement (willing, or gave a statement). */
  readonly cooperated: boolean;
  readonly investigations: readonly {
    readonly investigationId: string;
    readonly openedAt: string;
    readonly closedAt: string | null;
    readonly outcome: InvestigationOutcome | null;
  }[];
  readonly prosecutions: readonly { readonly initiatedAt: string; readonly defendants: number }[];
  readonly judgments: readonly {
    readonly defendantId: string | null;
    readonly verdict: Verdict;
    readonly offences: readonly Offence[];
    readonly sentence: Sentence | null;
    readonly decidedOn: string;
  }[];
  readonly prosecutorDecisions: readonly { readonly decision: ProsecutorDecision; readonly offences: readonly Offence[] }[];
  readonly reflectionPeriods: { readonly applied: number; readonly granted: number };
  readonly residencePermits: { readonly applied: number; readonly granted: number };
}

/** What has come of a case when it is opened: nothing yet. */
export const NOTHING_YET = {
  supportKinds: [],
  cooperated: false,
  investigations: [],
  prosecutions: [],
  judgments: [],
  prosecutorDecisions: [],
  reflectionPeriods: { applied: 0, granted: 0 },
  residencePermits: { applied: 0, granted: 0 },
} as const satisfies Partial<CaseFacts>;

/** Folds one event of the case (as the current version reads it), recorded at `recordedAt`, into its facts. */
export function foldFacts(facts: CaseFacts | undefined, event: CaseEvent, recordedAt: string): CaseFacts | undefined {
  if (event.type === 'CaseOpened') {
    const { caseId, subject, city, exploitation, contact, openedAt } = event.data;
    return {
      caseId,
      openedAt,
      city,
      subjectId: subject.subjectId,
      category: subject.category,
      ageGroup: subject.ageGroup,
      gender: subject.gender,
      originCountry: subject.originCountry ?? null,
      originRegion: subject.originRegion,
      exploitation,
      contact: contact ?? null,
      ...NOTHING_YET,
    };
  }
  if (!facts) return facts;
  switch (event.type) {
    case 'SupportProvided':
      return facts.supportKinds.includes(event.data.kind) ? facts : { ...facts, supportKinds: [...facts.supportKinds, event.data.kind] };
    case 'VictimCooperationRecorded':
      return event.data.status === 'willing' || event.data.status === 'statement-given' ? { ...facts, cooperated: true } : facts;
    case 'InvestigationOpened':
      return {
        ...facts,
        investigations: [...facts.investigations, { investigationId: event.data.investigationId, openedAt: recordedAt, closedAt: null, outcome: null }],
      };
    case 'InvestigationClosed':
      return {
        ...facts,
        investigations: facts.investigations.map((i) =>
          i.investigationId === event.data.investigationId ? { ...i, closedAt: recordedAt, outcome: event.data.outcome } : i,
        ),
      };
    case 'ProsecutionInitiated':
      return { ...facts, prosecutions: [...facts.prosecutions, { initiatedAt: recordedAt, defendants: event.data.defendants?.length ?? 0 }] };
    case 'SentencingOutcomeRecorded': {
      const { defendantId, verdict, offences, sentence, decidedOn } = event.data;
      return { ...facts, judgments: [...facts.judgments, { defendantId, verdict, offences, sentence, decidedOn }] };
    }
    case 'ProsecutorDecisionRecorded':
      return { ...facts, prosecutorDecisions: [...facts.prosecutorDecisions, { decision: event.data.decision, offences: event.data.offences }] };
    case 'ReflectionPeriodApplied':
      return { ...facts, reflectionPeriods: { ...facts.reflectionPeriods, applied: facts.reflectionPeriods.applied + 1 } };
    case 'ReflectionPeriodDecided':
      return event.data.granted ? { ...facts, reflectionPeriods: granted(facts.reflectionPeriods) } : facts;
    // Granted under the earlier form, without an application of its own.
    case 'ReflectionPeriodGranted':
      return { ...facts, reflectionPeriods: { applied: facts.reflectionPeriods.applied + 1, granted: facts.reflectionPeriods.granted + 1 } };
    case 'ResidencePermitApplied':
      return { ...facts, residencePermits: { ...facts.residencePermits, applied: facts.residencePermits.applied + 1 } };
    // A permit granted before applications were recorded (the earlier form) counts as applied for too.
    case 'ResidencePermitDecided':
      return event.data.granted ? { ...facts, residencePermits: granted(facts.residencePermits) } : facts;
    default:
      return facts;
  }
}

function granted({ applied, granted }: { applied: number; granted: number }): { applied: number; granted: number } {
  return { applied: Math.max(applied, granted + 1), granted: granted + 1 };
}
