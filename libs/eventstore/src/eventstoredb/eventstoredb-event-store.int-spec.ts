import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent, ResolvedEvent } from '@eventstore/db-client';
import { ConflictError, ValidationError } from '@samverkan/common';
import { envelopeHash, EventDraft, JsonObject, SealedEnvelope, sealEvents, serializeEnvelope } from '@samverkan/sealing';
import { LogPosition, LogSubscription, RecordedEvent } from '../event-store.port';
import { appendSealed } from '../sealed-append';
import { describeEventStoreContract } from '../testing/event-store-contract';
import { describeWithEventStoreDb, eventStoreDbConnectionString } from '../testing/eventstoredb';
import { collect, testDraft } from '../testing/test-events';
import { EVENT_ID_CATEGORY, EventStoreDbEventStore } from './eventstoredb-event-store';

jest.setTimeout(60_000);

describeWithEventStoreDb('the EventStoreDB event store', () => {
  describeEventStoreContract('EventStoreDbEventStore', async () => {
    const store = await EventStoreDbEventStore.open({ connectionString: eventStoreDbConnectionString() });
    return { store, cleanup: () => store.close() };
  });

  const opened: EventStoreDbEventStore[] = [];
  const clients: EventStoreDBClient[] = [];

  const open = async () => {
    const store = await EventStoreDbEventStore.open({ connectionString: eventStoreDbConnectionString() });
    opened.push(store);
    return store;
  };

  /** A client of the test's own, to see what EventStoreDB holds beside what the store reports. */
  const connect = () => {
    const client = EventStoreDBClient.connectionString(eventStoreDbConnectionString());
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const client of clients.splice(0)) await client.dispose();
  });

  describe('its events in EventStoreDB', () => {
    it("holds each envelope's exact bytes as the data of a binary event with the envelope's id and type", async () => {
      const store = await open();
      const client = connect();
      const stream = `bytes-${randomUUID()}`;
      // Integer-like keys are where a JSON round trip through JavaScript objects would reorder the bytes.
      const awkward: JsonObject = { keys: { b: 1, '10': 2, a: 3, '1': 4 }, numbers: [1e21, 0.1, -0], text: 'Åsa\n\u2028"' };
      const { sealed } = await appendSealed(store, stream, null, [draft(awkward), draft()]);

      const held = await rawEvents(client.readStream(stream));

      expect(held.map((e) => e.id)).toEqual(sealed.map((e) => e.id));
      for (const [i, event] of held.entries()) {
        expect(event.type).toBe(sealed[i].type);
        expect(event.isJson).toBe(false);
        expect(Buffer.from(event.data as Uint8Array).equals(Buffer.from(serializeEnvelope(sealed[i]), 'utf8'))).toBe(true);
        expect(event.metadata).toMatchObject({ $correlationId: sealed[i].metadata.correlationId, hash: sealed[i].hash });
      }
      const read = await collect(store.readStream(stream));
      expect(read.map((e) => e.raw)).toEqual(sealed.map(serializeEnvelope));
      for (const { envelope } of read) expect(envelopeHash(envelope)).toBe(envelope.hash);
    });

    it('reports one position per event, the same from its stream, from the log and from a subscription', async () => {
      const store = await open();
      const stream = `positions-${randomUUID()}`;
      const marker = await markerPosition(store);
      const { sealed, result } = await appendSealed(store, stream, null, [draft(), draft(), draft()]);

      const fromStream = (await collect(store.readStream(stream))).map((e) => e.position);
      const fromLog = (await collect(store.readAll({ after: marker }))).filter((e) => e.envelope.stream === stream);
      const delivered = await deliveredUntil(store.subscribeToAll({ after: marker }), sealed[2].id);

      expect(new Set(fromStream).size).toBe(3);
      expect(fromStream[2]).toBe(result.position);
      expect(fromLog.map((e) => e.position)).toEqual(fromStream);
      expect(delivered.filter((e) => e.envelope.stream === stream).map((e) => e.position)).toEqual(fromStream);
    });
  });

  describe('its global log', () => {
    it('leaves system events and event-id claims out of reads and subscriptions', async () => {
      const store = await open();
      const client = connect();
      const stream = `system-${randomUUID()}`;
      const marker = await markerPosition(store);
      const { sealed } = await appendSealed(store, stream, null, [draft()]);
      // A system event of EventStoreDB's own, in the system stream $$<stream>.
      await client.setStreamMetadata(stream, { maxAge: 365 * 24 * 3600 });
      const { sealed: last } = await appendSealed(store, stream, { revision: 0, hash: sealed[0].hash }, [draft()]);

      // The test means something only if both kinds are in $all after the marker.
      const claims = await rawEvents(client.readStream(`${EVENT_ID_CATEGORY}-${sealed[0].id}`));
      expect(claims.map((e) => e.type)).toEqual(['EventIdClaimed']);
      expect(await rawEvents(client.readStream(`$$${stream}`))).toHaveLength(1);

      const read = await collect(store.readAll({ after: marker }));
      const delivered = await deliveredUntil(store.subscribeToAll({ after: marker }), last[0].id);
      for (const events of [read, delivered]) {
        expect(events.filter((e) => e.envelope.stream === stream).map((e) => e.envelope.id)).toEqual([sealed[0].id, last[0].id]);
        expect(events.filter((e) => e.envelope.stream.startsWith('$') || e.envelope.stream.startsWith(`${EVENT_ID_CATEGORY}-`))).toEqual([]);
      }
    });

    it('gives a second store, and a store opened after a restart, the same events in the same order at the same positions', async () => {
      const first = await open();
      const second = await open();
      const [a, b] = [`order-${randomUUID()}`, `order-${randomUUID()}`];
      const marker = await markerPosition(first);
      let headA = (await appendSealed(first, a, null, [draft()])).sealed;
      const headB = (await appendSealed(second, b, null, [draft(), draft()])).sealed;
      headA = (await appendSealed(second, a, headOf(headA), [draft()])).sealed;
      await appendSealed(first, b, headOf(headB), [draft()]);
      await appendSealed(second, a, headOf(headA), [draft()]);
      const ours = (events: RecordedEvent[]) =>
        events.filter((e) => e.envelope.stream === a || e.envelope.stream === b).map((e) => `${e.envelope.id}@${e.position}`);

      const seenByFirst = ours(await collect(first.readAll({ after: marker })));
      const seenBySecond = ours(await collect(second.readAll({ after: marker })));
      const lastId = seenByFirst[seenByFirst.length - 1].split('@')[0];
      const deliveredToSecond = ours(await deliveredUntil(second.subscribeToAll({ after: marker }), lastId));
      await first.close();
      const restarted = await open();
      const seenAfterRestart = ours(await collect(restarted.readAll({ after: marker })));
      // A reader that stored the position of the third event resumes with the fourth.
      const third = seenByFirst[2].split('@')[1];
      const resumed = ours(await collect(restarted.readAll({ after: third })));

      expect(seenByFirst).toHaveLength(6);
      expect(seenBySecond).toEqual(seenByFirst);
      expect(deliveredToSecond).toEqual(seenByFirst);
      expect(seenAfterRestart).toEqual(seenByFirst);
      expect(resumed).toEqual(seenByFirst.slice(3));
    });

    it('refuses a position it did not issue', async () => {
      const store = await open();

      for (const position of ['42', 'x.1', '1.2.3', '-1.0', `${2n ** 64n}.0`]) {
        expect(() => store.subscribeToAll({ after: position })).toThrow(ValidationError);
        await expect(collect(store.readAll({ after: position }))).rejects.toBeInstanceOf(ValidationError);
      }
    });
  });

  describe('event ids', () => {
    it('refuses an id that another store instance stored in another stream', async () => {
      const first = await open();
      const second = await open();
      const stream = `ids-${randomUUID()}`;
      const other = `ids-${randomUUID()}`;
      const { sealed } = await appendSealed(first, stream, null, [draft()]);

      const reused = sealEvents(other, null, [{ ...draft(), id: sealed[0].id }]);
      await expect(second.appendToStream(other, reused, 'no-stream')).rejects.toMatchObject({ rule: 'duplicate-event-id' });

      expect(await collect(second.readStream(other))).toEqual([]);
    });

    it('stores an envelope whose claim an earlier, unanswered try of the same append left behind', async () => {
      const store = await open();
      const stream = `ids-${randomUUID()}`;
      const [event] = sealEvents(stream, null, [draft()]);
      await leaveClaim(connect(), event, event.revision);

      await expect(store.appendToStream(stream, [event], 'no-stream')).resolves.toMatchObject({ revision: 0 });
      expect((await collect(store.readStream(stream))).map((e) => e.envelope)).toEqual([event]);
    });

    it('refuses an id whose claimed append may still land, and gives it out once that append never can', async () => {
      const store = await open();
      const claimed = `ids-${randomUUID()}`;
      const other = `ids-${randomUUID()}`;
      const marker = await markerPosition(store);
      // A writer claimed the id for revision 0 of `claimed`, then went silent before appending.
      const [pending] = sealEvents(claimed, null, [draft()]);
      await leaveClaim(connect(), pending, pending.revision);
      const elsewhere = sealEvents(other, null, [{ ...draft(), id: pending.id }]);

      const refusal = await store.appendToStream(other, elsewhere, 'no-stream').catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ConflictError);
      expect(refusal).toMatchObject({ rule: 'duplicate-event-id' });

      // Another event takes revision 0 of `claimed`: the silent writer's exact-revision append can never land now.
      await appendSealed(store, claimed, null, [draft()]);
      await expect(store.appendToStream(other, elsewhere, 'no-stream')).resolves.toMatchObject({ revision: 0 });
      const withId = (await collect(store.readAll({ after: marker }))).filter((e) => e.envelope.id === pending.id);
      expect(withId.map((e) => e.envelope)).toEqual(elsewhere);
    });

    it('gives back the ids of a batch it refused, and of a writer that lost a race, for use elsewhere', async () => {
      const store = await open();
      const stream = `ids-${randomUUID()}`;
      const { sealed: stored } = await appendSealed(store, stream, null, [draft()]);
      const refusedBatch = sealEvents(stream, headOf(stored), [draft(), { ...draft(), id: stored[0].id }]);
      await expect(store.appendToStream(stream, refusedBatch, 0)).rejects.toMatchObject({ rule: 'duplicate-event-id' });
      const rivals = [draft(), draft()].map((d) => sealEvents(stream, headOf(stored), [d]));
      const outcomes = await Promise.allSettled(rivals.map((events) => store.appendToStream(stream, events, 0)));
      const lost = rivals[outcomes.findIndex((o) => o.status === 'rejected')];
      expect(lost).toBeDefined();

      for (const id of [refusedBatch[0].id, lost[0].id]) {
        const elsewhere = `ids-${randomUUID()}`;
        const reused = sealEvents(elsewhere, null, [{ ...draft(), id }]);
        await expect(store.appendToStream(elsewhere, reused, 'no-stream')).resolves.toMatchObject({ revision: 0 });
      }
    });

    it('refuses stream names EventStoreDB or the claims use, event types it keeps for itself, and ids it cannot hold', async () => {
      const store = await open();
      const stream = `ids-${randomUUID()}`;

      for (const name of ['$ce-case', `${EVENT_ID_CATEGORY}-${randomUUID()}`]) {
        await expect(store.appendToStream(name, sealEvents(name, null, [draft()]), 'no-stream')).rejects.toBeInstanceOf(ValidationError);
      }
      const systemType = sealEvents(stream, null, [{ ...draft(), type: '$Checked' }]);
      await expect(store.appendToStream(stream, systemType, 'no-stream')).rejects.toBeInstanceOf(ValidationError);
      const upperCaseId = sealEvents(stream, null, [{ ...draft(), id: randomUUID().toUpperCase() }]);
      await expect(store.appendToStream(stream, upperCaseId, 'no-stream')).rejects.toBeInstanceOf(ValidationError);
      expect(await collect(store.readStream(stream))).toEqual([]);
    });
  });

  describe('closing', () => {
    it('lets an append under way finish before it closes', async () => {
      const store = await open();
      const stream = `closing-${randomUUID()}`;
      const appending = store.appendToStream(stream, sealEvents(stream, null, [draft()]), 'no-stream');

      await store.close();

      await expect(appending).resolves.toMatchObject({ revision: 0 });
      expect(await collect((await open()).readStream(stream))).toHaveLength(1);
    });

    it('refuses to append once closed', async () => {
      const store = await open();
      await store.close();

      const stream = `closing-${randomUUID()}`;
      await expect(store.appendToStream(stream, sealEvents(stream, null, [draft()]), 'no-stream')).rejects.toThrow(/closed/);
    });

    it('ends its subscriptions when closed', async () => {
      const store = await open();
      const subscription = store.subscribeToAll({ after: await markerPosition(store) });
      const iteration = (async () => {
        for await (const event of subscription) void event;
      })();

      await store.close();

      await expect(iteration).resolves.toBeUndefined();
    });
  });
});

