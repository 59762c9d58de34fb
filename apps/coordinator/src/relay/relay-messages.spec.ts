import { RecordedEvent } from '@samverkan/eventstore';
import { relayMessage, relayTopics } from './relay-messages';

const event = {
  position: '42',
  raw: '',
  envelope: {
    id: '0190-e1',
    stream: 'case-c1',
    revision: 3,
    type: 'EvidenceRegistered',
    schemaVersion: 2,
    prev: 'p'.repeat(64),
    hash: 'h'.repeat(64),
    data: { evidenceId: 'ev-1', description: 'a phone', registeredBy: 'polisen-malmo' },
    metadata: {
      agencyId: 'polisen-malmo',
      actorId: 'o',
      commandId: 'c',
      correlationId: 'c',
      causationId: null,
      occurredAt: '2026-03-01T08:00:00.000Z',
      recordedAt: '2026-03-01T09:00:00.000Z',
    },
  },
} as unknown as RecordedEvent;

describe('a relayed message', () => {
  it('carries the CloudEvents attributes, the event hash and its ledger index in ce_ headers', () => {
    const message = relayMessage(
      event,
      'c1',
      { agencyId: 'polisen-malmo', kind: 'police', data: event.envelope.data, withheldFields: [], basis: 'mandate' },
      17,
    );
    expect(message.key).toBe('c1');
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: '0190-e1',
      ce_source: '/samverkan/cases/c1',
      ce_type: 'se.samverkan.case.EvidenceRegistered.v2',
      ce_time: '2026-03-01T09:00:00.000Z',
      ce_subject: 'c1',
      'content-type': 'application/json',
      ce_samverkanrevision: '3',
      ce_samverkanhash: 'h'.repeat(64),
      ce_samverkanledgerindex: '17',
      ce_samverkanbasis: 'mandate',
    });
    expect(JSON.parse(message.value)).toEqual(event.envelope.data);
  });

  it('names the fields withheld from the agency, and adds the case as a party to a referral may see it', () => {
    const data = { evidenceId: 'ev-1', registeredBy: 'polisen-malmo' };
    const descriptors = { caseId: 'c1', revision: 3, subject: { category: 'victim', ageGroup: 'adult' }, city: 'malmo', exploitation: null };
    const message = relayMessage(
      event,
      'c1',
      { agencyId: 'socialtjansten-malmo', kind: 'social-services', data, withheldFields: ['description'], basis: 'mandate', case: descriptors },
      17,
    );
    expect(message.headers.ce_samverkanwithheld).toBe('description');
    expect(JSON.parse(message.value)).toEqual({ ...data, case: descriptors });
  });

  it('says when an event is shared on consent, and for which scopes', () => {
    const delivery = {
      agencyId: 'migrationsverket-goteborg',
      kind: 'migration' as const,
      data: event.envelope.data,
      withheldFields: [],
      basis: 'consent' as const,
    };
    const message = relayMessage(event, 'c1', { ...delivery, consentScopes: ['share-with-migration', 'share-health-details'] }, 17);
    expect(message.headers).toMatchObject({ ce_samverkanbasis: 'consent', ce_samverkanconsent: 'share-with-migration,share-health-details' });
  });

  it("writes an event's data once for the agencies given all of it, and apart where a field is withheld or the case added", () => {
    const written = new Map<object, string>();
    const whole = { kind: 'police' as const, data: event.envelope.data, withheldFields: [], basis: 'mandate' as const };
    const shown = { evidenceId: 'ev-1' };
    const first = relayMessage(event, 'c1', { ...whole, agencyId: 'polisen-malmo' }, 17, written);
    const second = relayMessage(event, 'c1', { ...whole, agencyId: 'polisen-noa' }, 17, written);
    const redacted = relayMessage(event, 'c1', { ...whole, agencyId: 'region-skane', data: shown, withheldFields: ['description'] }, 17, written);
    const told = relayMessage(event, 'c1', { ...whole, agencyId: 'aklagare-malmo', case: { caseId: 'c1', revision: 3 } }, 17, written);
    expect(second.value).toBe(first.value);
    expect(JSON.parse(first.value)).toEqual(event.envelope.data);
    expect(JSON.parse(redacted.value)).toEqual(shown);
    expect(JSON.parse(told.value)).toEqual({ ...event.envelope.data, case: { caseId: 'c1', revision: 3 } });
    expect([...written.values()]).toEqual([first.value, redacted.value]);
  });

  it('puts each agency on its own topic under the prefix', () => {
    expect(relayTopics().events('polisen-malmo')).toBe('samverkan.polisen-malmo.events');
    expect(relayTopics('t1')).toMatchObject({ positions: 't1.relay.positions', checkpoints: 't1.ledger.checkpoints' });
  });
});
