import { Inject, Injectable, Optional } from '@nestjs/common';
import { v5 as uuidv5 } from 'uuid';
import { Clock, CLOCK, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@samverkan/common';
import { CommandContext, CommandOutcome, CommandPath, EVENT_STORE, EventStore, stateBefore, upcastBy } from '@samverkan/eventstore';
import { SealedEnvelope } from '@samverkan/sealing';
import { DataKey, KEY_VAULT, KeyVault, keyedFingerprint } from '@samverkan/vault';
import { AccessLog, Reader } from '../access-log/access-log';
import { Metrics } from '../observability/metrics';
import { personDecider, personStream } from '../persons/person.decider';
import { PersonCategory, PersonCommand, PersonEvent, PersonState } from '../persons/person.model';
import { CaseStates } from './case-states';
import { ReaderStanding, ReadView, VIEW_ACCESS, ViewRow } from './case.access';
import { caseStream } from '@samverkan/sealing';
import { carriesClearText, revealed, withEncryptedText } from './case-text';
import { caseDecider } from './case.decider';
import { DisclosedEvent, discloseEvent, disclosedToAuditor, standingOf } from './case.disclosure';
import { CaseCommand, CaseState, OpenCase, SubjectCategory } from './case.model';

/** The record a case's subject gets when the case names none: its id is derived from the case's. */
const SUBJECT_NAMESPACE = '9c2d7e41-5a3b-4f86-8e1d-2b6c0a7f3d95';
const PERSON_CATEGORY_OF: Readonly<Record<SubjectCategory, PersonCategory>> = {
  victim: 'victim',
  'sex-seller': 'sex-seller',
  'sex-buyer': 'sex-buyer',
  'relative-of-victim': 'relative',
  'relative-of-sex-seller': 'relative',
  'relative-of-sex-buyer': 'relative',
};

type NamingPersons = Extract<CaseCommand, { type: 'InitiateProsecution' | 'RecordProsecutorDecision' | 'RecordChildRepresentative' }>;

function namesPersons(command: CaseCommand): command is NamingPersons {
  return command.type === 'InitiateProsecution' || command.type === 'RecordProsecutorDecision' || command.type === 'RecordChildRepresentative';
}

/** Person records a command names besides its subject, which must be there for it to be decided. */
function personsNamedBy(command: NamingPersons): string[] {
  switch (command.type) {
    case 'InitiateProsecution':
      return command.defendants.map((d) => d.defendantId);
    case 'RecordProsecutorDecision':
      return [command.suspectId];
    case 'RecordChildRepresentative':
      return command.personId === null ? [] : [command.personId];
  }
}

/** A point in a case's history: a time or a revision; none means now. */
export interface HistoryCut {
  readonly asOf?: string;
  readonly revision?: number;
}

/** One event of a case, and what the reader may see of it (nothing: undefined). */
export interface ReadEvent {
  readonly envelope: SealedEnvelope;
  readonly disclosed: DisclosedEvent | undefined;
}

/** A read of a case that the access table allowed, and that the access log has recorded. */
export interface CaseReading {
  readonly caseId: string;
  /** Revision of the case's last event at the cut (-1 for none). */
  readonly revision: number;
  /** The case's state at the cut. */
  readonly state: CaseState;
  /** Every event up to the cut, each with what the reader may see of it. */
  readonly events: readonly ReadEvent[];
  /** The reader's standing now, which the view was allowed on. */
  readonly standing: ReaderStanding;
  readonly row: ViewRow;
}

/** Runs case commands through the one command path, and reads cases as the access table lets each reader. */
@Injectable()
export class CaseService {
  private readonly path: CommandPath<CaseCommand, ReturnType<typeof caseDecider.decide>[number], CaseState>;
  private readonly subjects = new Map<string, string>();
  private readonly persons: CommandPath<PersonCommand, PersonEvent, PersonState>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accessLog: AccessLog,
    @Inject(KEY_VAULT) private readonly vault: KeyVault,
    @Optional() private readonly metrics?: Metrics,
    @Optional() private readonly states?: CaseStates,
  ) {
    this.path = new CommandPath(store, caseDecider, { now: () => clock.now(), states });
    this.persons = new CommandPath(store, personDecider, { now: () => clock.now() });
  }

  now(): Date {
    return this.clock.now();
  }

  /** Runs a case command, from HTTP or Kafka alike: counted and timed where the service keeps metrics. */
  execute(command: CaseCommand, context: CommandContext): Promise<CommandOutcome<CaseState>> {
    return this.metrics ? this.metrics.command(command.type, () => this.run(command, context)) : this.run(command, context);
  }

  private async run(command: CaseCommand, context: CommandContext): Promise<CommandOutcome<CaseState>> {
    if (command.type === 'OpenCase' && command.personRecorded === false) {
      command = { ...command, personRecorded: await this.personRecorded(command.subject.subjectId) };
    }
    if (command.type === 'OpenCase' && command.personRecorded === null) command = await this.withSubjectRecord(command, context);
    if (namesPersons(command)) {
      const named = personsNamedBy(command);
      const found = await Promise.all(named.map((personId) => this.personRecorded(personId)));
      command = { ...command, personsNotFound: named.filter((_, i) => !found[i]) };
    }
    if (carriesClearText(command)) {
      // Free text is encrypted under the subject's key before it is decided on, so that no event holds it in clear.
      const subjectId = command.type === 'OpenCase' ? command.subject.subjectId : await this.subjectOf(command.caseId);
      if (subjectId !== undefined) {
        const key = await this.subjectKey(subjectId, command.caseId);
        command = withEncryptedText(command, key);
        // The request held the free text: its fingerprint too is kept only under the subject's key.
        if (context.fingerprint) {
          const { fingerprint, formerFingerprints } = context;
          context = {
            ...context,
            fingerprint: keyedFingerprint(key, fingerprint),
            formerFingerprints: formerFingerprints && (() => formerFingerprints().map((f) => keyedFingerprint(key, f))),
          };
        }
      }
    }
    return this.path.execute(caseStream(command.caseId), command, context);
  }

  /** The subject of a case, which never changes once the case is opened: kept, so that a command reads it once. */
  private async subjectOf(caseId: string): Promise<string | undefined> {
    const known = this.subjects.get(caseId);
    if (known !== undefined) return known;
    const subjectId = (await this.path.load(caseStream(caseId))).state.subject?.subjectId;
    if (subjectId !== undefined) {
      this.subjects.set(caseId, subjectId);
      if (this.subjects.size > 100_000) this.subjects.delete(this.subjects.keys().next().value!);
    }
    return subjectId;
  }

  /** Free text of a case in clear for an HTTP reader, or marked erased where the subject's key is gone. */
  revealed<T>(value: T, caseId: string): Promise<T> {
    return revealed(value, caseId, this.vault);
  }

  private async subjectKey(subjectId: string, caseId: string): Promise<DataKey> {
    try {
      return await this.vault.keyFor(subjectId);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      throw new ConflictError(`the subject of case ${caseId} was erased: no more free text is recorded about them`, {
        rule: 'subject-erased',
        details: { caseId },
      });
    }
  }

  /**
   * A case opened without a person record is about someone all the same: they get a record of their own, with
   * no identity, the opening agency's, so that erasure and retention reach them as any person (their key is
   * the one the case's free text is encrypted under). Its id follows from the case's, so that a retried opening
   * finds the same record.
   */
  private async withSubjectRecord(command: OpenCase, context: CommandContext): Promise<OpenCase> {
    const personId = uuidv5(`subject\n${command.caseId}`, SUBJECT_NAMESPACE);
    const subjectRecorded = { ...command, subject: { ...command.subject, subjectId: personId }, personRecorded: true };
    // A case already there is a retried opening or a conflict: the case's own command path answers either.
    if ((await this.path.load(caseStream(command.caseId))).state.status !== 'none') return subjectRecorded;
    caseDecider.authorise!(command, caseDecider.initialState());
    await this.persons.execute(
      personStream(personId),
      { type: 'RegisterPerson', personId, issuer: command.issuer, at: command.at, category: PERSON_CATEGORY_OF[command.subject.category], identity: null },
      // No fingerprint: the request's is of the case's body, free text and all; the case's command keeps it, keyed.
      { ...context, commandId: `${context.commandId}:subject`, expectedRevision: undefined, fingerprint: undefined },
    );
    return subjectRecorded;
  }

  /** Whether a person record of that id is there (and not erased), read from the person's own stream. */
  private async personRecorded(personId: string): Promise<boolean> {
    let state = personDecider.initialState();
    for await (const { envelope } of this.store.readStream(personStream(personId))) state = personDecider.evolve(state, envelope as unknown as PersonEvent);
    return state.status === 'recorded';
  }

  /** Current state, for process managers; no access check and no access entry: nobody reads it. */
  async state(caseId: string): Promise<CaseState> {
    return (await this.path.load(caseStream(caseId))).state;
  }

  /**
   * Reads a case for a view, as of a time or revision: allowed when the access table gives the reader's
   * standing now that view, and recorded in the access log either way before anything is answered. An
   * outsider is told the case does not exist, as for a case that does not; an agency that knows the case but
   * may not have this view is told why.
   */
  async read(caseId: string, reader: Reader, view: ReadView, cut: HistoryCut = {}): Promise<CaseReading> {
    if (cut.asOf !== undefined && cut.revision !== undefined) {
      throw new ValidationError('give either asOf or revision, not both', { rule: 'invalid-input' });
    }
    const asOf = cut.asOf === undefined ? undefined : Date.parse(cut.asOf);
    const events: ReadEvent[] = [];
    let current = caseDecider.initialState();
    let then = current;
    let last = -1;
    for await (const { envelope } of this.store.readStream(caseStream(caseId))) {
      last = envelope.revision;
      const before = current;
      current = caseDecider.evolve(current, caseDecider.upcast!(envelope));
      const included =
        (cut.revision === undefined || envelope.revision <= cut.revision) && (asOf === undefined || Date.parse(envelope.metadata.recordedAt) <= asOf);
      if (included) {
        events.push({ envelope, disclosed: discloseEvent(envelope, before, current, reader) });
        then = current;
      }
    }
    const revision = events.length - 1;
    const asked = { asOfRevision: cut.revision ?? null, asOfTime: cut.asOf ?? null };
    const exists = current.status !== 'none';
    const standing = standingOf(current, reader);
    // The summary is of the case as it stood at the cut, which the reader may not have come to yet.
    const cameLater = view === 'summary' && exists && VIEW_ACCESS[view][standing].access !== 'refused' && standingOf(then, reader) === 'outsider';
    const row = await this.admit(caseId, reader, view, { exists, standing, cameLater }, asked);
    if (cut.revision !== undefined && cut.revision > last) {
      throw new NotFoundError(`case ${caseId} has no revision ${cut.revision} yet: its last is revision ${last}`, {
        rule: 'revision-not-reached',
        details: { caseId, revision: cut.revision, lastRevision: last },
      });
    }
    if (cameLater) {
      throw new ForbiddenError(
        `${reader.agencyId} had no standing on case ${caseId} at revision ${revision}: the case as it stood before your agency came to it is not shown`,
        {
          rule: 'no-standing-then',
          details: { caseId, revision },
        },
      );
    }
    return { caseId, revision, state: then, events, standing, row };
  }

  /**
   * Reads one event of a case for a view of that event alone (an inclusion proof): allowed, refused and logged
   * as `read` would, on the case's state now, and answered with what the reader may see of the event, from the
   * case's states just before and after it. Neither the rest of the case nor what follows the event is folded.
   */
  async readEvent(caseId: string, reader: Reader, view: ReadView, revision: number): Promise<ReadEvent> {
    const stream = caseStream(caseId);
    let envelope: SealedEnvelope | undefined;
    for await (const event of this.store.readStream(stream, { fromRevision: revision, maxCount: 1 })) envelope = event.envelope;
    const asked = { asOfRevision: null, asOfTime: null };
    if (reader.kind === 'auditor' && envelope?.revision === revision) {
      // An auditor's standing is the same on every case, the case exists (its event does), and an auditor sees
      // every event whole: none of it asks for the case's state, so none is folded.
      await this.admit(caseId, reader, view, { exists: true, standing: 'auditor', cameLater: false }, asked);
      return { envelope, disclosed: disclosedToAuditor(envelope) };
    }
    const { state: current } = await this.path.load(stream);
    await this.admit(caseId, reader, view, { exists: current.status !== 'none', standing: standingOf(current, reader), cameLater: false }, asked);
    if (envelope?.revision !== revision) {
      throw new NotFoundError(`case ${caseId} has no revision ${revision}`, { rule: 'revision-not-reached', details: { caseId, revision } });
    }
    const before = this.states?.at(stream, revision - 1) ?? (await stateBefore(this.store, stream, revision, caseDecider));
    return { envelope, disclosed: discloseEvent(envelope, before, caseDecider.evolve(before, upcastBy(caseDecider, envelope)), reader) };
  }

  /**
   * The rules every read of a case keeps: recorded in the access log before anything is answered, with the
   * outcome the access table gives the reader's standing now; an outsider told the case does not exist, and a
   * view the table refuses refused, saying why. A summary as of a point before the reader came to the case is
   * logged as refused (`cameLater`, which the caller reports). Answers the access table's row.
   */
  private async admit(
    caseId: string,
    reader: Reader,
    view: ReadView,
    { exists, standing, cameLater }: { exists: boolean; standing: ReaderStanding; cameLater: boolean },
    asked: { asOfRevision: number | null; asOfTime: string | null },
  ): Promise<ViewRow> {
    const row = VIEW_ACCESS[view][standing];
    await this.accessLog.record({ reader, view, caseId, caseExists: exists, standing, outcome: cameLater ? 'refused' : row.access, ...asked });
    if (!exists || standing === 'outsider') throw new NotFoundError(`case ${caseId} was not found`, { rule: 'case-not-found', details: { caseId } });
    if (row.access === 'refused') {
      throw new ForbiddenError(`${reader.agencyId} may not read the ${view} of case ${caseId} as its ${standing}: ${row.why}`, {
        rule: 'view-refused',
        details: { caseId, view, standing },
      });
    }
    return row;
  }
}
