import { CaseAuthorityKind } from '../agencies/agency';
import { PersonCategory } from './person.model';

/**
 * How long a person's record is kept: years after the last of the person's cases was closed (after the
 * record was made, for a person no case is about). An open case keeps the record. Per kind of the agency
 * responsible for the record, and per category of person. These are the project's defaults, after the
 * agencies' own rules (socialtjänstlagen's five years after the last entry for social services; the police's
 * and prosecutors' longer periods for suspects); an agency's archive rules (arkivlagen, its gallringsbeslut)
 * decide, and they are changed here, as data.
 */
export interface RetentionRule {
  readonly years: number;
  readonly why: string;
}

const rule = (years: number, why: string): RetentionRule => ({ years, why });
const uniform = (years: number, why: string, suspect = years): Record<PersonCategory, RetentionRule> => ({
  victim: rule(years, why),
  'sex-seller': rule(years, why),
  'sex-buyer': rule(years, why),
  relative: rule(years, why),
  suspect: rule(suspect, why),
});

export const RETENTION_RULES: Readonly<Record<CaseAuthorityKind, Readonly<Record<PersonCategory, RetentionRule>>>> = {
  police: uniform(5, 'five years after the last case closed; ten for a suspect', 10),
  prosecution: uniform(10, 'ten years after the last case closed'),
  migration: uniform(5, 'five years after the last case closed'),
  'social-services': uniform(5, 'five years after the last entry (socialtjänstlagen)'),
  coordinator: uniform(3, 'three years after the last case closed'),
  'health-care': uniform(10, 'ten years after the last case closed, as patient records are kept (patientdatalagen 3 kap. 17 §)'),
};

/** What the retention job knows of a person record. */
export interface RetentionCandidate {
  readonly personId: string;
  readonly category: PersonCategory;
  readonly responsibleKind: CaseAuthorityKind;
  readonly registeredAt: string;
  /** The cases about the person: whether each is open, and when a closed one was closed. */
  readonly cases: ReadonlyArray<{ readonly caseId: string; readonly closedAt: string | null }>;
}

export interface RetentionDecision {
  readonly personId: string;
  readonly rule: RetentionRule;
  /** From when the record may be kept no longer; null while a case about the person is open. */
  readonly dueOn: string | null;
  readonly due: boolean;
}

/** Whether the record is due for erasure at `now`, by the rule for its agency's kind and its category. Pure. */
export function retentionDecision(candidate: RetentionCandidate, now: Date): RetentionDecision {
  const rule = RETENTION_RULES[candidate.responsibleKind][candidate.category];
  if (candidate.cases.some((c) => c.closedAt === null)) return { personId: candidate.personId, rule, dueOn: null, due: false };
  const from =
    candidate.cases.length === 0
      ? candidate.registeredAt
      : candidate.cases
          .map((c) => c.closedAt!)
          .sort()
          .at(-1)!;
  const dueOn = new Date(from);
  dueOn.setUTCFullYear(dueOn.getUTCFullYear() + rule.years);
  return { personId: candidate.personId, rule, dueOn: dueOn.toISOString(), due: dueOn.getTime() <= now.getTime() };
}
