import { ConcurrencyError } from '@samverkan/common';
import { CommandPath, EventStore } from '@samverkan/eventstore';
import { KeyVault } from '@samverkan/vault';
import { AgencyKind, SYSTEM_AGENCY_ID } from '../agencies/agency';
import { CaseAuthorityKind } from '../agencies/agency';
import { caseIdOf } from '@samverkan/sealing';
import { CaseOpened } from '../cases/case.model';
import { personDecider, personIdOfStream, personStream } from './person.decider';
import { PersonEvent, PersonState } from './person.model';
import { RetentionDecision, retentionDecision } from './retention';

export interface RetentionReport {
  readonly at: string;
  readonly dryRun: boolean;
  /** Person records looked at: recorded, not erased. */
  readonly considered: number;
  /** Due, and erased (or, in a dry run, to be erased). */
  readonly erased: ReadonlyArray<RetentionDecision & { readonly responsibleAgency: string }>;
  /** Records erased before whose key was still there (the service stopped between the two), destroyed now. */
  readonly keysDestroyedAfterErasure: readonly string[];
}

/**
 * The retention job: reads the log for every person record and every case about a person, erases the records
 * whose retention period (RETENTION_RULES) has ended at `now`, as the service itself, on the basis
 * `retention-period-ended`, and reports what it did. A dry run reports what it would do and changes nothing.
 */
export async function runRetention(
  store: EventStore,
  vault: KeyVault,
  kindOf: (agencyId: string) => AgencyKind | undefined,
  options: { now: Date; dryRun: boolean },
): Promise<RetentionReport> {
  const persons = new Map<string, PersonState>();
  const cases = new Map<string, { subjectId: string; closedAt: string | null }>();
  for await (const { envelope } of store.readAll()) {
    const personId = personIdOfStream(envelope.stream);
    if (personId !== undefined) {
      persons.set(personId, personDecider.evolve(persons.get(personId) ?? personDecider.initialState(), envelope as unknown as PersonEvent));
      continue;
    }
    const caseId = caseIdOf(envelope.stream);
    if (caseId === undefined) continue;
    if (envelope.type === 'CaseOpened') cases.set(caseId, { subjectId: (envelope.data as unknown as CaseOpened['data']).subject.subjectId, closedAt: null });
    const known = cases.get(caseId);
    if (known && envelope.type === 'CaseClosed') known.closedAt = envelope.metadata.recordedAt;
    if (known && envelope.type === 'CaseReopened') known.closedAt = null;
  }
  const about = new Map<string, Array<{ caseId: string; closedAt: string | null }>>();
  for (const [caseId, { subjectId, closedAt }] of cases) about.set(subjectId, [...(about.get(subjectId) ?? []), { caseId, closedAt }]);

  const erased: Array<RetentionDecision & { responsibleAgency: string }> = [];
  const keysDestroyedAfterErasure: string[] = [];
  let considered = 0;
  const path = new CommandPath(store, personDecider, { now: () => options.now });
  for (const [personId, state] of persons) {
    if (state.status === 'erased') {
      if (!options.dryRun && (await vault.find(personId))) {
        await vault.destroy(personId);
        keysDestroyedAfterErasure.push(personId);
      }
      continue;
    }
    if (state.status !== 'recorded') continue;
    considered += 1;
    const responsibleKind = kindOf(state.responsibleAgency!) as CaseAuthorityKind | undefined;
    if (!responsibleKind || responsibleKind === ('auditor' as AgencyKind)) continue;
    const decision = retentionDecision(
      { personId, category: state.category!, responsibleKind, registeredAt: state.registeredAt!, cases: about.get(personId) ?? [] },
      options.now,
    );
    if (!decision.due) continue;
    erased.push({ ...decision, responsibleAgency: state.responsibleAgency! });
    if (options.dryRun) continue;
    try {
      await path.execute(
        personStream(personId),
        {
          type: 'ErasePerson',
          personId,
          issuer: { agencyId: SYSTEM_AGENCY_ID, kind: 'coordinator' },
          at: options.now.toISOString(),
          basis: 'retention-period-ended',
        },
        { agencyId: SYSTEM_AGENCY_ID, actorId: 'retention', commandId: `retention:${personId}` },
      );
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    await vault.destroy(personId);
  }
  return { at: options.now.toISOString(), dryRun: options.dryRun, considered, erased, keysDestroyedAfterErasure };
}
