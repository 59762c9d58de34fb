import { ConflictError, InvariantError, NotFoundError } from '@samverkan/common';
import { AgencyKind } from '../agencies/agency';
import { CaseState, Evidence, Referral } from './case.model';

/** Look-ups and rules that several decisions share: referrals and evidence by id, days in Swedish time, lists in refusals. */

export function onTeam(state: CaseState, agencyId: string): boolean {
  return state.team.some((m) => m.agencyId === agencyId);
}

export function findReferral(state: CaseState, caseId: string, referralId: string): Referral {
  const referral = state.referrals.find((r) => r.referralId === referralId);
  if (!referral) {
    throw new NotFoundError(`referral ${referralId} was not found on case ${caseId}`, {
      rule: 'referral-not-found',
      details: { referralId },
    });
  }
  return referral;
}

/** The referral, which must still be open for it to be `answer`ed (accepted, declined, withdrawn). */
export function openReferral(state: CaseState, caseId: string, referralId: string, answer: string): Referral {
  const referral = findReferral(state, caseId, referralId);
  if (referral.status !== 'open') {
    throw new ConflictError(`referral ${referralId} is already ${referral.status}; only an open referral can be ${answer}`, {
      rule: 'referral-not-open',
      details: { referralId, referralStatus: referral.status },
    });
  }
  return referral;
}

export function ensureReferralIdUnused(state: CaseState, caseId: string, referralId: string): void {
  if (state.referrals.some((r) => r.referralId === referralId)) {
    throw new ConflictError(`referral id ${referralId} is already used on case ${caseId}`, {
      rule: 'id-reused',
      details: { referralId },
    });
  }
}

export function findEvidence(state: CaseState, caseId: string, evidenceId: string): Evidence {
  const evidence = state.evidence.find((e) => e.evidenceId === evidenceId);
  if (!evidence) {
    throw new NotFoundError(`evidence ${evidenceId} was not found on case ${caseId}`, {
      rule: 'evidence-not-found',
      details: { evidenceId },
    });
  }
  return evidence;
}

export function ensureVictim(state: CaseState, rule: string): void {
  const category = state.subject?.category;
  if (category !== 'victim') {
    throw new InvariantError(`${rule}; the subject of case ${state.caseId} is a ${category}`, {
      rule: 'victims-only',
      details: { category },
    });
  }
}

/** Calendar days are Swedish: a support given just after midnight in Malmö is dated that day. */
const SWEDISH_DAY = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The date (YYYY-MM-DD) in Sweden at an instant. */
export function swedishDate(at: string): string {
  // Sweden's offset from UTC has been whole hours since 1900, so within one UTC hour the Swedish date does
  // not change: the last hour's answer is kept, and the costly formatter asked once an hour, not per command.
  const hour = UTC_HOUR.exec(at)?.[1];
  if (hour === undefined || hour < '1900') return SWEDISH_DAY.format(new Date(at));
  if (hour !== lastHour.utc) lastHour = { utc: hour, date: SWEDISH_DAY.format(new Date(at)) };
  return lastHour.date;
}

/** The hour of an instant written in UTC (`2026-12-07T13:05:00.000Z` → `2026-12-07T13`). */
const UTC_HOUR = /^(\d{4}-\d{2}-\d{2}T\d{2}):\d{2}(?::\d{2}(?:\.\d+)?)?Z$/;
let lastHour = { utc: '', date: '' };

/** A fact dated in the world (`2025-03-10`) cannot lie after the Swedish day it is recorded on. */
export function ensureNotInFuture(what: string, on: string, at: string): void {
  const today = swedishDate(at);
  if (on.slice(0, 10) > today) {
    throw new InvariantError(`${what} dated ${on} cannot be recorded on ${today}; the date lies in the future`, {
      rule: 'dated-in-future',
      details: { on, at },
    });
  }
}

/** Whether instant `a` lies strictly after instant `b`; an unparseable time is after nothing. */
export function isAfter(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

export function orList(items: readonly AgencyKind[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
