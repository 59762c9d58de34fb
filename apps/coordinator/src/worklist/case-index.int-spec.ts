import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { CommandPath, RecordedEvent, SqliteEventStore } from '@samverkan/eventstore';
import { collect } from '@samverkan/eventstore/testing/test-events';
import { caseDecider } from '../cases/case.decider';
import { CaseCommand } from '../cases/case.model';
import { CaseIndex } from './case-index';

const police = { agencyId: 'polisen-malmo', kind: 'police' as const };
const social = { agencyId: 'socialtjansten-malmo', kind: 'social-services' as const };

describe('the case index', () => {
  let dir: string;
  let store: SqliteEventStore;
  let events: RecordedEvent[];
  const caseId = uuidv7();
  const at = '2026-03-01T09:00:00.000Z';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samverkan-case-index-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
    const path = new CommandPath(store, caseDecider, { now: () => new Date(at) });
    const run = (command: Omit<CaseCommand, 'caseId' | 'at'>) =>
      path.execute(`case-${caseId}`, { ...command, caseId, at } as CaseCommand, { agencyId: command.issuer.agencyId, actorId: 'o', commandId: uuidv7() });
    await run({ type: 'OpenCase', issuer: police, subject: { subjectId: 's', category: 'victim', ageGroup: 'adult', gender: null, originRegion: null }, city: 'malmo', exploitation: null, summary: null } as never);
    await run({ type: 'ReferCase', issuer: police, referralId: 'r-1', to: social, reason: 'shelter', urgency: 'urgent', dueBy: '2026-03-02T09:00:00.000Z' } as never);
    await run({ type: 'RecordSupport', issuer: police, supportId: 's-1', kind: 'protection', providedOn: '2026-03-01' } as never);
    events = await collect(store.readAll());
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function indexOf(file: string, projected: RecordedEvent[]): CaseIndex {
    const index = new CaseIndex(join(dir, file));
    for (const event of projected) index.project(event);
    return index;
  }

  it('lists the referral for its addressee, the case for its team, and the referral as due after its time', () => {
    const index = indexOf('first.db', events);
    expect(index.referralsAwaiting(social.agencyId)).toEqual([expect.objectContaining({ caseId, referralId: 'r-1', fromAgency: police.agencyId, dueBy: '2026-03-02T09:00:00.000Z' })]);
    expect(index.casesOf(police.agencyId)).toEqual([expect.objectContaining({ caseId, status: 'open', revision: 3 })]);
    expect(index.casesOf(social.agencyId)).toEqual([]);
    expect(index.dueReferrals(new Date('2026-03-02T08:59:59Z'))).toEqual([]);
    expect(index.dueReferrals(new Date('2026-03-02T09:00:00Z'))).toEqual([{ caseId, referralId: 'r-1', city: 'malmo', dueBy: '2026-03-02T09:00:00.000Z' }]);
    expect(index.position()).toBe(events.at(-1)!.position);
    index.close();
  });

  it('changes nothing when an event is projected again, as after a crash', () => {
    indexOf('again.db', events).close();
    const index = indexOf('again.db', [...events, events[1]]);
    expect(index.casesOf(police.agencyId)).toEqual([expect.objectContaining({ caseId, revision: 3 })]);
    expect(index.referralsAwaiting(social.agencyId)).toHaveLength(1);
    index.close();
  });

  it('is the same when rebuilt from the log into a new file', () => {
    const first = indexOf('a.db', events);
    const rebuilt = new CaseIndex(join(dir, 'b.db'));
    for (const event of events) rebuilt.project(event);
    expect(rebuilt.casesOf(police.agencyId)).toEqual(first.casesOf(police.agencyId));
    expect(rebuilt.referralsAwaiting(social.agencyId)).toEqual(first.referralsAwaiting(social.agencyId));
    first.close();
    rebuilt.close();
  });

  it('survives being closed and opened again, resuming from its position', () => {
    const index = indexOf('reopened.db', events.slice(0, 2));
    index.close();
    const reopened = new CaseIndex(join(dir, 'reopened.db'));
    expect(reopened.position()).toBe(events[1].position);
    for (const event of events.slice(2)) reopened.project(event);
    expect(reopened.casesOf(police.agencyId)).toEqual([expect.objectContaining({ revision: 3 })]);
    reopened.close();
  });
});
