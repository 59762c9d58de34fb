import { caseDecider } from './case.decider';
import { CASE_EVENT_VERSIONS, upcastCaseEvent } from './case.upcast';

describe('reading case events written in an older schema version', () => {
  it('reads a version 1 consent as given by someone unrecorded on an unrecorded day', () => {
    const stored = { type: 'ConsentGiven', schemaVersion: 1, data: { scope: 'information-sharing', recordedBy: 'socialtjansten-malmo' } };
    expect(upcastCaseEvent(stored)).toEqual({
      type: 'ConsentGiven',
      data: { scope: 'information-sharing', givenBy: null, givenOn: null, recordedBy: 'socialtjansten-malmo' },
    });
    expect(stored.data).toEqual({ scope: 'information-sharing', recordedBy: 'socialtjansten-malmo' });
  });

  it('reads a version 1 withdrawal the same way', () => {
    const stored = { type: 'ConsentWithdrawn', schemaVersion: 1, data: { scope: 'share-with-migration', recordedBy: 'polisen-malmo' } };
    expect(upcastCaseEvent(stored)).toEqual({
      type: 'ConsentWithdrawn',
      data: { scope: 'share-with-migration', withdrawnBy: null, withdrawnOn: null, recordedBy: 'polisen-malmo' },
    });
  });

  it('leaves an event of the current version as it is', () => {
    const stored = {
      type: 'ConsentGiven',
      schemaVersion: 2,
      data: { scope: 'share-with-migration', givenBy: 'person', givenOn: '2026-03-01', recordedBy: 'polisen-malmo' },
    };
    expect(upcastCaseEvent(stored)).toBe(stored);
  });

  it('folds a version 1 consent into consent in force', () => {
    const state = [
      { type: 'ConsentGiven', schemaVersion: 1, data: { scope: 'share-with-migration', recordedBy: 'socialtjansten-malmo' } },
      { type: 'ConsentGiven', schemaVersion: 1, data: { scope: 'information-sharing', recordedBy: 'socialtjansten-malmo' } },
      { type: 'ConsentWithdrawn', schemaVersion: 1, data: { scope: 'share-with-migration', recordedBy: 'socialtjansten-malmo' } },
    ].reduce((s, stored) => caseDecider.evolve(s, upcastCaseEvent(stored)), caseDecider.initialState());
    expect(state.consents).toEqual([{ scope: 'information-sharing', givenBy: null, givenOn: null, recordedBy: 'socialtjansten-malmo' }]);
  });

  it("writes consent events, events with free text (encrypted since) and prosecutions and decisions naming their person in version 2; judgments per defendant in 3; CaseOpened with the subject's own municipality in 4 and how the person came into contact in 5", () => {
    expect(CASE_EVENT_VERSIONS).toEqual({
      ConsentGiven: 2,
      ConsentWithdrawn: 2,
      SentencingOutcomeRecorded: 3,
      ProsecutionInitiated: 2,
      ProsecutorDecisionRecorded: 2,
      CaseOpened: 5,
      AgencyJoinedCase: 2,
      AgencyLeftCase: 2,
      CaseReferred: 2,
      ReferralDeclined: 2,
      EvidenceRegistered: 2,
      EvidenceTransferred: 2,
      CaseClosed: 2,
      CaseReopened: 2,
    });
  });

  it.each([1, 2])("reads a version %i CaseOpened with the country of origin unknown and the subject in the case's municipality", (schemaVersion) => {
    const subject = { subjectId: 's-1', category: 'victim', ageGroup: 'adult', gender: null, originRegion: 'baltic' };
    const stored = {
      type: 'CaseOpened',
      schemaVersion,
      data: {
        caseId: 'c-1',
        subject,
        city: 'malmo',
        exploitation: null,
        summary: null,
        leadAgency: 'polisen-malmo',
        leadAgencyKind: 'police',
        openedAt: '2025-01-01T00:00:00Z',
      },
    };
    expect(upcastCaseEvent(stored)).toEqual({
      type: 'CaseOpened',
      data: { ...stored.data, contact: null, subject: { ...subject, originCountry: null, municipality: null } },
    });
  });

  it("reads a version 3 CaseOpened, which knew the country, with the subject in the case's municipality", () => {
    const subject = { subjectId: 's-1', category: 'victim', ageGroup: 'child', gender: 'female', originRegion: 'west-africa', originCountry: 'NG' };
    const stored = {
      type: 'CaseOpened',
      schemaVersion: 3,
      data: {
        caseId: 'c-1',
        subject,
        city: 'malmo',
        exploitation: null,
        summary: null,
        leadAgency: 'polisen-malmo',
        leadAgencyKind: 'police',
        openedAt: '2026-01-01T00:00:00Z',
      },
    };
    expect(upcastCaseEvent(stored)).toEqual({ type: 'CaseOpened', data: { ...stored.data, contact: null, subject: { ...subject, municipality: null } } });
  });

  it('reads a version 4 CaseOpened with how the person came into contact unknown', () => {
    const subject = {
      subjectId: 's-1',
      category: 'victim',
      ageGroup: 'adult',
      gender: 'female',
      originRegion: 'baltic',
      originCountry: 'LT',
      municipality: 'lund',
    };
    const stored = {
      type: 'CaseOpened',
      schemaVersion: 4,
      data: {
        caseId: 'c-1',
        subject,
        city: 'malmo',
        exploitation: null,
        summary: null,
        leadAgency: 'polisen-malmo',
        leadAgencyKind: 'police',
        openedAt: '2026-06-01T00:00:00Z',
      },
    };
    expect(upcastCaseEvent(stored)).toEqual({ type: 'CaseOpened', data: { ...stored.data, contact: null } });
  });

  it('reads a version 1 event with its free text in clear as it is: clear text is a text too', () => {
    const stored = { type: 'CaseClosed', schemaVersion: 1, data: { outcome: 'trafficker convicted', closedBy: 'polisen-malmo' } };
    expect(upcastCaseEvent(stored)).toBe(stored);
  });

  it('reads a version 1 prosecution as one defendant, whose record is unknown, on all its charges', () => {
    const stored = {
      type: 'ProsecutionInitiated',
      schemaVersion: 1,
      data: { charges: ['trafficking-in-human-beings', 'procuring'], initiatedBy: 'aklagare-goteborg' },
    };
    expect(upcastCaseEvent(stored)).toEqual({
      type: 'ProsecutionInitiated',
      data: { defendants: [{ defendantId: null, charges: ['trafficking-in-human-beings', 'procuring'] }], initiatedBy: 'aklagare-goteborg' },
    });
  });

  it.each([
    [1, { expulsion: null, damagesToVictimSek: null }],
    [2, { expulsion: true, damagesToVictimSek: 50_000 }],
  ])('reads a version %i judgment as of the only defendant, whose record is unknown', (schemaVersion, v2) => {
    const data = {
      court: 'Göteborgs tingsrätt',
      verdict: 'convicted',
      offences: ['procuring'],
      sentence: { kind: 'prison', months: 18 },
      appealed: false,
      decidedOn: '2025-05-01',
      recordedBy: 'aklagare-goteborg',
    };
    const stored = { type: 'SentencingOutcomeRecorded', schemaVersion, data: schemaVersion === 1 ? data : { ...data, ...v2 } };
    expect(upcastCaseEvent(stored)).toEqual({ type: 'SentencingOutcomeRecorded', data: { defendantId: null, ...data, ...v2 } });
  });

  it("reads a version 1 prosecutor's decision as about a suspect whose record is unknown", () => {
    const data = {
      decision: 'waiver-of-prosecution',
      offences: ['purchase-of-sexual-service'],
      sentence: null,
      decidedOn: '2026-11-01',
      recordedBy: 'aklagare-goteborg',
    };
    expect(upcastCaseEvent({ type: 'ProsecutorDecisionRecorded', schemaVersion: 1, data })).toEqual({
      type: 'ProsecutorDecisionRecorded',
      data: { suspectId: null, ...data },
    });
  });
});
