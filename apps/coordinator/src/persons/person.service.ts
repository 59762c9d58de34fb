import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { Clock, CLOCK, ForbiddenError, NotFoundError } from '@samverkan/common';
import { CommandContext, CommandOutcome, CommandPath, EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { KEY_VAULT, KeyVault, keyedFingerprint, KeyWrapping } from '@samverkan/vault';
import { AccessLog, Reader } from '../access-log/access-log';
import { Issuer } from '../agencies/agency';
import { IDENTITY_ACCESS, readsPersonRecords, ReaderStanding, VIEW_ACCESS } from '../cases/case.access';
import { swedishDate } from '../cases/case.decider';
import { CaseAbout, CaseIndex } from '../case-index/case-index';
import { decryptIdentity, encryptIdentity, identityOf, lookupTermsOf, searchTermsOf } from './identity';
import { FindPersonDto, IdentityDto } from './person.dto';
import { personDecider, personStream } from './person.decider';
import { ErasureBasis, Identity, PersonCategory, PersonCommand, PersonEvent, PersonState, Relation } from './person.model';

export const MASTER_KEY = Symbol('MasterKey');

/** A person record as one reader sees it. */
export interface PersonView {
  readonly personId: string;
  readonly category: PersonCategory | null;
  readonly status: PersonState['status'];
  readonly responsibleAgency: string | null;
  readonly registeredAt: string | null;
  /** In clear when the identity rule lets the reader see it; null when withheld, protected or erased. */
  readonly identity: Identity | null;
  /** Why the identity is not shown, when it is not. */
  readonly identityWithheld?: 'protected' | 'erased' | 'not-granted' | 'not-recorded';
  readonly protectedIdentity?: boolean;
  readonly relatives: PersonState['relatives'];
  readonly erasure: PersonState['erasure'];
  readonly cases: ReadonlyArray<Pick<CaseAbout, 'caseId' | 'status' | 'leadAgency'>>;
}

/**
 * Person records: each person once, under a stable pseudonymous id, their identity encrypted under their own
 * key; found by another agency through lookup terms the key vault keeps with the key; erased by destroying
 * the key. Reads go through the access table and onto the access log like case reads.
 */
@Injectable()
export class PersonService {
  private readonly path: CommandPath<PersonCommand, PersonEvent, PersonState>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(KEY_VAULT) private readonly vault: KeyVault,
    @Inject(MASTER_KEY) private readonly master: KeyWrapping,
    private readonly index: CaseIndex,
    private readonly accessLog: AccessLog,
  ) {
    this.path = new CommandPath(store, personDecider, { now: () => clock.now() });
  }

  /** Registers a person; a retry with the same command id answers the same record. */
  async register(
    issuer: Issuer,
    category: PersonCategory,
    dto: IdentityDto,
    context: CommandContext,
    personId = uuidv7(),
  ): Promise<CommandOutcome<PersonState>> {
    const at = this.clock.now().toISOString();
    const identity = identityOf(dto, swedishDate(at));
    const key = await this.vault.keyFor(personId);
    const fingerprint = context.fingerprint && keyedFingerprint(key, context.fingerprint);
    const outcome = await this.run(
      { type: 'RegisterPerson', personId, issuer, at, category, identity: encryptIdentity(key, identity) },
      { ...context, fingerprint },
    );
    await this.vault.index(personId, await lookupTermsOf(identity, this.master));
    return outcome;
  }

  async linkRelative(issuer: Issuer, personId: string, relativeId: string, relation: Relation, context: CommandContext) {
    const relativeRecorded = (await this.state(relativeId)).status === 'recorded';
    return this.run({ type: 'LinkRelative', personId, issuer, at: this.now(), relativeId, relation, relativeRecorded }, context);
  }

  async protect(issuer: Issuer, personId: string, protect: boolean, context: CommandContext) {
    return this.run({ type: 'ProtectIdentity', personId, issuer, at: this.now(), protect }, context);
  }

  /** Erases the person: the erasure is recorded, then the key destroyed, which makes every field encrypted for the person unreadable. */
  async erase(issuer: Issuer, personId: string, basis: ErasureBasis, context: CommandContext) {
    const outcome = await this.run({ type: 'ErasePerson', personId, issuer, at: this.now(), basis }, context);
    await this.vault.destroy(personId);
    return outcome;
  }

  /** The record's state, for other parts of the service (a case opened about the person); no access check. */
  async state(personId: string): Promise<PersonState> {
    return (await this.path.load(personStream(personId))).state;
  }

  /** The record as `reader` may see it; the read is on the access log before it is answered. */
  async read(personId: string, reader: Reader): Promise<PersonView> {
    const state = await this.state(personId);
    const cases = state.status === 'none' ? [] : await this.index.casesAbout(personId);
    const standing = standingOnPerson(state, cases, reader);
    const row = VIEW_ACCESS.person[standing];
    await this.accessLog.record({
      reader,
      view: 'person',
      caseId: null,
      caseExists: false,
      personId,
      standing,
      outcome: state.status === 'none' ? 'refused' : row.access,
    });
    if (state.status === 'none' || row.access === 'refused') throw new NotFoundError(`person ${personId} was not found`, { rule: 'person-not-found' });
    return this.viewFor(state, cases, reader);
  }

  /**
   * The records of the person the request names, as the searching agency may see them: their id, category,
   * the agency responsible and the cases about them, with who leads each; the identity as the identity rule
   * says. A protected identity is found only by those who may see it.
   */
  async find(dto: FindPersonDto, reader: Reader): Promise<PersonView[]> {
    if (!readsPersonRecords(reader.kind)) {
      throw new ForbiddenError(`${reader.kind} agencies do not search person records; ${reader.agencyId} is ${reader.kind}`, { rule: 'agency-kind' });
    }
    const terms = await searchTermsOf(dto, swedishDate(this.now()), this.master);
    const ids = [...new Set((await Promise.all(terms.map((term) => this.vault.lookup(term)))).flat())].sort();
    const found: PersonView[] = [];
    for (const personId of ids) {
      const state = await this.state(personId);
      if (state.status !== 'recorded') continue;
      const cases = await this.index.casesAbout(personId);
      if (state.protectedBy && !mayIdentify(state, cases, reader)) continue;
      found.push(await this.viewFor(state, cases, reader));
    }
    const standing: ReaderStanding = reader.kind === 'auditor' ? 'auditor' : 'outsider';
    await this.accessLog.record({
      reader,
      view: 'person-search',
      caseId: null,
      caseExists: false,
      standing,
      outcome: VIEW_ACCESS['person-search'][standing].access,
      personIds: found.map((p) => p.personId),
    });
    return found;
  }

  private async viewFor(state: PersonState, cases: readonly CaseAbout[], reader: Reader): Promise<PersonView> {
    const personId = state.personId!;
    // Someone who found the record by search but works with no case of it learns who to turn to, not the family.
    const outsider = standingOnPerson(state, cases, reader) === 'outsider';
    const base = {
      personId,
      category: state.category,
      status: state.status,
      responsibleAgency: state.responsibleAgency,
      registeredAt: state.registeredAt,
      relatives: outsider ? [] : state.relatives,
      erasure: state.erasure,
      cases: cases.map(({ caseId, status, leadAgency }) => ({ caseId, status, leadAgency })),
    };
    if (state.status === 'erased') return { ...base, identity: null, identityWithheld: 'erased' };
    if (!mayIdentify(state, cases, reader)) {
      return { ...base, identity: null, identityWithheld: state.protectedBy ? 'protected' : 'not-granted' };
    }
    if (!state.identity) return { ...base, identity: null, identityWithheld: 'not-recorded', protectedIdentity: state.protectedBy !== null };
    const key = await this.vault.find(personId);
    if (!key) return { ...base, identity: null, identityWithheld: 'erased' };
    return { ...base, identity: decryptIdentity(key, state.identity), protectedIdentity: state.protectedBy !== null };
  }

  private run(command: PersonCommand, context: CommandContext) {
    return this.path.execute(personStream(command.personId), command, context);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** The reader's standing on a person: the responsible agency, or a case's lead, leads; a case's team member is a member. */
export function standingOnPerson(state: PersonState, cases: readonly CaseAbout[], reader: Issuer): ReaderStanding {
  if (reader.kind === 'auditor') return 'auditor';
  if (!readsPersonRecords(reader.kind)) return 'outsider';
  if (state.responsibleAgency === reader.agencyId || cases.some((c) => c.leadAgency === reader.agencyId)) return 'lead';
  if (cases.some((c) => c.team.includes(reader.agencyId))) return 'member';
  return 'outsider';
}

/** Whether the identity rule (IDENTITY_ACCESS) lets the reader see the person's identity. */
export function mayIdentify(state: PersonState, cases: readonly CaseAbout[], reader: Issuer): boolean {
  if (reader.kind === 'auditor') return true;
  if (state.protectedBy) return state.protectedBy === reader.agencyId || cases.some((c) => c.leadAgency === reader.agencyId);
  const standing = standingOnPerson(state, cases, reader);
  const grants = IDENTITY_ACCESS.grants[reader.kind as keyof typeof IDENTITY_ACCESS.grants] ?? [];
  return (standing === 'lead' || standing === 'member') && grants.length > 0;
}
