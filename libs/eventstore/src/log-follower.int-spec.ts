import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { sealEvents } from '@samverkan/sealing';
import { LogPosition, RecordedEvent } from './event-store.port';
import { LogFollower } from './log-follower';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { collect, testDraft } from './testing/test-events';

describe('following the log', () => {
  let dir: string;
  let store: SqliteEventStore;
  const followers: LogFollower[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samverkan-log-follower-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db'), pollIntervalMs: 20 });
  });

  afterEach(async () => {
    await Promise.all(followers.splice(0).map((follower) => follower.stop()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Appends `count` events, in streams of ten, and answers the position of the last. */
  async function append(count: number): Promise<LogPosition> {
    let position = '';
    for (let i = 0; i < count; i += 10) {
      const stream = `note-${uuidv7()}`;
      const events = sealEvents(
        stream,
        null,
        Array.from({ length: Math.min(10, count - i) }, () => testDraft('Noted')),
      );
      ({ position } = await store.appendToStream(stream, events, 'no-stream'));
    }
    return position;
  }

  function follow(options: { maxBatch?: number; fail?: (batch: readonly RecordedEvent[]) => boolean; saved?: LogPosition[] }) {
    const batches: RecordedEvent[][] = [];
    const saved = options.saved ?? [];
    const follower = new LogFollower(store, {
      name: 'test',
      loadPosition: () => saved.at(-1),
      handleBatch: (batch) => {
        if (options.fail?.(batch)) throw new Error('the handler failed');
        batches.push([...batch]);
      },
      maxBatch: options.maxBatch,
      savePosition: (position) => void saved.push(position),
      retryMs: 10,
    });
    followers.push(follower);
    follower.start();
    return { follower, batches, saved };
  }

  const reached = (last: LogPosition) => (position: LogPosition | undefined) => position === last;

  it('hands over the events at hand in batches no larger than asked, in log order, each event once', async () => {
    const last = await append(1_200);
    const { follower, batches, saved } = follow({ maxBatch: 300 });
    await follower.waitUntil(reached(last));

    const log = await collect(store.readAll());
    expect(batches.flat().map((e) => e.envelope.id)).toEqual(log.map((e) => e.envelope.id));
    expect(Math.max(...batches.map((b) => b.length))).toBe(300);
    expect(batches.length).toBeLessThan(20);
    expect(saved).toEqual(batches.map((b) => b.at(-1)!.position));
  });

  it('hands over an event appended while it waits at once, without waiting for more to fill a batch', async () => {
    const caughtUp = await append(25);
    const { follower, batches } = follow({});
    await follower.waitUntil(reached(caughtUp));
    const handled = batches.length;

    const last = await append(1);
    await follower.waitUntil(reached(last));
    expect(batches.slice(handled)).toEqual([[expect.objectContaining({ position: last })]]);
  });

  it("with a linger, waits that long from a batch's first event for more, and hands them over as one batch", async () => {
    const caughtUp = await append(10);
    const batches: RecordedEvent[][] = [];
    const follower = new LogFollower(store, {
      name: 'lingering',
      loadPosition: () => undefined,
      handleBatch: (batch) => void batches.push([...batch]),
      lingerMs: 2000,
    });
    followers.push(follower);
    follower.start();
    await follower.waitUntil(reached(caughtUp));
    const before = batches.length;

    // Five appends, one at a time, well within the linger: one batch of all five.
    let last = '';
    for (let i = 0; i < 5; i++) last = await append(1);
    await follower.waitUntil(reached(last));
    expect(batches.slice(before).map((b) => b.length)).toEqual([5]);
  });

  it('after a failed batch, goes on from the last saved position, skipping nothing', async () => {
    const last = await append(100);
    let failed = false;
    // The second batch fails once.
    const { follower, batches } = follow({ maxBatch: 30, fail: () => !failed && batches.length === 1 && (failed = true) });
    await follower.waitUntil(reached(last));

    expect(failed).toBe(true);
    const log = await collect(store.readAll());
    expect(batches.flat().map((e) => e.envelope.id)).toEqual(log.map((e) => e.envelope.id));
  });

  it('checks its position before reading on, and stops for good after an error it is told is fatal', async () => {
    const last = await append(20);
    const saved: LogPosition[] = [];
    const handled: string[] = [];
    let loads = 0;
    const errors: unknown[] = [];
    const follower = new LogFollower(store, {
      name: 'continuity',
      loadPosition: () => saved.at(-1),
      // The first resumption finds its position gone (a store restored from a backup, say).
      beforeResume: () => {
        if (++loads === 2) throw new Error('the position is gone');
      },
      handleBatch: (batch) => {
        handled.push(...batch.map((e) => e.envelope.id));
        if (handled.length === 20) throw new Error('a failure after the whole batch');
      },
      savePosition: (position) => void saved.push(position),
      isFatal: (error) => (error as Error).message === 'the position is gone',
      onError: (error) => errors.push(error),
      retryMs: 10,
    });
    followers.push(follower);
    follower.start();
    await follower.waitUntil(reached(last)); // resolves once it stopped, since it never reaches it

    expect(follower.state).toBe('failed');
    expect(loads).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['a failure after the whole batch', 'the position is gone']);
    await append(5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(handled).toHaveLength(20);
  });

  it('tells how far behind the log it is: the events not yet handled and the age of the oldest', async () => {
    const last = await append(30);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const follower = new LogFollower(store, {
      name: 'lagging',
      loadPosition: () => undefined,
      handleBatch: async () => {
        entered();
        await gate;
      },
      retryMs: 10,
    });
    followers.push(follower);
    expect(await follower.lag(new Date())).toBeUndefined(); // not running
    follower.start();
    await inHandler;

    const [oldest] = await collect(store.readAll({ maxCount: 1 }));
    const later = new Date(Date.parse(oldest.envelope.metadata.recordedAt) + 90_000);
    expect(await follower.lag(later)).toEqual({ events: 30, atLeast: false, seconds: 90 });
    expect(await follower.lag(later, 10)).toEqual({ events: 10, atLeast: true, seconds: 90 });

    release();
    await follower.waitUntil(reached(last));
    expect(await follower.lag(later)).toEqual({ events: 0, atLeast: false, seconds: 0 });
  });

  it('stops while it is still loading its position, and reads nothing after', async () => {
    let loaded!: () => void;
    const loading = new Promise<void>((resolve) => (loaded = resolve));
    const handled: string[] = [];
    const follower = new LogFollower(store, {
      name: 'slow-start',
      loadPosition: async () => {
        await loading;
        return undefined;
      },
      handleBatch: (batch) => void handled.push(...batch.map((e) => e.envelope.id)),
    });
    follower.start();
    const stopped = follower.stop();
    loaded();
    await stopped; // a follower that went on to subscribe after stop() would wait there for good
    const last = await append(10);
    // Another follower of the same store has them all, and so would the stopped one, were it still reading.
    const { follower: other } = follow({});
    await other.waitUntil(reached(last));
    expect(handled).toEqual([]);
  });
});
