import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyError } from '@samverkan/common';
import Database from 'better-sqlite3';
import { EventDraft, sealEvents, serializeEnvelope, verifyChain } from '@samverkan/sealing';
import { appendSealed, readStreamHead } from '../sealed-append';
import { describeEventStoreContract } from '../testing/event-store-contract';
import { SqliteEventStore } from './sqlite-event-store';
import { collect, testDraft } from '../testing/test-events';

async function freshFolder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'samverkan-sqlite-'));
}

describeEventStoreContract('SqliteEventStore', async () => {
  const folder = await freshFolder();
  const store = new SqliteEventStore({ file: join(folder, 'events.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
});

describe('the SQLite event store file', () => {
  let folder: string;
  let file: string;
  const opened: SqliteEventStore[] = [];

  const open = (pollIntervalMs?: number) => {
    const store = new SqliteEventStore({ file, pollIntervalMs });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    folder = await freshFolder();
    file = join(folder, 'nested', 'events.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps every event, byte for byte, when closed and opened again', async () => {
    const stream = `reopen-${randomUUID()}`;
    const first = open();
    const { sealed } = await appendSealed(first, stream, null, [draft(), draft({ city: 'Göteborg' }), draft()]);
    const before = await readAll(first.readStream(stream));
    await first.close();

    const second = open();
    const after = await readAll(second.readStream(stream));

    expect(after.map((e) => e.raw)).toEqual(before.map((e) => e.raw));
    expect(after.map((e) => e.envelope)).toEqual(sealed);
    expect(
      verifyChain(
        stream,
        after.map((e) => e.envelope),
      ),
    ).toMatchObject({ ok: true, events: 3 });
  });

  it('continues a stream after reopening, linked to the event stored before', async () => {
    const stream = `reopen-${randomUUID()}`;
    const first = open();
    await appendSealed(first, stream, null, [draft()]);
    await first.close();

    const second = open();
    await appendSealed(second, stream, await readStreamHead(second, stream), [draft()]);

    const envelopes = (await readAll(second.readStream(stream))).map((e) => e.envelope);
    expect(verifyChain(stream, envelopes)).toMatchObject({ ok: true, events: 2 });
  });

  it('writes appends still queued when it is closed, before closing', async () => {
    const stream = `closing-${randomUUID()}`;
    const store = open();
    const appending = store.appendToStream(stream, sealEvents(stream, null, [draft()]), 'no-stream');

    await store.close();

    await expect(appending).resolves.toMatchObject({ revision: 0 });
    expect(await readAll(open().readStream(stream))).toHaveLength(1);
  });

  it("commits on a thread of its own: the caller's thread goes on turning while a batch is written and fsync'd", async () => {
    const stream = `writer-${randomUUID()}`;
    const store = open();
    await appendSealed(store, stream, null, [draft()]); // the writer thread started
    const head = await readStreamHead(store, stream);
    let stored = false;
    const appending = appendSealed(
      store,
      stream,
      head,
      Array.from({ length: 2000 }, () => draft({ city: 'Luleå' })),
    ).then(() => (stored = true));
    let turns = 0;
    while (!stored) {
      await new Promise((resolve) => setImmediate(resolve));
      turns += 1;
    }
    await appending;
    // Committed on this thread, the batch took one turn of it; on the writer's, this thread turned meanwhile.
    expect(turns).toBeGreaterThan(10);
    expect(await readAll(store.readStream(stream))).toHaveLength(2001);
  });

  it('refuses an envelope it cannot store as JSON to its caller alone, and stores the appends beside it', async () => {
    const store = open();
    const good = `good-${randomUUID()}`;
    const bad = `bad-${randomUUID()}`;
    const [unstorable] = sealEvents(bad, null, [draft()]);
    const storing = store.appendToStream(good, sealEvents(good, null, [draft()]), 'no-stream');
    const refusing = store.appendToStream(bad, [{ ...unstorable, data: { count: 10n } as never }], 'no-stream');

    await expect(refusing).rejects.toThrow(/BigInt/);
    await expect(storing).resolves.toMatchObject({ revision: 0 });
    expect(await readAll(store.readStream(bad))).toEqual([]);
  });

  it('refuses to append once closed', async () => {
    const stream = `closing-${randomUUID()}`;
    const store = open();
    await store.close();

    await expect(store.appendToStream(stream, sealEvents(stream, null, [draft()]), 'no-stream')).rejects.toThrow(/closed/);
  });

  it('wakes a subscription for an append made while its consumer was busy, without waiting for a poll', async () => {
    const stream = `waking-${randomUUID()}`;
    const store = open(60_000); // a poll would come far too late for the test's timeout
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();

    try {
      const { sealed: first } = await appendSealed(store, stream, null, [draft()]);
      expect((await iterator.next()).value?.envelope).toEqual(first[0]);
      // The consumer still holds the first event when the second is appended.
      const { sealed: second } = await appendSealed(store, stream, { revision: 0, hash: first[0].hash }, [draft()]);
      expect((await iterator.next()).value?.envelope).toEqual(second[0]);
    } finally {
      await subscription.close();
    }
  });

  it('ends its subscriptions when closed', async () => {
    const store = open();
    const subscription = store.subscribeToAll();
    const iteration = (async () => {
      for await (const event of subscription) void event;
    })();

    await store.close();

    await expect(iteration).resolves.toBeUndefined();
  });

  describe('shared by two store instances', () => {
    it('lets the second read what the first appended, as soon as the append resolves', async () => {
      const stream = `shared-${randomUUID()}`;
      const writer = open();
      const reader = open();

      const { sealed } = await appendSealed(writer, stream, null, [draft(), draft()]);

      expect((await readAll(reader.readStream(stream))).map((e) => e.envelope)).toEqual(sealed);
    });

    it("delivers the first one's appends to the second one's subscription at once, as a second thread's store would be told", async () => {
      const stream = `shared-${randomUUID()}`;
      const writer = open();
      const reader = open(60_000); // a poll that would outlast the test: only being told can deliver in time
      const { result: marker } = await appendSealed(writer, `marker-${randomUUID()}`, null, [draft()]);
      const subscription = reader.subscribeToAll({ after: marker.position });
      const iterator = subscription[Symbol.asyncIterator]();

      try {
        const { sealed: earlier } = await appendSealed(writer, stream, null, [draft()]);
        expect((await iterator.next()).value?.envelope).toEqual(earlier[0]);
        // Now the reader has caught up and waits; the writer's commit tells it.
        const { sealed: later } = await appendSealed(writer, stream, { revision: 0, hash: earlier[0].hash }, [draft()]);
        expect((await iterator.next()).value?.envelope).toEqual(later[0]);
      } finally {
        await subscription.close();
      }
    });

    it('finds by polling what another process appended (a connection that tells no one)', async () => {
      const reader = open(20);
      const { result: marker } = await appendSealed(reader, `marker-${randomUUID()}`, null, [draft()]);
      const subscription = reader.subscribeToAll({ after: marker.position });
      const iterator = subscription[Symbol.asyncIterator]();
      const otherProcess = new Database(file);
      try {
        const next = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 50)); // the reader has caught up and waits
        const [event] = sealEvents(`shared-${randomUUID()}`, null, [draft()]);
        otherProcess
          .prepare('INSERT INTO events (stream, revision, id, type, hash, envelope) VALUES (?, ?, ?, ?, ?, ?)')
          .run(event.stream, event.revision, event.id, event.type, event.hash, serializeEnvelope(event));
        expect((await next).value?.envelope).toEqual(event);
      } finally {
        otherProcess.close();
        await subscription.close();
      }
    });

    it("holds the second one to the revision the first one's append left the stream at", async () => {
      const stream = `shared-${randomUUID()}`;
      const one = open();
      const other = open();
      await appendSealed(one, stream, null, [draft()]);

      await expect(appendSealed(other, stream, null, [draft()])).rejects.toBeInstanceOf(ConcurrencyError);
      await appendSealed(other, stream, await readStreamHead(other, stream), [draft()]);

      const envelopes = (await readAll(one.readStream(stream))).map((e) => e.envelope);
      expect(verifyChain(stream, envelopes)).toMatchObject({ ok: true, events: 2 });
    });
  });
});

const draft = (data: Record<string, string> = {}): EventDraft => testDraft('StoreChecked', data, 'sqlite-event-store-spec');

const readAll = collect;