const draft = (data: JsonObject = {}): EventDraft => testDraft('StoreChecked', data, 'eventstoredb-event-store-spec');

function headOf(events: readonly SealedEnvelope[]): { revision: number; hash: string } {
  const last = events[events.length - 1];
  return { revision: last.revision, hash: last.hash };
}

/** A position at the end of the log as it is now: the position of a marker event appended for it. */
async function markerPosition(store: EventStoreDbEventStore): Promise<LogPosition> {
  const { result } = await appendSealed(store, `marker-${randomUUID()}`, null, [draft()]);
  return result.position;
}

/** Reads a subscription until the event with that id, then closes it; answers what it delivered. */
async function deliveredUntil(subscription: LogSubscription, id: string): Promise<RecordedEvent[]> {
  const delivered: RecordedEvent[] = [];
  try {
    for await (const event of subscription) {
      delivered.push(event);
      if (event.envelope.id === id) return delivered;
    }
  } finally {
    await subscription.close();
  }
  throw new Error(`the subscription ended before event ${id}`);
}

async function rawEvents(read: AsyncIterable<ResolvedEvent>): Promise<NonNullable<ResolvedEvent['event']>[]> {
  const events: NonNullable<ResolvedEvent['event']>[] = [];
  for await (const { event } of read) if (event) events.push(event);
  return events;
}

/**
 * Writes the claim an append leaves behind when its writer stops after claiming the event's id and before
 * appending the event: what the store writes, in the stream the store writes it to.
 */
async function leaveClaim(client: EventStoreDBClient, event: SealedEnvelope, from: number): Promise<void> {
  const data = { eventId: event.id, stream: event.stream, from, revision: event.revision, hash: event.hash };
  await client.appendToStream(`${EVENT_ID_CATEGORY}-${event.id}`, jsonEvent({ type: 'EventIdClaimed', data }));
}
