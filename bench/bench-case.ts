import { v7 as uuidv7 } from 'uuid';
import { Issuer } from '../apps/coordinator/src/agencies/agency';
import { OpenCase, SUPPORT_KINDS } from '../apps/coordinator/src/cases/case.model';
import { RECORDED_ONLY_BY } from '../apps/coordinator/src/cases/case.permissions';

/** The agency the benchmarks act as. */
export const BENCH_ISSUER: Issuer = { agencyId: 'polisen-malmo', kind: 'police' };

/** The kinds of support the benchmarks' agency gives (the police record no care or financial aid). */
export const BENCH_SUPPORT_KINDS = SUPPORT_KINDS.filter((kind) => RECORDED_ONLY_BY.support[kind]?.includes(BENCH_ISSUER.kind) ?? true);

/** The case every benchmark that builds a log opens: an adult victim from Estonia, forced labour, in Malmö. */
export function benchOpenCase(caseId: string, at: string): OpenCase {
  return {
    type: 'OpenCase',
    caseId,
    issuer: BENCH_ISSUER,
    at,
    subject: {
      subjectId: uuidv7(),
      category: 'victim',
      ageGroup: 'adult',
      gender: 'female',
      originRegion: 'baltic',
      originCountry: 'EE',
      municipality: null,
    },
    personRecorded: null,
    city: 'malmo',
    exploitation: 'forced-labour',
    contact: null,
    summary: 'benchmark case',
  };
}
