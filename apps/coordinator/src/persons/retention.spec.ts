import { CASE_AUTHORITY_KINDS } from '../agencies/agency';
import { PERSON_CATEGORIES } from './person.model';
import { RETENTION_RULES, retentionDecision } from './retention';

const candidate = (cases: Array<{ caseId: string; closedAt: string | null }>, fields: object = {}) => ({
  personId: 'p-1',
  category: 'victim' as const,
  responsibleKind: 'police' as const,
  registeredAt: '2020-01-10T00:00:00.000Z',
  cases,
  ...fields,
});

describe('retention', () => {
  it('has a rule for every kind of agency and every category of person', () => {
    for (const kind of CASE_AUTHORITY_KINDS) expect(Object.keys(RETENTION_RULES[kind]).sort()).toEqual([...PERSON_CATEGORIES].sort());
  });

  it('keeps a record while a case about the person is open', () => {
    expect(
      retentionDecision(
        candidate([
          { caseId: 'c-1', closedAt: '2001-01-01T00:00:00.000Z' },
          { caseId: 'c-2', closedAt: null },
        ]),
        new Date('2040-01-01'),
      ),
    ).toMatchObject({ due: false, dueOn: null });
  });

  it('counts the years from when the last case was closed', () => {
    const cases = [
      { caseId: 'c-1', closedAt: '2021-03-01T10:00:00.000Z' },
      { caseId: 'c-2', closedAt: '2022-06-15T10:00:00.000Z' },
    ];
    expect(retentionDecision(candidate(cases), new Date('2027-06-15T09:59:59Z'))).toMatchObject({ due: false, dueOn: '2027-06-15T10:00:00.000Z' });
    expect(retentionDecision(candidate(cases), new Date('2027-06-15T10:00:00Z'))).toMatchObject({ due: true, rule: { years: 5 } });
  });

  it('counts from the registration for a person no case is about, by the rule of the agency and category', () => {
    expect(retentionDecision(candidate([], { category: 'suspect' }), new Date('2029-01-01'))).toMatchObject({
      due: false,
      dueOn: '2030-01-10T00:00:00.000Z',
      rule: { years: 10 },
    });
    expect(retentionDecision(candidate([], { responsibleKind: 'coordinator' }), new Date('2023-01-10'))).toMatchObject({ due: true });
  });
});
