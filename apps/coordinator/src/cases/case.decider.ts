import type { Decider } from '@samverkan/eventstore';
import { authorise } from './case.authorise';
import { decide } from './case.decide';
import { evolve, initialState } from './case.evolve';
import { CaseCommand, CaseEvent, CaseState } from './case.model';
import { CASE_EVENT_VERSIONS, upcastCaseEvent } from './case.upcast';

export { authorise, visibleTo } from './case.authorise';
export { decide, ensureOpenTo, PERMIT_MIN_MONTHS, REFLECTION_PERIOD_DAYS } from './case.decide';
export { evolve, initialState } from './case.evolve';
export { swedishDate } from './case.rules';

/**
 * The case decider, assembled from its parts: who may act at all (case.authorise.ts), what each command
 * decides (case.decide.ts, with the look-ups and shared rules of case.rules.ts), how each event changes the
 * state (case.evolve.ts), and how a stored event of an older shape is read (case.upcast.ts).
 */
export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  initialState,
  evolve,
  decide,
  authorise,
  upcast: upcastCaseEvent,
  schemaVersions: CASE_EVENT_VERSIONS,
};
