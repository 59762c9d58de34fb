import type { StoredEvent } from '@samverkan/eventstore';
import {
  CaseEvent,
  CaseEventType,
  CaseOpened,
  ConsentGiven,
  ConsentWithdrawn,
  Offence,
  ProsecutionInitiated,
  ProsecutorDecisionRecorded,
  SentencingOutcomeRecorded,
} from './case.model';

/** The schema version each case event type is written in now; 1 when not listed. */
export const CASE_EVENT_VERSIONS: Readonly<Partial<Record<CaseEventType, number>>> = {
  ConsentGiven: 2,
  ConsentWithdrawn: 2,
  // Version 3 of SentencingOutcomeRecorded and version 2 of ProsecutionInitiated and ProsecutorDecisionRecorded
  // name the person (defendant, suspect) each is about.
  SentencingOutcomeRecorded: 3,
  ProsecutionInitiated: 2,
  ProsecutorDecisionRecorded: 2,
  // Version 2 of these holds their free text encrypted under the subject's key; version 1 in clear, which a
  // Text still is: they read alike, so they need no upcaster.
  // Version 3 of CaseOpened adds the subject's country of origin (null in versions 1 and 2), version 4 the
  // subject's own municipality (null before: the case's), version 5 how the person came into contact (null before).
  CaseOpened: 5,
  AgencyJoinedCase: 2,
  AgencyLeftCase: 2,
  CaseReferred: 2,
  ReferralDeclined: 2,
  EvidenceRegistered: 2,
  EvidenceTransferred: 2,
  CaseClosed: 2,
  CaseReopened: 2,
};

type Upcaster = (data: never) => CaseEvent;

/**
 * How an event written in an older schema version reads now, by `type@version`. The stored event is never
 * changed (its hash covers it as written); only its meaning for the fold is brought up to date, here alone.
 */
const UPCASTERS: Readonly<Record<string, Upcaster>> = {
  // Version 1 recorded neither who gave consent nor when: those stay unknown.
  'ConsentGiven@1': ({ scope, recordedBy }: { scope: string; recordedBy: string }): ConsentGiven => ({
    type: 'ConsentGiven',
    data: { scope, givenBy: null, givenOn: null, recordedBy },
  }),
  'ConsentWithdrawn@1': ({ scope, recordedBy }: { scope: string; recordedBy: string }): ConsentWithdrawn => ({
    type: 'ConsentWithdrawn',
    data: { scope, withdrawnBy: null, withdrawnOn: null, recordedBy },
  }),
  // Versions 1 and 2 knew the subject's region of origin only: the country stays unknown. Versions before 4
  // recorded no municipality of the subject's own: it is the case's.
  // Versions before 5 recorded no contact type: it stays unknown.
  'CaseOpened@1': (data: CaseOpened['data']): CaseOpened => withSubject(data, { originCountry: null, municipality: null }),
  'CaseOpened@2': (data: CaseOpened['data']): CaseOpened => withSubject(data, { originCountry: null, municipality: null }),
  'CaseOpened@3': (data: CaseOpened['data']): CaseOpened => withSubject(data, { municipality: null }),
  'CaseOpened@4': (data: CaseOpened['data']): CaseOpened => withSubject(data, {}),
  // Version 1 recorded neither expulsion nor damages: both stay unknown. Neither version named the defendant:
  // the judgment is of the prosecution's only one, whose record is unknown.
  'SentencingOutcomeRecorded@1': (
    data: Omit<SentencingOutcomeRecorded['data'], 'expulsion' | 'damagesToVictimSek' | 'defendantId'>,
  ): SentencingOutcomeRecorded => ({
    type: 'SentencingOutcomeRecorded',
    data: { defendantId: null, ...data, expulsion: null, damagesToVictimSek: null },
  }),
  'SentencingOutcomeRecorded@2': (data: Omit<SentencingOutcomeRecorded['data'], 'defendantId'>): SentencingOutcomeRecorded => ({
    type: 'SentencingOutcomeRecorded',
    data: { defendantId: null, ...data },
  }),
  // Version 1 charged no named person: one defendant, whose record is unknown, on all the charges.
  'ProsecutionInitiated@1': ({ charges, initiatedBy }: { charges: Offence[]; initiatedBy: string }): ProsecutionInitiated => ({
    type: 'ProsecutionInitiated',
    data: { defendants: [{ defendantId: null, charges }], initiatedBy },
  }),
  'ProsecutorDecisionRecorded@1': (data: Omit<ProsecutorDecisionRecorded['data'], 'suspectId'>): ProsecutorDecisionRecorded => ({
    type: 'ProsecutorDecisionRecorded',
    data: { suspectId: null, ...data },
  }),
};

function withSubject(data: CaseOpened['data'], added: Partial<CaseOpened['data']['subject']>): CaseOpened {
  return { type: 'CaseOpened', data: { ...data, contact: null, subject: { ...data.subject, ...added } } };
}

/** A stored case event as the current version folds it. */
export function upcastCaseEvent(stored: StoredEvent): CaseEvent {
  const upcast = UPCASTERS[`${stored.type}@${stored.schemaVersion}`];
  if (upcast && typeof stored.data === 'object' && stored.data !== null) return upcast(stored.data as never);
  return stored as unknown as CaseEvent;
}
