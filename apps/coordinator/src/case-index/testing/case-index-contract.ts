import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { InvariantError } from '@samverkan/common';
import { CommandPath, RecordedEvent } from '@samverkan/eventstore';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { caseStories } from '../../cases/testing/case-stories';
import { SYSTEM_AGENCY_ID } from '../../agencies/agency';
import { AgencyRegistry } from '../../agencies/agency-registry';
import { caseDecider } from '../../cases/case.decider';
import { caseIdOf, caseStream } from '@samverkan/sealing';
import { share } from '../../cases/case.disclosure';
import { CaseCommand, CaseState } from '../../cases/case.model';
import { CaseIndex } from '../case-index';
import { openReferralsOf, worklistCase, worklistReferral } from '../case-index.fold';

/** What a contract run needs from an adapter: indexes to test, each under a name, and a way to let go of them. */
export interface CaseIndexUnderTest {
  /** Opens the index stored under `name`: empty the first time, what it held when opened again after `close`. */
  open(name: string): Promise<CaseIndex>;
  cleanup(): Promise<void>;
}

export const registry = AgencyRegistry.fromFile(resolve(__dirname, '../../../../../config/agencies.yaml'));
const agencyIds = registry.all().map((agency) => agency.id);

/** The events in batches of `size`, handed out as a reader of the log would. */
async function* batchesOf(events: readonly RecordedEvent[], size: number): AsyncIterable<RecordedEvent[]> {
  for (let i = 0; i < events.length; i += size) yield events.slice(i, i + size);
}

/** The first event in `events[from, to)` of a case that has events before `from` too (so leaving it out makes a gap). */
function firstOfCaseIn(events: readonly RecordedEvent[], from: number, to: number): RecordedEvent {
  const earlier = new Set(events.slice(0, from).map((e) => e.envelope.stream));
  const found = events.slice(from, to).find((e) => earlier.has(e.envelope.stream) && caseIdOf(e.envelope.stream) !== undefined);
  if (!found) throw new Error('the log has no case with events on both sides');
  return found;
}

/** Everything the index shows, through its own API, for every registered agency. */
export async function snapshotOf(index: CaseIndex, now = new Date('2100-01-01T00:00:00Z')) {
  const agencies: Record<string, unknown> = {};
  for (const agencyId of agencyIds) {
    const feed = [];
    for (let after = 0; ;) {
      const page = await index.feedOf(agencyId, after, 50);
      if (page.length === 0) break;
      feed.push(...page);
      after = Number(page[page.length - 1].cursor);
    }
    agencies[agencyId] = {
      cases: await index.casesOf(agencyId),
      awaiting: await index.referralsAwaiting(agencyId),
      escalated: await index.referralsEscalatedTo(agencyId),
      feed,
    };
  }
  return { position: await index.position(), due: await index.dueReferrals(now), agencies };
}

/**
 * What the index should show after `events`, computed without it: the case decider's fold of each case and
 * the sharing policy's deliveries, sorted as the index promises. Feed cursors are left out: they are the
 * index's own.
 */
