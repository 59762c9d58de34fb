import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, UnavailableError } from '@samverkan/common';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { verifyChain } from '@samverkan/sealing';
import { AccessEntry, AccessLog, accessStream, agencyReadsStream } from './access-log';

const reader = { agencyId: 'polisen-malmo', kind: 'police' as const, actorId: 'officer-17' };
const entry = (caseId: string, fields: Partial<AccessEntry> = {}): AccessEntry => ({
  reader,
  view: 'timeline',
  caseId,
  caseExists: true,
  standing: 'lead',
  outcome: 'redacted',
  ...fields,
});

describe('the access log, on a real store file', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samverkan-access-log-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a read on record, sealed and chained, by the time it is answered', async () => {
    const log = new AccessLog(store, systemClock);
    await log.record(entry('c-1', { asOfRevision: 3 }));
    const [stored] = await collect(store.readStream(accessStream('c-1')));
    expect(stored.envelope).toMatchObject({
      type: 'CaseRead',
      revision: 0,
      data: {
        view: 'timeline',
        caseId: 'c-1',
        standing: 'lead',
        outcome: 'redacted',
        readerKind: 'police',
        asOfRevision: 3,
        asOfTime: null,
        revisions: null,
        treeSize: null,
      },
      metadata: { agencyId: 'polisen-malmo', actorId: 'officer-17' },
    });
  });

  it('writes the reads of one case that come together in the order they came, and chains them', async () => {
    const log = new AccessLog(store, systemClock);
    await Promise.all(Array.from({ length: 25 }, (_, i) => log.record(entry('c-1', { asOfRevision: i }))));
    const events = (await collect(store.readStream(accessStream('c-1')))).map((e) => e.envelope);
    expect(events.map((e) => (e.data as { asOfRevision: number }).asOfRevision)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(verifyChain(accessStream('c-1'), events)).toMatchObject({ ok: true, events: 25 });
  });

  it('keeps one chain when two processes log reads of the same case at once', async () => {
    const other = new SqliteEventStore({ file: join(dir, 'events.db') });
    try {
      const [one, two] = [new AccessLog(store, systemClock), new AccessLog(other, systemClock)];
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).record(entry('c-1', { asOfRevision: i }))));
      const events = (await collect(store.readStream(accessStream('c-1')))).map((e) => e.envelope);
      expect(events).toHaveLength(40);
      expect(verifyChain(accessStream('c-1'), events)).toMatchObject({ ok: true });
    } finally {
      await other.close();
    }
  });

  it('logs a read of a case that does not exist, and the ledger export, with the reader, not the case', async () => {
    const log = new AccessLog(store, systemClock);
    await log.record(
      entry('no-such-case', { caseExists: false, standing: 'outsider', outcome: 'refused' }),
      entry('x', { caseId: null, caseExists: false, view: 'export', standing: 'auditor', outcome: 'shown', treeSize: 9 }),
    );
    expect(await collect(store.readStream(accessStream('no-such-case')))).toEqual([]);
    const logged = (await collect(store.readStream(agencyReadsStream('polisen-malmo')))).map((e) => e.envelope.data);
    expect(logged).toEqual([expect.objectContaining({ caseId: 'no-such-case', outcome: 'refused' }), expect.objectContaining({ view: 'export', treeSize: 9 })]);
  });

  it('refuses the read when the entry cannot be stored, saying so', async () => {
    const log = new AccessLog(store, systemClock);
    await store.close();
    await expect(log.record(entry('c-1'))).rejects.toThrow(UnavailableError);
    await expect(log.record(entry('c-1'))).rejects.toThrow(/the read could not be recorded in the access log, so it is not answered/);
  });
});
