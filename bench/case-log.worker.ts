import { parentPort, workerData } from 'node:worker_threads';
import { v7 as uuidv7 } from 'uuid';
import { CommandContext, eventDrafts, StreamHead } from '@samverkan/eventstore';
import { canonicalJson, EventDraft, sealEvents, sha256Hex } from '@samverkan/sealing';
import { caseDecider } from '../apps/coordinator/src/cases/case.decider';
import { SupportProvided } from '../apps/coordinator/src/cases/case.model';
import { BENCH_ISSUER, BENCH_SUPPORT_KINDS, benchOpenCase } from './bench-case';
import { caseStream } from '@samverkan/sealing';
import type { CaseLogJob, SealedAppend } from './case-log';

/**
 * The sealing half of buildCaseLog, in a worker thread: drafts the events of every case as the command path
 * describes decided events, seals them, and posts them in batches of appends (as one JSON string, the
 * cheapest way across), at most `ahead` batches before the main thread has taken them.
 */
const job = workerData as CaseLogJob;
const ISSUER = BENCH_ISSUER;

let credits = job.ahead;
let wake: (() => void) | undefined;
parentPort!.on('message', () => {
  credits += 1;
  wake?.();
});

async function main(): Promise<void> {
  const cases = Array.from({ length: job.cases }, () => ({ caseId: uuidv7(), head: null as StreamHead, written: 0 }));
  const rounds = Math.ceil(job.eventsPerCase / job.eventsPerAppend);
  for (let round = 0; round < rounds; round++) {
    for (let from = 0; from < cases.length; from += job.appendsPerBatch) {
      const appends: SealedAppend[] = cases.slice(from, from + job.appendsPerBatch).map((c) => {
        const count = Math.min(job.eventsPerAppend, job.eventsPerCase - c.written);
        const stream = caseStream(c.caseId);
        const events = sealEvents(stream, c.head, drafts(c.caseId, c.written, count));
        const expected = c.head ? c.head.revision : 'no-stream';
        const last = events[events.length - 1];
        c.head = { revision: last.revision, hash: last.hash };
        c.written += count;
        return { stream, expected, events };
      });
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits -= 1;
      parentPort!.postMessage(JSON.stringify(appends));
    }
  }
  parentPort!.postMessage('done');
  parentPort!.removeAllListeners('message'); // lets the worker end
}

/** Drafts events `from` to `from + count - 1` of a case: opened as the case decider opens one, then support. */
function drafts(caseId: string, from: number, count: number): EventDraft[] {
  const out: EventDraft[] = [];
  let i = from;
  if (i === 0) {
    const open = benchOpenCase(caseId, new Date().toISOString());
    const request = { method: 'POST', url: '/cases', body: { subject: open.subject, exploitation: open.exploitation } };
    const context = commandContext(request);
    for (const event of caseDecider.decide(open, caseDecider.initialState())) out.push(...eventDrafts([event], context, new Date()));
    i += out.length;
  }
  for (; i < from + count; i++) {
    const body = { kind: BENCH_SUPPORT_KINDS[i % BENCH_SUPPORT_KINDS.length], providedOn: '2026-01-15' };
    const event: SupportProvided = {
      type: 'SupportProvided',
      data: { supportId: uuidv7(), kind: body.kind, providedOn: body.providedOn, providedBy: ISSUER.agencyId },
    };
    out.push(...eventDrafts([event], commandContext({ method: 'POST', url: `/cases/${caseId}/support`, body }), new Date()));
  }
  return out;
}

/** A command id, and the fingerprint the HTTP layer takes of the request (route and body). */
function commandContext(request: object): CommandContext {
  return { agencyId: ISSUER.agencyId, actorId: 'bench-officer', commandId: uuidv7(), fingerprint: sha256Hex(canonicalJson(request)) };
}

// A rejection ends the worker as an uncaught error, which the main thread sees as an 'error' event.
void main();
