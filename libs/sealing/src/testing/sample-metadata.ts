import { EventMetadata } from '../envelope';

/** Metadata of an event for the sealing library's tests: every field, none of them anyone's. */
export const sampleMetadata: EventMetadata = {
  agencyId: 'police-malmo',
  actorId: 'officer-7f3a',
  commandId: 'cmd-1',
  correlationId: 'corr-1',
  causationId: null,
  occurredAt: '2026-03-01T09:30:00.000Z',
  recordedAt: '2026-03-01T09:30:01.250Z',
};
