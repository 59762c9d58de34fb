import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PreconditionFailedError } from '@samverkan/common';
import { verifyChain } from '@samverkan/sealing';
import { CommandContext, CommandPath, Decider } from './command-path';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { foldSteps, StreamStates } from './stream-fold';
import { collect } from './testing/test-events';

type Add = { type: 'Add'; amount: number };
type Added = { type: 'Added'; data: { amount: number } };
type Total = { total: number; events: number };

const counter: Decider<Add, Added, Total> = {
  initialState: () => ({ total: 0, events: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.amount, events: state.events + 1 }),
  decide: (command) => (command.amount === 0 ? [] : [{ type: 'Added', data: { amount: command.amount } }]),
};

const as = (commandId = uuidv7(), extra: Partial<CommandContext> = {}): CommandContext => ({ agencyId: 'polisen-malmo', actorId: 'o-1', commandId, ...extra });

describe('the command path', () => {
  let dir: string;
  let store: SqliteEventStore;
  const now = () => new Date('2026-02-01T10:00:00Z');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samverkan-command-path-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees what another writer appended since it last read the stream', async () => {
    const one = new CommandPath(store, counter, { now });
    const other = new CommandPath(new SqliteEventStore({ file: join(dir, 'events.db') }), counter, { now });
    const stream = `counter-${uuidv7()}`;
    await one.execute(stream, { type: 'Add', amount: 1 }, as());
    await other.execute(stream, { type: 'Add', amount: 10 }, as());
    const third = await one.execute(stream, { type: 'Add', amount: 100 }, as());
    expect(third.state).toEqual({ total: 111, events: 3 });
    expect(third.revision).toBe(2);
    expect(
      verifyChain(
        stream,
        (await collect(store.readStream(stream))).map((e) => e.envelope),
      ),
    ).toMatchObject({ ok: true, events: 3 });
  });

  describe('deciding on the stream as it last saw it, where another writer has appended since', () => {
    // Refuses to take the total past 10; an append is the only answer the store checks the stream for.
    const capped: Decider<Add, Added, Total> = {
      ...counter,
      decide: (command, state) => {
        if (state.total + command.amount > 10) throw new PreconditionFailedError(`${state.total} + ${command.amount} is over 10`);
        return counter.decide(command, state);
      },
    };
    let one: CommandPath<Add, Added, Total>;
    let other: CommandPath<Add, Added, Total>;
    let otherStore: SqliteEventStore;
    const stream = () => `counter-${uuidv7()}`;
    beforeEach(() => {
      one = new CommandPath(store, capped, { now });
      otherStore = new SqliteEventStore({ file: join(dir, 'events.db') }); // another process's connection
      other = new CommandPath(otherStore, capped, { now });
    });
    afterEach(() => otherStore.close());

    it('refuses a command only on the stream as the store holds it', async () => {
      const s = stream();
      await one.execute(s, { type: 'Add', amount: 9 }, as());
      await other.execute(s, { type: 'Add', amount: -5 }, as());
      const outcome = await one.execute(s, { type: 'Add', amount: 5 }, as()); // 9 + 5 was over; 4 + 5 is not
      expect(outcome).toMatchObject({ revision: 2, state: { total: 9, events: 3 } });
    });

    it('appends nothing it decided on the stream as it last saw it: the store refuses the append, and the command is decided again', async () => {
      const s = stream();
      await one.execute(s, { type: 'Add', amount: 5 }, as());
      await other.execute(s, { type: 'Add', amount: 5 }, as());
      // 5 + 3 is under the cap as `one` last saw the stream; 10 + 3, as the store holds it, is not.
      await expect(one.execute(s, { type: 'Add', amount: 3 }, as())).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(await collect(store.readStream(s))).toHaveLength(2);
      // and what it then knows is the stream as stored: the next command is decided on a total of 10
      expect(await one.execute(s, { type: 'Add', amount: -4 }, as())).toMatchObject({ revision: 2, state: { total: 6, events: 3 } });
    });

    it("checks an If-Match against the stream's revision in the store", async () => {
      const s = stream();
      await one.execute(s, { type: 'Add', amount: 1 }, as());
      await other.execute(s, { type: 'Add', amount: 1 }, as());
      const outcome = await one.execute(s, { type: 'Add', amount: 1 }, as(uuidv7(), { expectedRevision: 1 }));
      expect(outcome).toMatchObject({ revision: 2, state: { total: 3, events: 3 } });
      await expect(one.execute(s, { type: 'Add', amount: 1 }, as(uuidv7(), { expectedRevision: 1 }))).rejects.toBeInstanceOf(PreconditionFailedError);
    });

    it('answers a command id the other writer handled with its events, and appends nothing', async () => {
      const s = stream();
      await one.execute(s, { type: 'Add', amount: 1 }, as());
      const first = await other.execute(s, { type: 'Add', amount: 2 }, as('cmd-elsewhere'));
      const again = await one.execute(s, { type: 'Add', amount: 2 }, as('cmd-elsewhere'));
      expect(again).toMatchObject({ replayed: true, revision: first.revision, events: first.events });
      expect(await collect(store.readStream(s))).toHaveLength(2);
    });

    it('appends nothing where the decider decides nothing, answering the revision in the store', async () => {
      const s = stream();
      await one.execute(s, { type: 'Add', amount: 1 }, as());
      await other.execute(s, { type: 'Add', amount: 1 }, as());
      expect(await one.execute(s, { type: 'Add', amount: 0 }, as())).toMatchObject({ revision: 1, events: [], state: { total: 2 } });
    });
  });

  it("keeps the state after each event it writes or reads where the log's followers find it, as they would fold it", async () => {
    const states = new StreamStates<Total>();
    const path = new CommandPath(store, counter, { now, states });
    const stream = `counter-${uuidv7()}`;
    await new CommandPath(store, counter, { now }).execute(stream, { type: 'Add', amount: 2 }, as()); // another writer's
    await path.execute(stream, { type: 'Add', amount: 3 }, as());
    const log = await collect(store.readAll());
    const folded = foldSteps(log, counter, new Map([[stream, counter.initialState()]]));
    expect([0, 1].map((revision) => states.at(stream, revision))).toEqual(folded.map((step) => step.after));
  });

  it('answers a repeated command id with its first events, and appends nothing', async () => {
    const path = new CommandPath(store, counter, { now });
    const stream = `counter-${uuidv7()}`;
    const first = await path.execute(stream, { type: 'Add', amount: 5 }, as('cmd-1'));
    await path.execute(stream, { type: 'Add', amount: 7 }, as());
    const again = await path.execute(stream, { type: 'Add', amount: 5 }, as('cmd-1'));
    expect(again).toMatchObject({ replayed: true, revision: first.revision, events: first.events });
    expect(await collect(store.readStream(stream))).toHaveLength(2);
    // The same id from another agency is another command.
    const other = await path.execute(stream, { type: 'Add', amount: 5 }, { ...as('cmd-1'), agencyId: 'polisen-noa' });
    expect(other.replayed).toBe(false);
  });

  it('retries on a revision conflict, so concurrent commands on one stream all land in one chain', async () => {
    const paths = [new CommandPath(store, counter, { now }), new CommandPath(store, counter, { now, cacheSize: 1 })];
    const stream = `counter-${uuidv7()}`;
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => paths[i % 2].execute(stream, { type: 'Add', amount: 1 }, as())));
    expect(new Set(outcomes.map((o) => o.revision)).size).toBe(20);
    const events = (await collect(store.readStream(stream))).map((e) => e.envelope);
    expect(verifyChain(stream, events)).toMatchObject({ ok: true, events: 20 });
  });

  it('refuses a command whose expected revision is stale, and appends nothing', async () => {
    const path = new CommandPath(store, counter, { now });
    const stream = `counter-${uuidv7()}`;
    await path.execute(stream, { type: 'Add', amount: 1 }, as());
    await expect(path.execute(stream, { type: 'Add', amount: 1 }, as(uuidv7(), { expectedRevision: -1 }))).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await collect(store.readStream(stream))).toHaveLength(1);
  });

  it('appends nothing when the decider decides nothing', async () => {
    const path = new CommandPath(store, counter, { now });
    const stream = `counter-${uuidv7()}`;
    const outcome = await path.execute(stream, { type: 'Add', amount: 0 }, as());
    expect(outcome).toMatchObject({ revision: -1, events: [] });
    expect(await collect(store.readStream(stream))).toHaveLength(0);
  });

  it('forgets the least recently used streams beyond its cache size, and still folds them correctly', async () => {
    const path = new CommandPath(store, counter, { now, cacheSize: 2 });
    const streams = [1, 2, 3].map(() => `counter-${uuidv7()}`);
    for (let round = 0; round < 3; round++) for (const stream of streams) await path.execute(stream, { type: 'Add', amount: 2 }, as());
    for (const stream of streams) expect((await path.load(stream)).state).toEqual({ total: 6, events: 3 });
  });

  it('forgets streams when the events it holds pass its bound, and still folds them correctly', async () => {
    const path = new CommandPath(store, counter, { now, cacheEvents: 5 });
    const streams = [1, 2, 3].map(() => `counter-${uuidv7()}`);
    for (let round = 0; round < 3; round++) for (const stream of streams) await path.execute(stream, { type: 'Add', amount: 1 }, as());
    for (const stream of streams) expect((await path.load(stream)).state).toEqual({ total: 3, events: 3 });
    // A command retried after its stream was forgotten is still answered from the store.
    const stream = streams[0];
    const first = await path.execute(stream, { type: 'Add', amount: 4 }, as('late-retry'));
    for (const other of streams.slice(1)) await path.load(other);
    expect(await path.execute(stream, { type: 'Add', amount: 4 }, as('late-retry'))).toMatchObject({ replayed: true, revision: first.revision });
  });
});
