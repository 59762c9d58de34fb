import { v7 as uuidv7 } from 'uuid';
import { EventDraft, JsonObject } from '@samverkan/sealing';
import { RecordedEvent } from '../event-store.port';

/** A draft event for store tests: a fresh id, the given type and data, and fixed, valid metadata. */
export function testDraft(type: string, data: JsonObject = {}, actorId = 'store-test', commandId = uuidv7()): EventDraft {
  return {
    id: uuidv7(),
    type,
    schemaVersion: 1,
    data,
    metadata: {
      agencyId: 'samverkan',
      actorId,
      commandId,
      correlationId: commandId,
      causationId: null,
      occurredAt: '2026-01-01T00:00:00.000Z',
      recordedAt: '2026-01-01T00:00:00.000Z',
    },
  };
}

/** Reads a whole iterable of events into an array. */
export async function collect(events: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}
