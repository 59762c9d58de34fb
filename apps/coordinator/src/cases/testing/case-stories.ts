/**
 * Generated case stories for the relay tests: real commands through the command path and the case decider,
 * chosen by a seeded random walk over several agencies (referrals accepted and declined, agencies added and
 * removed, support and evidence that the policy withholds from some kinds). A command the decider refuses is
 * simply not part of the story; the log is what it is.
 */
import { v7 as uuidv7 } from 'uuid';
import { SamverkanError } from '@samverkan/common';
import { CommandPath, Decider, EventStore } from '@samverkan/eventstore';
import { Agency, AgencyRegistry } from '../../agencies/agency-registry';
import { caseDecider } from '../case.decider';
import { CaseCommand, CaseState, SUPPORT_KINDS } from '../case.model';
import { caseStream } from '@samverkan/sealing';

type Note = { type: 'Note' };
type Noted = { type: 'Noted'; data: { text: string } };
/** Events of another category, so that the relay must count them for the ledger index and share none. */
const notes: Decider<Note, Noted, number> = {
  initialState: () => 0,
  evolve: (n) => n + 1,
  decide: () => [{ type: 'Noted', data: { text: 'not a case' } }],
};

export interface CaseStories {
  /** Opens `newCases` cases, then issues `commands` commands on the cases this writer has opened. */
  write(commands: number, newCases: number): Promise<void>;
}

/** Numbers in [0, 1) from xorshift32: the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

export function caseStories(store: EventStore, registry: AgencyRegistry, seed: number): CaseStories {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const operational = registry.all().filter((a) => a.kind !== 'auditor');
  const police = operational.filter((a) => a.kind === 'police');
  const at = '2026-03-01T09:00:00.000Z';
  const path = new CommandPath(store, caseDecider, { now: () => new Date(at) });
  const notePath = new CommandPath(store, notes, { now: () => new Date(at) });
  const cases: Array<{ caseId: string; state: CaseState }> = [];
  const issuer = (agency: Agency | { agencyId: string; kind: Agency['kind'] }) =>
    'id' in agency ? { agencyId: agency.id, kind: agency.kind } : { agencyId: agency.agencyId, kind: agency.kind };

  const run = async (entry: { caseId: string; state: CaseState }, command: Record<string, unknown>) => {
    const full = { ...command, caseId: entry.caseId, at } as unknown as CaseCommand;
    try {
      const outcome = await path.execute(caseStream(entry.caseId), full, { agencyId: full.issuer.agencyId, actorId: 'officer', commandId: uuidv7() });
      entry.state = outcome.state;
    } catch (error) {
      if (!(error instanceof SamverkanError)) throw error;
    }
  };

  const open = async () => {
    const entry = { caseId: uuidv7(), state: caseDecider.initialState() };
    cases.push(entry);
    const lead = pick(police);
    await run(entry, {
      type: 'OpenCase',
      issuer: issuer(lead),
      subject: { subjectId: uuidv7(), category: 'victim', ageGroup: 'adult', gender: null, originRegion: null, originCountry: null, municipality: null },
      city: lead.municipality,
      exploitation: null,
      summary: null,
    });
  };

  const step = async () => {
    const entry = pick(cases);
    const { state: s } = entry;
    const lead = s.team.find((m) => m.agencyId === s.leadAgency) ?? s.team[0];
    if (!lead) return;
    const member = pick(s.team);
    const outsider = issuer(pick(operational));
    const open = s.referrals.filter((r) => r.status === 'open');
    const roll = random();
    if (open.length > 0 && roll < 0.3) {
      const referral = pick(open);
      const to = { agencyId: referral.toAgency, kind: referral.toAgencyKind };
      if (random() < 0.6) await run(entry, { type: 'AcceptReferral', issuer: to, referralId: referral.referralId });
      else await run(entry, { type: 'DeclineReferral', issuer: to, referralId: referral.referralId, reason: 'no capacity' });
    } else if (roll < 0.45) {
      await run(entry, { type: 'ReferCase', issuer: member, referralId: uuidv7(), to: outsider, reason: 'needs support', urgency: 'routine', dueBy: null });
    } else if (roll < 0.55) {
      await run(entry, { type: 'AddAgencyToCase', issuer: lead, agency: outsider, reason: 'joins the team' });
    } else if (roll < 0.65) {
      const leaving = s.team.filter((m) => m.agencyId !== s.leadAgency);
      if (leaving.length > 0) await run(entry, { type: 'RemoveAgencyFromCase', issuer: lead, agencyId: pick(leaving).agencyId, reason: 'done' });
    } else if (roll < 0.85) {
      await run(entry, { type: 'RecordSupport', issuer: member, supportId: uuidv7(), kind: pick(SUPPORT_KINDS), providedOn: '2026-03-01' });
    } else if (roll < 0.95) {
      await run(entry, { type: 'RegisterEvidence', issuer: member, evidenceId: uuidv7(), description: 'a phone', contentSha256: null });
    } else {
      await notePath.execute(`note-${uuidv7()}`, { type: 'Note' }, { agencyId: 'samverkan', actorId: 'test', commandId: uuidv7() });
    }
  };

  return {
    async write(commands, newCases) {
      for (let i = 0; i < newCases; i++) await open();
      for (let i = 0; i < commands; i++) await step();
    },
  };
}
