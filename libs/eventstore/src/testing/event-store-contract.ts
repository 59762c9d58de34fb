import { randomUUID } from 'node:crypto';
import { ConcurrencyError, ConflictError } from '@samverkan/common';
import { envelopeHash, EventDraft, GENESIS_HASH, JsonObject, SealedEnvelope, sealEvents, serializeEnvelope, verifyChain } from '@samverkan/sealing';
import { EventStore, LogPosition, LogSubscription, RecordedEvent } from '../event-store.port';
import { appendSealed, readStreamHead, StreamHead } from '../sealed-append';
import { collect, testDraft } from './test-events';

/** What a contract run needs from an adapter: a store to test, and a way to let go of it afterwards. */
export interface EventStoreUnderTest {
  readonly store: EventStore;
  cleanup(): Promise<void>;
}

/**
 * The behaviour every event store adapter owes the rest of samverkan, as one jest suite. An adapter's
 * integration spec calls it with a factory for a live store:
 *
 *   describeEventStoreContract('SqliteEventStore', async () => ({ store, cleanup }));
 *
 * The suite shares one store among its tests and never assumes the store is empty: each test writes to
 * streams of its own and reads the global log only from positions it has seen.
 */
export function describeEventStoreContract(name: string, make: () => Promise<EventStoreUnderTest>): void {
  describe(`${name} honours the event store contract`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;

    beforeAll(async () => {
      subject = await make();
      store = subject.store;
    });

    afterAll(async () => {
      await subject?.cleanup();
    });

    describe('appending', () => {
      it('creates a stream with no-stream and answers its revision and global position', async () => {
        const stream = freshStream('appending');
        const [event] = sealEvents(stream, null, [draft()]);

        const result = await store.appendToStream(stream, [event], 'no-stream');

        expect(result.revision).toBe(0);
        expect(typeof result.position).toBe('string');
        const stored = await readAllOf(store.readStream(stream));
        expect(stored.map((e) => e.envelope)).toEqual([event]);
        expect(stored[0].position).toBe(result.position);
      });

      it('refuses no-stream for a stream that exists, and leaves the stream as it was', async () => {
        const stream = freshStream('appending');
        const [first] = sealEvents(stream, null, [draft()]);
        await store.appendToStream(stream, [first], 'no-stream');
        const [rival] = sealEvents(stream, null, [draft()]);

        await expect(store.appendToStream(stream, [rival], 'no-stream')).rejects.toBeInstanceOf(ConcurrencyError);

        expect(await idsOf(stream)).toEqual([first.id]);
      });

      it('appends when the stream is at exactly the expected revision', async () => {
        const stream = freshStream('appending');
        const head = await appendDrafts(stream, null, 2);

        const [next] = sealEvents(stream, head, [draft()]);
        const result = await store.appendToStream(stream, [next], 1);

        expect(result.revision).toBe(2);
        expect(await idsOf(stream)).toHaveLength(3);
      });

      it('refuses an expected revision the stream has moved past, naming both revisions', async () => {
        const stream = freshStream('appending');
        const atZero = await appendDrafts(stream, null, 1);
        await appendDrafts(stream, atZero, 1);
        const stale = sealEvents(stream, atZero, [draft()]);

        const refusal = await store.appendToStream(stream, stale, 0).catch((error: unknown) => error);

        expect(refusal).toBeInstanceOf(ConcurrencyError);
        expect(refusal).toMatchObject({ code: 'conflict', stream, expected: '0', actual: '1' });
        expect(await idsOf(stream)).toHaveLength(2);
      });

      it('holds the writer to its expected revision even when its events would follow the stream', async () => {
        const stream = freshStream('appending');
        const head = await appendDrafts(stream, await appendDrafts(stream, null, 1), 1);
        const following = sealEvents(stream, head, [draft()]);

        await expect(store.appendToStream(stream, following, 0)).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.appendToStream(stream, following, 7)).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.appendToStream(stream, following, 'no-stream')).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await idsOf(stream)).toHaveLength(2);
      });

      it('refuses an expected revision for a stream that does not exist', async () => {
        const stream = freshStream('appending');
        const events = sealEvents(stream, { revision: 2, hash: GENESIS_HASH }, [draft()]);

        await expect(store.appendToStream(stream, events, 2)).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await idsOf(stream)).toEqual([]);
      });

      it('appends with any to a new stream and to one that already has events', async () => {
        const stream = freshStream('appending');
        const first = sealEvents(stream, null, [draft()]);
        expect((await store.appendToStream(stream, first, 'any')).revision).toBe(0);

        const second = sealEvents(stream, headOf(first), [draft()]);
        expect((await store.appendToStream(stream, second, 'any')).revision).toBe(1);

        expect(await idsOf(stream)).toEqual([...first, ...second].map((e) => e.id));
      });

      it('appends several events at once, in order, as one revision range', async () => {
        const stream = freshStream('appending');
        const events = sealEvents(stream, null, [draft(), draft(), draft()]);

        const result = await store.appendToStream(stream, events, 'no-stream');

        expect(result.revision).toBe(2);
        const stored = await readAllOf(store.readStream(stream));
        expect(stored.map((e) => e.envelope)).toEqual(events);
        expect(stored[2].position).toBe(result.position);
      });

      it('stores none of a batch when one of its events is refused', async () => {
        const stream = freshStream('appending');
        const head = await appendDrafts(stream, null, 1);
        const taken = await idsOf(stream);
        const batch = sealEvents(stream, head, [draft(), draft(), { ...draft(), id: taken[0] }]);

        await expect(store.appendToStream(stream, batch, 0)).rejects.toBeInstanceOf(ConflictError);

        expect(await idsOf(stream)).toEqual(taken);
        const [next] = sealEvents(stream, head, [draft()]);
        await expect(store.appendToStream(stream, [next], 0)).resolves.toMatchObject({ revision: 1 });
      });

      it('refuses an event id that is already stored, in any stream', async () => {
        const stream = freshStream('appending');
        const other = freshStream('appending');
        const [original] = sealEvents(stream, null, [draft()]);
        await store.appendToStream(stream, [original], 'no-stream');
        const reused = { ...draft(), id: original.id };

        const elsewhere = store.appendToStream(other, sealEvents(other, null, [reused]), 'no-stream');
        await expect(elsewhere).rejects.toBeInstanceOf(ConflictError);
        await expect(elsewhere).rejects.toMatchObject({ rule: 'duplicate-event-id' });
        const again = store.appendToStream(stream, sealEvents(stream, headOf([original]), [reused]), 0);
        await expect(again).rejects.toMatchObject({ rule: 'duplicate-event-id' });

        expect(await idsOf(other)).toEqual([]);
        expect(await idsOf(stream)).toEqual([original.id]);
      });

      it("refuses a batch whose first event does not link to the stream's last hash", async () => {
        const stream = freshStream('appending');
        const head = await appendDrafts(stream, null, 1);
        const forged = sealEvents(stream, { revision: head.revision, hash: 'f'.repeat(64) }, [draft()]);

        const refusal = store.appendToStream(stream, forged, head.revision);

        await expect(refusal).rejects.toBeInstanceOf(ConflictError);
        await expect(refusal).rejects.toMatchObject({ rule: 'chain-link' });
        expect(await idsOf(stream)).toHaveLength(1);
      });

      it('refuses a new stream whose first event does not link to the genesis hash', async () => {
        const stream = freshStream('appending');
        const forged = sealEvents(stream, { revision: -1, hash: 'e'.repeat(64) }, [draft()]);

        await expect(store.appendToStream(stream, forged, 'no-stream')).rejects.toMatchObject({ rule: 'chain-link' });
        expect(await idsOf(stream)).toEqual([]);
      });

      it('refuses a batch whose events do not link to each other', async () => {
        const stream = freshStream('appending');
        const [first, second] = sealEvents(stream, null, [draft(), draft()]);
        const [unlinked] = sealEvents(stream, { revision: 0, hash: 'd'.repeat(64) }, [draft()]);
        expect(unlinked.revision).toBe(second.revision);

        await expect(store.appendToStream(stream, [first, unlinked], 'no-stream')).rejects.toMatchObject({
          rule: 'chain-link',
        });
        expect(await idsOf(stream)).toEqual([]);
      });
    });

    describe('writers racing each other', () => {
      it('lets exactly one of many writers at the same expected revision win, and the chain holds', async () => {
        const stream = freshStream('racing');
        const head = await appendDrafts(stream, null, 1);
        const rivals = Array.from({ length: 12 }, () => sealEvents(stream, head, [draft(), draft()]));

        const outcomes = await Promise.allSettled(rivals.map((events) => store.appendToStream(stream, events, 0)));

        const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [rivals[i]] : []));
        const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(rivals.length - 1);
        for (const reason of lost) expect(reason).toBeInstanceOf(ConcurrencyError);
        const stored = await envelopesOf(stream);
        expect(stored.slice(1)).toEqual(won[0]);
        expect(verifyChain(stream, stored)).toMatchObject({ ok: true, events: 3 });
      });

      it('lets exactly one of many writers create the same stream', async () => {
        const stream = freshStream('racing');
        const rivals = Array.from({ length: 12 }, () => sealEvents(stream, null, [draft()]));

        const outcomes = await Promise.allSettled(rivals.map((events) => store.appendToStream(stream, events, 'no-stream')));

        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ConcurrencyError);
        expect(verifyChain(stream, await envelopesOf(stream))).toMatchObject({ ok: true, events: 1 });
      });

      it('appends to many different streams at once without losing or refusing any', async () => {
        const streams = Array.from({ length: 40 }, () => freshStream('racing'));
        const perStream = 5;

        await Promise.all(
          streams.map(async (stream) => {
            let head: StreamHead = null;
            for (let i = 0; i < perStream; i++) head = await appendDrafts(stream, head, 1);
          }),
        );

        for (const stream of streams) {
          expect(verifyChain(stream, await envelopesOf(stream))).toMatchObject({ ok: true, events: perStream });
        }
      });

      it('keeps every chain whole when concurrent writers go through the shared append path', async () => {
        const stream = freshStream('racing');
        // Each writer reads the head, seals after it and appends; on a conflict it reads again and retries.
        const writer = async (writes: number) => {
          for (let done = 0; done < writes;) {
            try {
              await appendSealed(store, stream, await readStreamHead(store, stream), [draft()]);
              done += 1;
            } catch (error) {
              if (!(error instanceof ConcurrencyError)) throw error;
            }
          }
        };

        await Promise.all([writer(10), writer(10), writer(10), writer(10)]);

        expect(verifyChain(stream, await envelopesOf(stream))).toMatchObject({ ok: true, events: 40 });
      });
    });

    describe('reading a stream', () => {
      let stream: string;
      let ids: string[];

      beforeAll(async () => {
        stream = freshStream('reading');
        let head: StreamHead = null;
        for (const size of [3, 1, 4, 2]) head = await appendDrafts(stream, head, size);
        ids = await idsOf(stream);
      });

      const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
        (await readAllOf(store.readStream(stream, options))).map((e) => e.envelope.revision);

      it('reads forwards from the first revision by default', async () => {
        expect(ids).toHaveLength(10);
        expect(await revisions(undefined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      it('reads backwards from the last revision', async () => {
        expect(await revisions({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      });

      it('starts at fromRevision, inclusive, in either direction', async () => {
        expect(await revisions({ fromRevision: 6 })).toEqual([6, 7, 8, 9]);
        expect(await revisions({ direction: 'backwards', fromRevision: 3 })).toEqual([3, 2, 1, 0]);
      });

      it('stops after maxCount events', async () => {
        expect(await revisions({ maxCount: 4 })).toEqual([0, 1, 2, 3]);
        expect(await revisions({ direction: 'backwards', maxCount: 1 })).toEqual([9]);
        expect(await revisions({ fromRevision: 5, maxCount: 2 })).toEqual([5, 6]);
        expect(await revisions({ direction: 'backwards', fromRevision: 5, maxCount: 2 })).toEqual([5, 4]);
      });

      it('reads nothing past the end', async () => {
        expect(await revisions({ fromRevision: 10 })).toEqual([]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
      });

      it('reads a stream that does not exist as empty, in either direction', async () => {
        const missing = freshStream('reading');
        expect(await readAllOf(store.readStream(missing))).toEqual([]);
        expect(await readAllOf(store.readStream(missing, { direction: 'backwards', maxCount: 1 }))).toEqual([]);
      });

      it('reads a stream longer than any page size whole and in order', async () => {
        const long = freshStream('reading');
        let head: StreamHead = null;
        for (let i = 0; i < 12; i++) head = await appendDrafts(long, head, 100);

        const forwards = (await readAllOf(store.readStream(long))).map((e) => e.envelope.revision);
        const backwards = (await readAllOf(store.readStream(long, { direction: 'backwards' }))).map((e) => e.envelope.revision);

        const expected = Array.from({ length: 1200 }, (_, i) => i);
        expect(forwards).toEqual(expected);
        expect(backwards).toEqual([...expected].reverse());
        expect(verifyChain(long, await envelopesOf(long))).toMatchObject({ ok: true, events: 1200 });
      });
    });

    describe('reading the global log', () => {
      it('reads events of all streams in the order they were appended', async () => {
        const [a, b, c] = [freshStream('log'), freshStream('log'), freshStream('log')];
        const appended = await appendInOrder([a, b, a, c, b, a]);
        const ours = new Set([a, b, c]);

        const read = (await readAllOf(store.readAll({ after: appended.start }))).filter((e) => ours.has(e.envelope.stream));

        expect(read.map((e) => e.envelope.id)).toEqual(appended.ids);
        expect(read.map((e) => e.position)).toEqual(appended.positions);
      });

      it('reads strictly after a position, and each position leads to the next event', async () => {
        const streams = [freshStream('log'), freshStream('log')];
        const appended = await appendInOrder([streams[0], streams[1], streams[0], streams[1]]);
        const ours = new Set(streams);

        const read = (await readAllOf(store.readAll({ after: appended.start }))).filter((e) => ours.has(e.envelope.stream));
        expect(new Set(read.map((e) => e.position)).size).toBe(read.length);
        for (const [i, event] of read.entries()) {
          const [next] = await readAllOf(store.readAll({ after: event.position, maxCount: 1 }));
          if (i + 1 < read.length) expect(next.envelope.id).toBe(read[i + 1].envelope.id);
        }
      });

      it('stops after maxCount events', async () => {
        const stream = freshStream('log');
        const appended = await appendInOrder([stream, stream, stream, stream]);

        const two = await readAllOf(store.readAll({ after: appended.start, maxCount: 2 }));

        expect(two.map((e) => e.envelope.id)).toEqual(appended.ids.slice(0, 2));
      });

      it('counts the events readAll reads after a position, and all of them without one', async () => {
        const stream = freshStream('log');
        const appended = await appendInOrder([stream, stream, stream]);

        expect(await store.countAll({ after: appended.start })).toBe((await readAllOf(store.readAll({ after: appended.start }))).length);
        expect(await store.countAll()).toBe((await readAllOf(store.readAll())).length);
        const last = appended.positions[appended.positions.length - 1];
        expect(await store.countAll({ after: appended.positions[0] })).toBe((await readAllOf(store.readAll({ after: appended.positions[0] }))).length);
        expect(await store.countAll({ after: last })).toBe((await readAllOf(store.readAll({ after: last }))).length);
      });

      it('reads from the very start of the log when given no position', async () => {
        const stream = freshStream('log');
        const appended = await appendInOrder([stream]);

        const [first] = await readAllOf(store.readAll({ maxCount: 1 }));
        const everything = await readAllOf(store.readAll());

        expect(everything[0]).toEqual(first);
        expect(everything.map((e) => e.envelope.id)).toContain(appended.ids[0]);
      });
    });

    describe('keeping envelopes byte for byte', () => {
      it('gives back exactly the bytes and hashes it was given, from a stream and from the log', async () => {
        const stream = freshStream('bytes');
        const awkward: JsonObject = {
          name: 'Åsa Öberg-Ärlig',
          note: 'line\nbreak \u2028 separator, "quotes", back\\slash, </script>, emoji 🧭',
          numbers: [0, -1, 0.1, 1e21, 1e-7, 333333333.3333333, 9007199254740991],
          nested: { z: [true, false, null], a: { '€': 1, '\r': 2, '10': 3, '1': 4 } },
          empty: { list: [], object: {} },
        };
        const events = sealEvents(stream, null, [draft(awkward), draft({ ...awkward, second: true })]);
        const start = await positionBefore();

        await store.appendToStream(stream, events, 'no-stream');

        const fromStream = await readAllOf(store.readStream(stream));
        const fromLog = (await readAllOf(store.readAll({ after: start }))).filter((e) => e.envelope.stream === stream);
        for (const recorded of [fromStream, fromLog]) {
          expect(recorded.map((e) => e.envelope)).toEqual(events);
          for (const [i, event] of recorded.entries()) {
            expect(event.raw).toBe(serializeEnvelope(events[i]));
            expect(event.raw).toBe(serializeEnvelope(event.envelope));
            expect(envelopeHash(event.envelope)).toBe(event.envelope.hash);
          }
        }
        expect(
          verifyChain(
            stream,
            fromStream.map((e) => e.envelope),
          ),
        ).toMatchObject({ ok: true, events: 2 });
      });
    });

    describe('subscribing to the log', () => {
      it('delivers the events already stored, then events appended later', async () => {
        const [a, b] = [freshStream('subscribing'), freshStream('subscribing')];
        const earlier = await appendInOrder([a, b, a]);
        const subscription = store.subscribeToAll({ after: earlier.start });
        const ours = new Set([a, b]);
        const reader = new SubscriptionReader(subscription, (e) => ours.has(e.envelope.stream));

        try {
          expect((await reader.take(3)).map((e) => e.envelope.id)).toEqual(earlier.ids);
          const later = await appendInOrder([b, a]);
          expect((await reader.take(2)).map((e) => e.envelope.id)).toEqual(later.ids);
          const last = await appendInOrder([a]);
          expect((await reader.take(1)).map((e) => e.envelope.id)).toEqual(last.ids);
        } finally {
          await subscription.close();
        }
      });

      it('starts strictly after the position it is given', async () => {
        const stream = freshStream('subscribing');
        const appended = await appendInOrder([stream, stream, stream]);
        const subscription = store.subscribeToAll({ after: appended.positions[0] });
        const reader = new SubscriptionReader(subscription, (e) => e.envelope.stream === stream);

        try {
          expect((await reader.take(2)).map((e) => e.envelope.id)).toEqual(appended.ids.slice(1));
        } finally {
          await subscription.close();
        }
      });

      it('starts at the beginning of the log when given no position', async () => {
        const [first] = await readAllOf(store.readAll({ maxCount: 1 }));
        const subscription = store.subscribeToAll();
        const reader = new SubscriptionReader(subscription, () => true);

        try {
          expect(await reader.take(1)).toEqual([first]);
        } finally {
          await subscription.close();
        }
      });

      it('delivers byte-identical events, as reads do', async () => {
        const stream = freshStream('subscribing');
        const start = await positionBefore();
        const subscription = store.subscribeToAll({ after: start });
        const reader = new SubscriptionReader(subscription, (e) => e.envelope.stream === stream);
        const events = sealEvents(stream, null, [draft({ text: 'Malmö ✓' }), draft()]);

        try {
          await store.appendToStream(stream, events, 'no-stream');
          const delivered = await reader.take(2);
          expect(delivered.map((e) => e.envelope)).toEqual(events);
          for (const event of delivered) expect(event.raw).toBe(serializeEnvelope(event.envelope));
        } finally {
          await subscription.close();
        }
      });

      it('ends iteration when closed while waiting for new events', async () => {
        const stream = freshStream('subscribing');
        const appended = await appendInOrder([stream]);
        const subscription = store.subscribeToAll({ after: appended.start });
        const seen: string[] = [];
        let sawOurs!: () => void;
        const ours = new Promise<void>((resolve) => (sawOurs = resolve));

        const iteration = (async () => {
          for await (const event of subscription) {
            seen.push(event.envelope.id);
            if (event.envelope.stream === stream) sawOurs();
          }
        })();
        await ours;
        await subscription.close();

        await expect(iteration).resolves.toBeUndefined();
        expect(seen).toContain(appended.ids[0]);
      });

      it('ends iteration when closed by its consumer in the middle of a catch-up', async () => {
        const stream = freshStream('subscribing');
        const appended = await appendInOrder([stream, stream, stream, stream]);
        const subscription = store.subscribeToAll({ after: appended.start });
        const seen: string[] = [];

        for await (const event of subscription) {
          if (event.envelope.stream !== stream) continue;
          seen.push(event.envelope.id);
          if (seen.length === 2) await subscription.close();
        }

        expect(seen).toEqual(appended.ids.slice(0, 2));
      });

      it('delivers nothing more after close, even when events keep arriving', async () => {
        const stream = freshStream('subscribing');
        const appended = await appendInOrder([stream]);
        const subscription = store.subscribeToAll({ after: appended.start });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await iterator.next()).value?.envelope.id).toBe(appended.ids[0]);

        await subscription.close();
        await appendInOrder([stream]);

        await expect(iterator.next()).resolves.toMatchObject({ done: true });
      });
    });

    /** A stream name no other test or run uses: `<category>-<uuid>`. */
    function freshStream(category: string): string {
      return `${category.replace(/-/g, '')}-${randomUUID()}`;
    }

    async function idsOf(stream: string): Promise<string[]> {
      return (await envelopesOf(stream)).map((e) => e.id);
    }

    async function envelopesOf(stream: string): Promise<SealedEnvelope[]> {
      return (await readAllOf(store.readStream(stream))).map((e) => e.envelope);
    }

    /** Seals `count` fresh drafts after `head` and appends them expecting the stream to be at `head`. */
    async function appendDrafts(stream: string, head: StreamHead, count: number): Promise<NonNullable<StreamHead>> {
      const { sealed } = await appendSealed(
        store,
        stream,
        head,
        Array.from({ length: count }, () => draft()),
      );
      return headOf(sealed);
    }

    /** A position at the end of the log as it is now: events appended after this call come after it. */
    async function positionBefore(): Promise<LogPosition> {
      // A marker event's position is the one position a test can learn without reading the whole log.
      const marker = freshStream('marker');
      const [event] = sealEvents(marker, null, [draft()]);
      return (await store.appendToStream(marker, [event], 'no-stream')).position;
    }

    /**
     * Appends one event to each stream named, one append after another, and reports the ids and positions in
     * that order, with a position from before the first of them.
     */
    async function appendInOrder(streams: string[]) {
      const start = await positionBefore();
      const heads = new Map<string, StreamHead>();
      const ids: string[] = [];
      const positions: LogPosition[] = [];
      for (const stream of streams) {
        const head = heads.has(stream) ? (heads.get(stream) ?? null) : await readStreamHead(store, stream);
        const { result, sealed } = await appendSealed(store, stream, head, [draft()]);
        heads.set(stream, headOf(sealed));
        ids.push(sealed[0].id);
        positions.push(result.position);
      }
      return { start, ids, positions };
    }
  });
}

const draft = (data: JsonObject = { note: 'contract' }): EventDraft => testDraft('ContractChecked', data, 'event-store-contract');

function headOf(events: readonly SealedEnvelope[]): NonNullable<StreamHead> {
  const last = events[events.length - 1];
  return { revision: last.revision, hash: last.hash };
}

const readAllOf = collect;

/** Pulls events from a subscription, keeping those a test cares about, until it has as many as asked for. */
class SubscriptionReader {
  private readonly iterator: AsyncIterator<RecordedEvent>;

  constructor(
    subscription: LogSubscription,
    private readonly keep: (event: RecordedEvent) => boolean,
  ) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async take(count: number): Promise<RecordedEvent[]> {
    const taken: RecordedEvent[] = [];
    while (taken.length < count) {
      const next = await this.iterator.next();
      if (next.done) throw new Error(`the subscription ended after ${taken.length} of ${count} expected events`);
      if (this.keep(next.value)) taken.push(next.value);
    }
    return taken;
  }
}
