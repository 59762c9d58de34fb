import { CaseEvent } from '../cases/case.model';
import { CaseFacts, foldFacts } from './case-facts';

const opened = {
  type: 'CaseOpened',
  data: {
    caseId: 'c-1',
    subject: {
      subjectId: 'p-1',
      category: 'victim',
      ageGroup: 'child',
      gender: 'female',
      originRegion: 'west-africa',
      originCountry: 'NG',
      municipality: null,
    },
    city: 'malmo',
    exploitation: 'sexual-exploitation',
    summary: null,
    leadAgency: 'polisen-malmo',
    leadAgencyKind: 'police',
    openedAt: '2026-02-01T09:00:00Z',
  },
} as CaseEvent;

function fold(events: [string, CaseEvent][]): CaseFacts | undefined {
  return events.reduce<CaseFacts | undefined>((facts, [at, event]) => foldFacts(facts, event, at), undefined);
}

describe('what the figures keep of a case', () => {
  it('keeps who it is about, the support given by kind, cooperation, and the times of its investigation', () => {
    const facts = fold([
      ['2026-02-01T09:00:00Z', opened],
      [
        '2026-02-02T09:00:00Z',
        { type: 'SupportProvided', data: { supportId: 's-1', kind: 'shelter', providedOn: '2026-02-02', providedBy: 'socialtjansten-malmo' } } as CaseEvent,
      ],
      [
        '2026-02-03T09:00:00Z',
        { type: 'SupportProvided', data: { supportId: 's-2', kind: 'shelter', providedOn: '2026-02-03', providedBy: 'socialtjansten-malmo' } } as CaseEvent,
      ],
      ['2026-02-04T09:00:00Z', { type: 'VictimCooperationRecorded', data: { status: 'willing', recordedBy: 'polisen-malmo' } } as CaseEvent],
      ['2026-02-05T09:00:00Z', { type: 'VictimCooperationRecorded', data: { status: 'withdrawn', recordedBy: 'polisen-malmo' } } as CaseEvent],
      ['2026-02-10T00:00:00Z', { type: 'InvestigationOpened', data: { investigationId: 'i-1', reference: 'K1', openedBy: 'polisen-malmo' } } as CaseEvent],
      [
        '2026-04-10T00:00:00Z',
        { type: 'InvestigationClosed', data: { investigationId: 'i-1', outcome: 'charges-filed', closedBy: 'aklagare-internationella' } } as CaseEvent,
      ],
    ]);
    expect(facts).toMatchObject({
      caseId: 'c-1',
      subjectId: 'p-1',
      ageGroup: 'child',
      originCountry: 'NG',
      city: 'malmo',
      supportKinds: ['shelter'],
      cooperated: true,
      investigations: [{ investigationId: 'i-1', openedAt: '2026-02-10T00:00:00Z', closedAt: '2026-04-10T00:00:00Z', outcome: 'charges-filed' }],
    });
  });

  it('counts applications and grants, a permit granted before applications were recorded as applied for too', () => {
    const facts = fold([
      ['2026-02-01T09:00:00Z', opened],
      [
        '2026-02-02T09:00:00Z',
        { type: 'ReflectionPeriodApplied', data: { applicationId: 'a-1', appliedBy: 'polisen-malmo', applicantKind: 'police' } } as CaseEvent,
      ],
      [
        '2026-02-03T09:00:00Z',
        {
          type: 'ReflectionPeriodDecided',
          data: { applicationId: 'a-1', granted: true, from: '2026-02-03', until: '2026-03-05', decidedBy: 'migrationsverket-malmo' },
        } as CaseEvent,
      ],
      [
        '2026-03-03T09:00:00Z',
        { type: 'ResidencePermitDecided', data: { granted: true, until: '2026-09-03', decidedBy: 'migrationsverket-malmo' } } as CaseEvent,
      ],
    ]);
    expect(facts).toMatchObject({ reflectionPeriods: { applied: 1, granted: 1 }, residencePermits: { applied: 1, granted: 1 } });
  });

  it('keeps every judgment, per defendant, and ignores what comes before the opening or is malformed', () => {
    expect(foldFacts(undefined, { type: 'SupportProvided', data: {} } as CaseEvent, '2026-01-01T00:00:00Z')).toBeUndefined();
    const facts = fold([
      ['2026-02-01T09:00:00Z', opened],
      ['2026-05-01T09:00:00Z', { type: 'ProsecutionInitiated', data: {} } as CaseEvent],
      [
        '2026-09-01T09:00:00Z',
        {
          type: 'SentencingOutcomeRecorded',
          data: {
            defendantId: 'd-1',
            court: 'Malmö tingsrätt',
            verdict: 'convicted',
            offences: ['procuring'],
            sentence: { kind: 'prison', months: 20 },
            expulsion: true,
            damagesToVictimSek: null,
            appealed: false,
            decidedOn: '2026-09-01',
            recordedBy: 'aklagare-internationella',
          },
        } as CaseEvent,
      ],
    ]);
    expect(facts).toMatchObject({
      prosecutions: [{ initiatedAt: '2026-05-01T09:00:00Z', defendants: 0 }],
      judgments: [{ defendantId: 'd-1', verdict: 'convicted', sentence: { kind: 'prison', months: 20 } }],
    });
  });
});
