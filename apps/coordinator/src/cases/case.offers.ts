import { SamverkanError } from '@samverkan/common';
import { Issuer, SYSTEM_AGENCY_ID } from '../agencies/agency';
import { CASE_COMMAND_NAMES, CASE_COMMAND_ROUTES, CaseCommandName, CommandParam, commandOperation, commandUrl } from './case-commands';
import { authorise, decide, ensureOpenTo } from './case.decider';
import { toldOfCase } from './case.disclosure';
import { CaseCommand, CaseCommandType, CaseState, INVESTIGATION_OUTCOMES, SUPPORT_KINDS } from './case.model';
import { RECORDED_ONLY_BY } from './case.permissions';

/**
 * A command an agency may send on a case as it stands: the ids it names (the referral to answer, the evidence
 * to move), where it is sent, and, for a field where the agency may give only some of the values its schema
 * allows, those values. The body's shape is the route's request schema in the OpenAPI document (`operation`).
 */
export interface CommandOffer {
  readonly name: CaseCommandName;
  readonly type: CaseCommandType;
  readonly method: 'POST';
  readonly path: string;
  /** The command's path in /docs/openapi.json. */
  readonly operation: string;
  readonly params: Readonly<Partial<Record<CommandParam, string>>>;
  readonly choices: Readonly<Record<string, readonly (string | boolean)[]>>;
}

/**
 * The commands `issuer` may send on the case now, by the decider's own rules of standing (who it is on the case,
 * to whom a referral was made, who holds a piece of evidence) and whether the case or its part is open. What
 * a command's body must say is checked when it is sent: a refusal then names the rule, as for any command.
 * `registered` are the agencies a case may be referred to or shared with.
 */
export function commandsOpenTo(state: CaseState, caseId: string, issuer: Issuer, registered: readonly Issuer[], at: string): CommandOffer[] {
  const offers: CommandOffer[] = [];
  for (const name of CASE_COMMAND_NAMES) {
    if (name === 'open-case') continue;
    const route = CASE_COMMAND_ROUTES[name];
    for (const params of targets(route.params, state)) {
      const probe = { type: route.type, caseId, issuer, at, ...params } as unknown as CaseCommand;
      if (!allowed(probe, state)) continue;
      offers.push({
        name,
        type: route.type,
        method: 'POST',
        path: commandUrl(name, caseId, params),
        operation: commandOperation(name),
        params,
        choices: choices(name, state, issuer, registered),
      });
    }
  }
  return offers;
}

/** Every set of ids the command could name on this case: none for a command that names none. */
function targets(params: readonly CommandParam[], state: CaseState): Partial<Record<CommandParam, string>>[] {
  const [param] = params;
  switch (param) {
    case undefined:
      return [{}];
    case 'referralId':
      return state.referrals.filter((r) => r.status === 'open').map((r) => ({ referralId: r.referralId }));
    case 'evidenceId':
      return state.evidence.map((e) => ({ evidenceId: e.evidenceId }));
    case 'investigationId':
      return state.investigations.filter((i) => i.status !== 'closed').map((i) => ({ investigationId: i.investigationId }));
    case 'agencyId':
      // The lead cannot leave its case: it closes it instead.
      return state.team.filter((m) => m.agencyId !== state.leadAgency).map((m) => ({ agencyId: m.agencyId }));
  }
}

function allowed(probe: CaseCommand, state: CaseState): boolean {
  try {
    authorise(probe, state);
    ensureOpenTo(probe, state);
    // Reopening says nothing but its reason: the decider itself tells whether there is anything to reopen.
    if (probe.type === 'ReopenCase') decide({ ...probe, reason: 'probe' }, state);
    return true;
  } catch (error) {
    if (error instanceof SamverkanError) return false;
    throw error;
  }
}

/** Values of a field this agency may give, where they are fewer than the field's schema allows. */
function choices(name: CaseCommandName, state: CaseState, issuer: Issuer, registered: readonly Issuer[]): Record<string, readonly (string | boolean)[]> {
  const mayRecord = (only: readonly string[] | undefined) => only === undefined || only.includes(issuer.kind);
  const onTeam = (agencyId: string) => state.team.some((m) => m.agencyId === agencyId);
  // Agencies the case may be shared with: not on the team yet, and (an NGO) with the person's consent in force.
  const outside = () =>
    registered
      .filter(
        (a) =>
          a.agencyId !== issuer.agencyId && a.agencyId !== SYSTEM_AGENCY_ID && a.kind !== 'auditor' && !onTeam(a.agencyId) && toldOfCase(a.kind, state).allowed,
      )
      .map((a) => a.agencyId);
  switch (name) {
    case 'record-support':
      return { kind: SUPPORT_KINDS.filter((kind) => mayRecord(RECORDED_ONLY_BY.support[kind])) };
    case 'close-investigation':
      return { outcome: INVESTIGATION_OUTCOMES.filter((outcome) => mayRecord(RECORDED_ONLY_BY.investigationOutcome[outcome])) };
    case 'close-case':
      return { wholeCase: issuer.kind === 'coordinator' ? [false, true] : [false] };
    case 'refer':
      return { toAgency: outside() };
    case 'add-agency':
      return { agencyId: outside() };
    case 'transfer-evidence':
      return { toAgency: state.team.map((m) => m.agencyId).filter((id) => id !== issuer.agencyId) };
    default:
      return {};
  }
}
