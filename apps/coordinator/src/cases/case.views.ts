import { SealedEnvelope } from '@samverkan/sealing';
import { CaseHistory } from './case.service';

/** What a case looks like to an agency: the full summary for its team, descriptors for a referral's addressee. */
export function caseView(history: CaseHistory, agencyId: string) {
  const { state, caseId, revision } = history;
  if (history.visibility === 'addressee') {
    return {
      caseId,
      revision,
      status: state.status,
      city: state.city,
      leadAgency: state.leadAgency,
      subject: state.subject && { category: state.subject.category, ageGroup: state.subject.ageGroup },
      exploitation: state.exploitation,
      referrals: state.referrals.filter((r) => r.toAgency === agencyId),
    };
  }
  return {
    ...state,
    caseId,
    revision,
    openReferrals: state.referrals.filter((r) => r.status === 'open'),
  };
}

/** One entry of a case timeline. */
export function timelineEntry(envelope: SealedEnvelope) {
  return {
    id: envelope.id,
    type: envelope.type,
    revision: envelope.revision,
    schemaVersion: envelope.schemaVersion,
    agency: envelope.metadata.agencyId,
    actor: envelope.metadata.actorId,
    occurredAt: envelope.metadata.occurredAt,
    recordedAt: envelope.metadata.recordedAt,
    commandId: envelope.metadata.commandId,
    causationId: envelope.metadata.causationId,
    data: envelope.data,
    prev: envelope.prev,
    hash: envelope.hash,
  };
}
