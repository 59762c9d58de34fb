import { v7 as uuidv7 } from 'uuid';
import { systemClock } from '@samverkan/common';
import { CommandPath, EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { caseDecider } from '../apps/coordinator/src/cases/case.decider';
import { CaseCommand } from '../apps/coordinator/src/cases/case.model';
import { CaseService } from '../apps/coordinator/src/cases/case.service';
import { caseStream } from '@samverkan/sealing';
import { openCases, startService } from './http-commands.bench';

export interface EncryptionParameters {
  readonly cases: number;
  readonly agencyId: string;
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** The free text each command carries. */
  readonly description: string;
}

export interface CommandRate {
  readonly commands: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p99Ms: number;
}

export interface EncryptionResult {
  /** Commands with free text through the case service, which encrypts it under the subject's key first. */
  readonly encrypted: CommandRate;
  /** The same commands straight into the command path, their text left in clear. */
  readonly clear: CommandRate;
}

/**
 * What encrypting free text costs a command: in the service's own process, RegisterEvidence with a description
 * on a case drawn at random, `concurrency` at a time, once through CaseService.execute (subject's key from the
 * vault, AES-256-GCM) and once through the command path alone, on the same store. Alternated twice each, so
 * that neither runs on a store the other made larger.
 */
export async function benchEncryption(dataDir: string, p: EncryptionParameters, storeEnv: Readonly<Record<string, string>> = {}): Promise<EncryptionResult> {
  const { app, baseUrl, headers } = await startService(dataDir, p.agencyId, storeEnv);
  try {
    const caseIds = await openCases(baseUrl, headers, p.cases);
    const service = app.get(CaseService);
    const path = new CommandPath(app.get<EventStore>(EVENT_STORE), caseDecider, { now: () => systemClock.now() });
    const issuer = { agencyId: p.agencyId, kind: 'police' as const };
    const command = (): CaseCommand => ({
      type: 'RegisterEvidence',
      caseId: caseIds[Math.floor(Math.random() * caseIds.length)],
      issuer,
      at: new Date().toISOString(),
      evidenceId: uuidv7(),
      description: p.description,
      contentSha256: null,
    });
    const context = () => ({ agencyId: p.agencyId, actorId: 'bench-officer', commandId: uuidv7() });
    const viaService = () => service.execute(command(), context());
    const viaPath = () => {
      const c = command();
      return path.execute(caseStream(c.caseId), c, context());
    };
    await rate(viaService, p.concurrency, p.warmupSeconds);
    await rate(viaPath, p.concurrency, p.warmupSeconds);
    const runs = { encrypted: [] as CommandRate[], clear: [] as CommandRate[] };
    for (let round = 0; round < 2; round++) {
      runs.encrypted.push(await rate(viaService, p.concurrency, p.durationSeconds / 2));
      runs.clear.push(await rate(viaPath, p.concurrency, p.durationSeconds / 2));
    }
    return { encrypted: merged(runs.encrypted), clear: merged(runs.clear) };
  } finally {
    await app.close();
  }
}

async function rate(run: () => Promise<unknown>, concurrency: number, seconds: number): Promise<CommandRate> {
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        await run();
        latencies.push(performance.now() - at);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { commands: latencies.length, seconds: elapsed, perSecond: latencies.length / elapsed, p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

function merged(rates: readonly CommandRate[]): CommandRate {
  const commands = rates.reduce((n, r) => n + r.commands, 0);
  const seconds = rates.reduce((n, r) => n + r.seconds, 0);
  return { commands, seconds, perSecond: commands / seconds, p99Ms: Math.max(...rates.map((r) => r.p99Ms)) };
}
