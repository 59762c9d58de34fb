import { v7 as uuidv7 } from 'uuid';
import { appendSealed, CommandContext, CommandPath, EventStore, eventDrafts, StreamHead } from '@samverkan/eventstore';
import { EventDraft, SealedEnvelope } from '@samverkan/sealing';
import { caseDecider } from '../apps/coordinator/src/cases/case.decider';
import { CaseEvent, CaseState, RecordSupport } from '../apps/coordinator/src/cases/case.model';
import { caseStream } from '@samverkan/sealing';
import { BENCH_ISSUER, BENCH_SUPPORT_KINDS, benchOpenCase } from './bench-case';

export interface ReplayParameters {
  readonly events: number;
  /**
   * Untimed replays first: a running service replays cases with its code compiled, and the first few
   * replays of a fresh process time V8 compiling it (the fold ran at 200 k events/s in the first replay and
   * 780 k/s from the fourth).
   */
  readonly warmup: number;
  readonly runs: number;
  /** Events per append while building the case. */
  readonly buildBatch: number;
}

export interface ReplayResult {
  readonly events: number;
  readonly buildSeconds: number;
  /** Read from the store (JSON parse included) and folded into the summary, best of `runs`. */
  readonly bestMs: number;
  readonly medianMs: number;
  readonly eventsPerSecond: number;
  /** The two halves of the above, each best of `runs`: reading alone, and folding envelopes already in memory. */
  readonly readOnlyEventsPerSecond: number;
  readonly foldOnlyEventsPerSecond: number;
}

const ISSUER = BENCH_ISSUER;

/**
 * Builds one case of `events` events in the fresh store `open` answers (opened through the command path, then
 * support decided by the case decider and appended sealed in batches), and times reading it back and folding it.
 */
export async function benchReplay(open: () => Promise<EventStore>, p: ReplayParameters): Promise<ReplayResult> {
  const store = await open();
  try {
    const building = performance.now();
    const stream = await buildCase(store, p);
    const buildSeconds = (performance.now() - building) / 1000;

    const full: number[] = [];
    const readOnly: number[] = [];
    const foldOnly: number[] = [];
    for (let run = 0; run < p.warmup + p.runs; run++) {
      if (run === p.warmup) for (const times of [full, readOnly, foldOnly]) times.length = 0;
      let started = performance.now();
      let state = caseDecider.initialState();
      let count = 0;
      for await (const { envelope } of store.readStream(stream)) {
        state = caseDecider.evolve(state, envelope as unknown as CaseEvent);
        count += 1;
      }
      full.push(performance.now() - started);
      check(count, state, p.events);

      started = performance.now();
      const envelopes: SealedEnvelope[] = [];
      for await (const { envelope } of store.readStream(stream)) envelopes.push(envelope);
      readOnly.push(performance.now() - started);

      started = performance.now();
      state = envelopes.reduce((s, e) => caseDecider.evolve(s, e as unknown as CaseEvent), caseDecider.initialState());
      foldOnly.push(performance.now() - started);
      check(envelopes.length, state, p.events);
    }
    const best = (times: number[]) => Math.min(...times);
    const perSecond = (ms: number) => (p.events / ms) * 1000;
    return {
      events: p.events,
      buildSeconds,
      bestMs: best(full),
      medianMs: [...full].sort((a, b) => a - b)[Math.floor(full.length / 2)],
      eventsPerSecond: perSecond(best(full)),
      readOnlyEventsPerSecond: perSecond(best(readOnly)),
      foldOnlyEventsPerSecond: perSecond(best(foldOnly)),
    };
  } finally {
    await store.close();
  }
}

async function buildCase(store: EventStore, p: ReplayParameters): Promise<string> {
  const now = () => new Date();
  const caseId = uuidv7();
  const stream = caseStream(caseId);
  const opened = await new CommandPath(store, caseDecider, { now }).execute(stream, benchOpenCase(caseId, now().toISOString()), context());
  let state: CaseState = opened.state;
  const last = opened.events[opened.events.length - 1];
  let head: StreamHead = { revision: last.revision, hash: last.hash };
  let stored = opened.revision + 1;
  while (stored < p.events) {
    const drafts: EventDraft[] = [];
    for (let i = 0; i < Math.min(p.buildBatch, p.events - stored); i++) {
      const command: RecordSupport = {
        type: 'RecordSupport',
        caseId,
        issuer: ISSUER,
        at: now().toISOString(),
        supportId: uuidv7(),
        kind: BENCH_SUPPORT_KINDS[(stored + i) % BENCH_SUPPORT_KINDS.length],
        providedOn: '2026-01-15',
      };
      for (const event of caseDecider.decide(command, state)) {
        state = caseDecider.evolve(state, event);
        drafts.push(...eventDrafts([event], context(), new Date()));
      }
    }
    const { sealed } = await appendSealed(store, stream, head, drafts);
    const end = sealed[sealed.length - 1];
    head = { revision: end.revision, hash: end.hash };
    stored += sealed.length;
  }
  return stream;
}

function context(): CommandContext {
  return { agencyId: ISSUER.agencyId, actorId: 'bench-officer', commandId: uuidv7() };
}

function check(count: number, state: CaseState, expected: number): void {
  const supported = Object.values(state.support).reduce((sum, ofKind) => sum + (ofKind?.count ?? 0), 0);
  if (count !== expected || supported !== expected - 2 || state.status !== 'open') {
    throw new Error(`replay read ${count} events into ${supported} support entries; expected ${expected} and ${expected - 2}`);
  }
}