export function expectedOf(events: readonly RecordedEvent[]) {
  const cases = new Map<string, { revision: number; state: CaseState }>();
  const feeds = new Map<string, unknown[]>(agencyIds.map((id) => [id, []]));
  for (const event of events) {
    const caseId = caseIdOf(event.envelope.stream);
    if (caseId === undefined) continue;
    const before = cases.get(caseId)?.state ?? caseDecider.initialState();
    const state = caseDecider.evolve(before, caseDecider.upcast!(event.envelope));
    cases.set(caseId, { revision: event.envelope.revision, state });
    for (const delivery of share(event.envelope, before, state)) {
      const { data, withheldFields, basis, case: brief } = delivery;
      feeds.get(delivery.agencyId)!.push(
        expect.objectContaining({
          eventId: event.envelope.id,
          caseId,
          data,
          withheldFields,
          basis,
          ...(brief ? { case: brief } : {}),
          position: event.position,
        }),
      );
    }
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const open = [...cases].flatMap(([caseId, { state }]) => openReferralsOf(state).map((r) => ({ caseId, state, ...r })));
  open.sort(
    (a, b) =>
      (a.dueBy === null ? 1 : 0) - (b.dueBy === null ? 1 : 0) ||
      byText(a.dueBy ?? '', b.dueBy ?? '') ||
      byText(a.caseId, b.caseId) ||
      byText(a.referralId, b.referralId),
  );
  const agencies: Record<string, unknown> = {};
  for (const agencyId of agencyIds) {
    agencies[agencyId] = {
      cases: [...cases]
        .filter(([, { state }]) => state.team.some((m) => m.agencyId === agencyId))
        .sort(([a, x], [b, y]) => byText(x.state.status, y.state.status) || byText(a, b))
        .map(([caseId, { revision, state }]) => worklistCase(caseId, state, revision)),
      awaiting: open.filter((r) => r.toAgency === agencyId).map((r) => worklistReferral(r.caseId, r.state, r.referralId)),
      escalated: open.filter((r) => r.escalatedTo === agencyId).map((r) => worklistReferral(r.caseId, r.state, r.referralId)),
      feed: feeds.get(agencyId),
    };
  }
  return { position: events.at(-1)?.position, agencies };
}

const police = { agencyId: 'polisen-malmo', kind: 'police' as const };
const social = { agencyId: 'socialtjansten-malmo', kind: 'social-services' as const };
const coordinator = { agencyId: 'mika-malmo', kind: 'coordinator' as const };
const migration = { agencyId: 'migrationsverket-goteborg', kind: 'migration' as const };
const system = { agencyId: SYSTEM_AGENCY_ID, kind: 'coordinator' as const };
const dueBy = '2026-03-02T09:00:00.000Z';

/**
 * The behaviour both case index adapters owe the worklists, the feed and the escalation process manager, as
 * one jest suite over a real log: a scripted case, and generated stories of many cases. An adapter's
 * integration spec calls it with a way to open its indexes.
 */
export function describeCaseIndexContract(name: string, make: () => Promise<CaseIndexUnderTest>): void {
  describe(`${name} honours the case index contract`, () => {
    let subject: CaseIndexUnderTest;
    let dir: string;
    let store: SqliteEventStore;
    let names = 0;
    /** The scripted case: opened, referred with a due time, support recorded. */
    let scripted: RecordedEvent[];
    let caseId: string;
    /** The person the scripted case is about. */
    const subjectId = uuidv7();
    /** The whole log: the scripted case, a case escalated then closed, and generated stories. */
    let log: RecordedEvent[];
    let escalatedCaseId: string;
    /** A case that prosecuted two defendants: it is about its subject, not about them. */
    let prosecutedCaseId: string;
    const defendants = [uuidv7(), uuidv7()];
    const prosecutedSubject = uuidv7();
    /** A name no other test of the run uses. */
    const fresh = (label: string) => `${label.replace(/\W/g, '_')}_${++names}`;
    const open = (label: string) => subject.open(fresh(label));

    beforeAll(async () => {
      subject = await make();
      dir = mkdtempSync(join(tmpdir(), 'samverkan-case-index-log-'));
      store = new SqliteEventStore({ file: join(dir, 'events.db') });
      const path = new CommandPath(store, caseDecider, { now: () => new Date('2026-03-01T09:00:00.000Z') });
      const run = (id: string, command: Record<string, unknown>, at = '2026-03-01T09:00:00.000Z') =>
        path.execute(caseStream(id), { ...command, caseId: id, at } as unknown as CaseCommand, {
          agencyId: (command.issuer as { agencyId: string }).agencyId,
          actorId: 'officer',
          commandId: uuidv7(),
        });
      const opening = {
        type: 'OpenCase',
        issuer: police,
        subject: { subjectId, category: 'victim', ageGroup: 'adult', gender: null, originRegion: null, originCountry: null },
        city: 'malmo',
        exploitation: null,
        summary: null,
      };

      caseId = uuidv7();
      await run(caseId, opening);
      await run(caseId, { type: 'ReferCase', issuer: police, referralId: 'r-1', to: social, reason: 'shelter', urgency: 'urgent', dueBy });
      await run(caseId, { type: 'RecordSupport', issuer: police, supportId: 's-1', kind: 'protection', providedOn: '2026-03-01' });
      scripted = (await collect(store.readAll())).filter((e) => e.envelope.stream === caseStream(caseId));

      escalatedCaseId = uuidv7();
      await run(escalatedCaseId, opening);
      await run(escalatedCaseId, { type: 'ReferCase', issuer: police, referralId: 'r-2', to: social, reason: 'shelter', urgency: 'urgent', dueBy });
      await run(escalatedCaseId, { type: 'EscalateReferral', issuer: system, referralId: 'r-2', coordinator }, '2026-03-02T09:30:00.000Z');
      await run(escalatedCaseId, { type: 'ReferCase', issuer: police, referralId: 'r-3', to: migration, reason: 'permit', urgency: 'routine', dueBy });
      await run(escalatedCaseId, { type: 'CloseCase', issuer: police, outcome: 'moved abroad' });

      prosecutedCaseId = uuidv7();
      const prosecutor = { agencyId: 'aklagare-internationella', kind: 'prosecution' as const };
      await run(prosecutedCaseId, { ...opening, subject: { ...opening.subject, subjectId: prosecutedSubject } });
      await run(prosecutedCaseId, { type: 'AddAgencyToCase', issuer: police, agency: prosecutor, reason: 'prosecution' });
      await run(prosecutedCaseId, { type: 'OpenInvestigation', issuer: police, investigationId: 'i-1', reference: '5000-K1-26' });
      await run(prosecutedCaseId, {
        type: 'InitiateProsecution',
        issuer: prosecutor,
        defendants: defendants.map((defendantId) => ({ defendantId, charges: ['procuring'] })),
      });

      await caseStories(store, registry, 17).write(400, 30);
      log = await collect(store.readAll());
    });

    afterAll(async () => {
      await store?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      await subject?.cleanup();
    });

    describe('a referred case', () => {
      it('lists the referral for its addressee, the case for its team, and the referral as due after its time', async () => {
        const index = await open('first');
        for (const event of scripted) await index.project(event);
        expect(await index.casesAbout(subjectId)).toEqual([{ caseId, status: 'open', leadAgency: police.agencyId, team: [police.agencyId] }]);
        expect(await index.casesAbout(uuidv7())).toEqual([]);
        expect(await index.caseFacts()).toEqual([
          expect.objectContaining({ caseId, subjectId, city: 'malmo', supportKinds: ['protection'], openedAt: '2026-03-01T09:00:00.000Z' }),
        ]);
        expect(await index.referralsAwaiting(social.agencyId)).toEqual([
          expect.objectContaining({
            caseId,
            referralId: 'r-1',
            fromAgency: police.agencyId,
            dueBy,
            escalatedTo: null,
            city: 'malmo',
            subject: { category: 'victim', ageGroup: 'adult' },
          }),
        ]);
        expect(await index.casesOf(police.agencyId)).toEqual([expect.objectContaining({ caseId, status: 'open', leadAgency: police.agencyId, revision: 3 })]);
        expect(await index.casesOf(social.agencyId)).toEqual([]);
        expect(await index.dueReferrals(new Date('2026-03-02T08:59:59Z'))).toEqual([]);
        expect(await index.dueReferrals(new Date('2026-03-02T09:00:00Z'))).toEqual([{ caseId, referralId: 'r-1', city: 'malmo', dueBy }]);
        expect(await index.position()).toBe(scripted.at(-1)!.position);
        await index.close();
      });

      it('feeds each agency what the sharing policy grants it, in log order, page by page from a cursor', async () => {
        const index = await open('feed');
        await index.projectBatch(scripted);
        const policeFeed = await index.feedOf(police.agencyId, 0, 100);
        expect(policeFeed.map((e) => [e.type, e.revision])).toEqual(scripted.map((e) => [e.envelope.type, e.envelope.revision]));
        expect(policeFeed[0]).toMatchObject({
          eventId: scripted[0].envelope.id,
          caseId,
          hash: scripted[0].envelope.hash,
          position: scripted[0].position,
          withheldFields: [],
        });
        // The addressee of the referral is not on the team: it sees the referral, with what the case is about.
        const socialFeed = await index.feedOf(social.agencyId, 0, 100);
        expect(socialFeed).toEqual([expect.objectContaining({ type: 'CaseReferred', case: expect.objectContaining({ city: 'malmo' }) })]);
        const [first, second] = [await index.feedOf(police.agencyId, 0, 2), await index.feedOf(police.agencyId, Number(policeFeed[1].cursor), 2)];
        expect([...first, ...second]).toEqual(policeFeed);
        expect(await index.feedOf(police.agencyId, Number(policeFeed.at(-1)!.cursor), 2)).toEqual([]);
        await index.close();
      });

      it("keeps each feed entry's text as it was written, whatever characters its data holds", async () => {
        // Entries of a batch travel to PostgreSQL as one text split on a control character; JSON escapes every
        // control character, so none in the data can cut an entry.
        const summary = 'a "quoted" word, a back\\slash, a new\nline, \u001e a separator, \t a tab, Malmö, 😀, \u2028';
        const events = [{ ...scripted[0], envelope: { ...scripted[0].envelope, data: { ...scripted[0].envelope.data, summary } } }, ...scripted.slice(1)];
        const index = await open('characters');
        await index.projectBatch(events);
        const [opened, ...rest] = await index.feedOf(police.agencyId, 0, 100);
        expect(opened.data).toMatchObject({ summary });
        expect(rest.map((e) => e.eventId)).toEqual(scripted.slice(1).map((e) => e.envelope.id));
        await index.close();
      });

      it('shows an escalated referral to the coordinator, no longer as due, and nothing as due once the case is closed', async () => {
        const index = await open('escalated');
        const events = log.filter((e) => e.envelope.stream === caseStream(escalatedCaseId));
        await index.projectBatch(events.slice(0, 4)); // opened (and joined by its lead), referred, escalated
        expect(await index.referralsEscalatedTo(coordinator.agencyId)).toEqual([
          expect.objectContaining({ caseId: escalatedCaseId, referralId: 'r-2', escalatedTo: coordinator.agencyId }),
        ]);
        expect(await index.referralsAwaiting(social.agencyId)).toEqual([expect.objectContaining({ referralId: 'r-2', escalatedTo: coordinator.agencyId })]);
        expect(await index.dueReferrals(new Date('2026-03-03T00:00:00Z'))).toEqual([]);
        await index.project(events[4]);
        expect(await index.dueReferrals(new Date('2026-03-03T00:00:00Z'))).toEqual([expect.objectContaining({ caseId: escalatedCaseId, referralId: 'r-3' })]);
        await index.projectBatch(events.slice(5));
        expect(await index.casesOf(police.agencyId)).toEqual([expect.objectContaining({ caseId: escalatedCaseId, status: 'closed' })]);
        expect(await index.dueReferrals(new Date('2026-03-03T00:00:00Z'))).toEqual([]);
        await index.close();
      });

      it('files a prosecuted case under its subject, not its defendants, projected one by one or in a batch', async () => {
        const events = log.filter((e) => e.envelope.stream === caseStream(prosecutedCaseId));
        const oneByOne = await open('defendants');
        for (const event of events) await oneByOne.project(event);
        const batched = await open('defendants-batch');
        await batched.projectBatch(events);
        for (const index of [oneByOne, batched]) {
          expect(await index.casesAbout(prosecutedSubject)).toEqual([
            expect.objectContaining({ caseId: prosecutedCaseId, team: expect.arrayContaining([police.agencyId, 'aklagare-internationella']) }),
          ]);
          for (const defendantId of defendants) expect(await index.casesAbout(defendantId)).toEqual([]);
          await index.close();
        }
      });

      it('changes nothing when events are projected again, as after a crash', async () => {
        const name = fresh('again');
        const index = await subject.open(name);
        await index.projectBatch(scripted);
        const before = await snapshotOf(index);
        await index.close();
        const reopened = await subject.open(name);
        await reopened.project(scripted[1]);
        await reopened.projectBatch([...scripted, scripted[0]]);
        expect(await snapshotOf(reopened)).toEqual({ ...before, position: scripted[0].position });
        await reopened.close();
      });

      it('survives being closed and opened again, resuming from its position', async () => {
        const name = fresh('reopened');
        const index = await subject.open(name);
        await index.projectBatch(scripted.slice(0, 2));
        await index.close();
        const reopened = await subject.open(name);
        expect(await reopened.position()).toBe(scripted[1].position);
        await reopened.projectBatch(scripted.slice(2));
        expect(await reopened.casesOf(police.agencyId)).toEqual([expect.objectContaining({ caseId, revision: 3 })]);
        await reopened.close();
      });

      it('refuses a batch that would skip revisions of a case, and applies none of it', async () => {
        const index = await open('gap');
        await index.projectBatch(scripted.slice(0, 2));
        const before = await snapshotOf(index);
        const refusal = index.projectBatch([...log.filter((e) => e.envelope.stream === caseStream(escalatedCaseId)).slice(0, 2), scripted[3]]);
        await expect(refusal).rejects.toThrow(InvariantError);
        await expect(refusal).rejects.toThrow(`holds case ${caseId} at revision 1, so it cannot fold revision 3`);
        expect(await snapshotOf(index)).toEqual(before);
        expect(before.position).toBe(scripted[1].position);
        await index.close();
      });

      it("keeps other followers' positions beside its own, and keeps them when it is cleared", async () => {
        const index = await open('positions');
        await index.projectBatch(scripted);
        await index.savePosition('child-protection', scripted[1].position);
        expect(await index.position('child-protection')).toBe(scripted[1].position);
        expect(await index.position('unknown')).toBeUndefined();
        await index.clear();
        expect(await index.position()).toBeUndefined();
        expect(await index.position('child-protection')).toBe(scripted[1].position);
        expect(await index.casesOf(police.agencyId)).toEqual([]);
        expect(await index.feedOf(police.agencyId, 0, 100)).toEqual([]);
        await index.close();
      });
    });

    describe('a log of many cases', () => {
      it('holds what folding the log gives, whether events come one at a time or in batches of any size', async () => {
        const expected = expectedOf(log);
        const single = await open('single');
        for (const event of log) await single.project(event);
        const batched = await open('batched');
        for (let i = 0; i < log.length; i += 7) await batched.projectBatch(log.slice(i, i + 7));
        const whole = await open('whole');
        await whole.projectBatch(log);

        const snapshot = await snapshotOf(single);
        expect(snapshot).toMatchObject(expected);
        expect(await snapshotOf(batched)).toEqual(snapshot);
        expect(await snapshotOf(whole)).toEqual(snapshot);
        await Promise.all([single.close(), batched.close(), whole.close()]);
      });

      it('is the same, down to the feed cursors, when cleared and rebuilt from the log', async () => {
        const index = await open('rebuilt');
        for (let i = 0; i < log.length; i += 100) await index.projectBatch(log.slice(i, i + 100));
        const before = await snapshotOf(index);
        await index.clear();
        for (let i = 0; i < log.length; i += 64) await index.projectBatch(log.slice(i, i + 64));
        expect(await snapshotOf(index)).toEqual(before);
        await index.close();
      });

      it('holds the same when handed the log as a run of batches, each folded while the one before is written', async () => {
        const reference = await open('batches-reference');
        await reference.projectBatch(log);
        const index = await open('batches');
        const written: number[] = [];
        expect(await index.projectBatches(batchesOf(log, 11), (events) => written.push(events))).toBe(true);
        expect(written.reduce((a, b) => a + b, 0)).toBe(log.length);
        expect(await snapshotOf(index)).toEqual(await snapshotOf(reference));
        await Promise.all([index.close(), reference.close()]);
      });

      it('writes no batch after one that fails, so its position never passes over events not folded', async () => {
        const index = await open('batches-failing');
        const cut = 40;
        // The fifth batch skips an event of a case the batches before opened: a gap, refused.
        const skipped = firstOfCaseIn(log, cut * 4, cut * 5);
        const gapped = log.slice(0, cut * 5).filter((e) => e !== skipped);
        const written: number[] = [];
        const run = index.projectBatches(batchesOf([...gapped, ...log.slice(cut * 5)], cut), (events) => written.push(events));
        await expect(run).rejects.toThrow(InvariantError);
        expect(written).toEqual([cut, cut, cut, cut]);
        expect(await index.position()).toBe(log[cut * 4 - 1].position);
        await index.close();
      });

      it('stops after the batch being written once the signal is aborted, and tells so', async () => {
        const index = await open('batches-stopped');
        const stop = new AbortController();
        const written: number[] = [];
        const complete = await index.projectBatches(
          batchesOf(log, 25),
          (events) => {
            written.push(events);
            if (written.length === 2) stop.abort();
          },
          stop.signal,
        );
        expect(complete).toBe(false);
        expect(written).toEqual([25, 25]);
        expect(await index.position()).toBe(log[49].position);
        await index.close();
      });

      it('folds each event once when a run of batches meets another writer of the same index', async () => {
        const name = fresh('batches_two_writers');
        const one = await subject.open(name);
        const other = await subject.open(name);
        // Each folds ahead over what it last wrote; the other moves cases on under it, and each batch is folded again.
        await Promise.all([
          one.projectBatches(batchesOf(log, 13), () => undefined),
          (async () => {
            for (let i = 0; i < log.length; i += 29) await other.projectBatch(log.slice(i, i + 29));
          })(),
        ]);
        const reference = await open('batches-two-writers-reference');
        await reference.projectBatch(log);
        expect(await snapshotOf(one)).toEqual(await snapshotOf(reference));
        await Promise.all([one.close(), other.close(), reference.close()]);
      });

      it('keeps the feeds as they were when cleared to be folded again, opened again or not, and numbers new entries on without a gap', async () => {
        const held = 100;
        const size = 37; // a batch holds the last events the feeds hold and the first they do not
        expect(held % size).not.toBe(0);
        const reference = await open('refolded-reference');
        await reference.projectBatch(log);
        for (const reopened of [false, true]) {
          const name = fresh(`refolded_${reopened ? 'reopened' : 'same'}`);
          let index = await subject.open(name);
          await index.projectBatch(log.slice(0, held));
          await index.clear({ keepFeeds: true });
          if (reopened) {
            await index.close();
            index = await subject.open(name);
          }
          await index.projectBatches(batchesOf(log, size), () => undefined);
          expect(await snapshotOf(index)).toEqual(await snapshotOf(reference));
          await index.close();
        }
        await reference.close();
      });

      it('folds each event once when two writers apply the log to the same index at the same time', async () => {
        const name = fresh('two_writers');
        const one = await subject.open(name);
        const other = await subject.open(name);
        // The second writer knows the first cases from its own batches, then finds the other has moved them on.
        const apply = async (index: CaseIndex, size: number) => {
          for (let i = 0; i < log.length; i += size) await index.projectBatch(log.slice(i, i + size));
        };
        await Promise.all([apply(one, 13), apply(other, 29)]);
        const reference = await open('two-writers-reference');
        await reference.projectBatch(log);
        const expected = await snapshotOf(reference);
        expect(await snapshotOf(one)).toEqual(expected);
        await Promise.all([one.close(), other.close(), reference.close()]);
      });
    });
  });
}
