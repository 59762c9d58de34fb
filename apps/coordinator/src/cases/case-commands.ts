import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { ValidationError } from '@samverkan/common';
import { Issuer } from '../agencies/agency';
import { Agency, AgencyRegistry } from '../agencies/agency-registry';
import {
  AddAgencyDto,
  CloseCaseDto,
  CloseInvestigationDto,
  ApplyForResidencePermitDto,
  DecideResidencePermitDto,
  RecordCitizenshipDto,
  IdentifyVictimDto,
  RecordChildRepresentativeDto,
  RecordProsecutorDecisionDto,
  RecordUnaccompaniedDto,
  DeclineReferralDto,
  EmptyDto,
  DecideReflectionPeriodDto,
  ExtendReflectionPeriodDto,
  InitiateProsecutionDto,
  OpenCaseDto,
  OpenInvestigationDto,
  RecordConsentDto,
  RecordCooperationDto,
  RecordSentencingDto,
  RecordSupportDto,
  ReferCaseDto,
  RegisterEvidenceDto,
  RemoveAgencyDto,
  ReopenCaseDto,
  TransferEvidenceDto,
} from './case.dto';
import { CaseCommand, OriginRegion, originRegionOf, Sentence, SentenceKind } from './case.model';

/**
 * The mapping from what an agency sends (a route-like command name, the ids its path names, a body of the
 * HTTP API's DTO) to a case command, shared by every way in: the HTTP routes are made from it (case.controller.ts),
 * and the Kafka command topics read it. It holds no business rule: those are the
 * decider's. What it does decide is only what the HTTP API already decides at its edge: the ids a command
 * mints, defaults such as the case's city, and that a named agency is a registered one.
 */

type Fields<T extends CaseCommand['type']> = Omit<Extract<CaseCommand, { type: T }>, 'caseId' | 'issuer' | 'at' | 'type'>;

/** Ids a command names besides its case; on HTTP they are path parameters. */
export type CommandParam = 'referralId' | 'investigationId' | 'evidenceId' | 'agencyId';
export const COMMAND_PARAMS: readonly CommandParam[] = ['referralId', 'investigationId', 'evidenceId', 'agencyId'];

export interface RouteInput<Body> {
  /** The issuing agency, as registered. */
  readonly agency: Agency;
  /** The validated body, an instance of the route's DTO. */
  readonly body: Body;
  readonly params: Readonly<Partial<Record<CommandParam, string>>>;
  /** A registered agency as an issuer; an unknown id is a ValidationError (`unknown-agency`). */
  readonly lookup: (agencyId: string) => Issuer;
  /** A listed municipality's id; an unknown one is a ValidationError (`unknown-municipality`). */
  readonly municipality: (municipalityId: string) => string;
}

export interface CaseCommandRoute<T extends CaseCommand['type'] = CaseCommand['type'], Body extends object = object> {
  readonly type: T;
  /** What the command does, and who may send it: the HTTP route's summary in the OpenAPI document. */
  readonly summary: string;
  /** The class-validator DTO the body must satisfy: the HTTP API's own. */
  readonly body: new () => Body;
  readonly params: readonly CommandParam[];
  /** The HTTP route under `/cases`, as Nest writes it: `:id` is the case, the other parameters are `params`. */
  readonly path: string;
  /** An id the command mints, read back from the event that carries it, so that a replay answers it too. */
  readonly mints?: { readonly event: string; readonly field: 'referralId' | 'investigationId' | 'evidenceId' | 'applicationId' };
  fields(input: RouteInput<Body>): Fields<T>;
}

const route = <T extends CaseCommand['type'], Body extends object>(r: CaseCommandRoute<T, Body>) => r;

export const CASE_COMMAND_ROUTES = {
  'open-case': route({
    type: 'OpenCase',
    summary: 'Open a case; the opening agency leads it',
    path: '',
    body: OpenCaseDto,
    params: [],
    fields: ({ agency, body, municipality }) => ({
      subject: {
        subjectId: body.subject.personId ?? uuidv7(),
        category: body.subject.category,
        ageGroup: body.subject.ageGroup,
        gender: body.subject.gender ?? null,
        ...origin(body.subject),
        municipality: body.subject.municipality === undefined ? null : municipality(body.subject.municipality),
      },
      city: municipality(body.city ?? agency.municipality),
      exploitation: body.exploitation ?? null,
      contact: body.contact ?? null,
      summary: body.summary ?? null,
      // Looked up by the case service before the case is decided: a record named is not taken on trust.
      personRecorded: body.subject.personId === undefined ? null : false,
    }),
  }),
  'add-agency': route({
    type: 'AddAgencyToCase',
    summary: 'Add an agency to the case team (lead or a coordinator on the team)',
    path: ':id/team',
    body: AddAgencyDto,
    params: [],
    fields: ({ body, lookup }) => ({ agency: lookup(body.agencyId), reason: body.reason }),
  }),
  'remove-agency': route({
    type: 'RemoveAgencyFromCase',
    summary: 'Remove an agency from the case team (lead or a coordinator on the team)',
    path: ':id/team/:agencyId/remove',
    body: RemoveAgencyDto,
    params: ['agencyId'],
    fields: ({ body, params, lookup }) => ({ agencyId: lookup(params.agencyId!).agencyId, reason: body.reason }),
  }),
  refer: route({
    type: 'ReferCase',
    summary: 'Refer the case to another agency',
    path: ':id/referrals',
    body: ReferCaseDto,
    params: [],
    mints: { event: 'CaseReferred', field: 'referralId' },
    fields: ({ body, lookup }) => ({
      referralId: uuidv7(),
      to: lookup(body.toAgency),
      reason: body.reason,
      urgency: body.urgency,
      dueBy: body.dueBy === undefined ? null : new Date(body.dueBy).toISOString(),
    }),
  }),
  'accept-referral': route({
    type: 'AcceptReferral',
    summary: 'Accept a referral addressed to your agency; your agency joins the team',
    path: ':id/referrals/:referralId/accept',
    body: EmptyDto,
    params: ['referralId'],
    fields: ({ params }) => ({ referralId: params.referralId! }),
  }),
  'decline-referral': route({
    type: 'DeclineReferral',
    summary: 'Decline a referral addressed to your agency',
    path: ':id/referrals/:referralId/decline',
    body: DeclineReferralDto,
    params: ['referralId'],
    fields: ({ body, params }) => ({ referralId: params.referralId!, reason: body.reason }),
  }),
  'withdraw-referral': route({
    type: 'WithdrawReferral',
    summary: 'Withdraw a referral your agency made',
    path: ':id/referrals/:referralId/withdraw',
    body: EmptyDto,
    params: ['referralId'],
    fields: ({ params }) => ({ referralId: params.referralId! }),
  }),
  'record-support': route({
    type: 'RecordSupport',
    summary: 'Record support given to the subject',
    path: ':id/support',
    body: RecordSupportDto,
    params: [],
    fields: ({ body }) => ({ supportId: uuidv7(), kind: body.kind, providedOn: body.providedOn }),
  }),
  'record-consent': route({
    type: 'RecordConsent',
    summary: 'Record that the subject gave or withdrew consent for a scope',
    path: ':id/consent',
    body: RecordConsentDto,
    params: [],
    fields: ({ body }) => ({ scope: body.scope, given: body.given, by: body.by, on: body.on }),
  }),
  'apply-for-reflection-period': route({
    type: 'ApplyForReflectionPeriod',
    summary: 'Apply for a reflection period for the victim (the head of the preliminary investigation, or social services)',
    path: ':id/reflection-period/application',
    body: EmptyDto,
    params: [],
    mints: { event: 'ReflectionPeriodApplied', field: 'applicationId' },
    fields: () => ({ applicationId: uuidv7() }),
  }),
  'decide-reflection-period': route({
    type: 'DecideReflectionPeriod',
    summary: 'Decide the pending application for a reflection period: granted, 30 days from the decision (Migration Agency)',
    path: ':id/reflection-period',
    body: DecideReflectionPeriodDto,
    params: [],
    fields: ({ body }) => ({ granted: body.granted }),
  }),
  'extend-reflection-period': route({
    type: 'ExtendReflectionPeriod',
    summary: 'Extend the reflection period on request, for special reasons (Migration Agency)',
    path: ':id/reflection-period/extension',
    body: ExtendReflectionPeriodDto,
    params: [],
    fields: ({ body }) => ({ until: body.until, reason: body.reason }),
  }),
  'record-citizenship': route({
    type: 'RecordCitizenship',
    summary: "Record the subject's citizenship (ISO 3166-1 alpha-2, or stateless): EU/EEA and third-country nationals are told apart",
    path: ':id/citizenship',
    body: RecordCitizenshipDto,
    params: [],
    fields: ({ body }) => ({ citizenship: body.citizenship }),
  }),
  'apply-for-residence-permit': route({
    type: 'ApplyForResidencePermit',
    summary: 'Apply for a residence permit for the victim, stating the three conditions (the head of the preliminary investigation)',
    path: ':id/residence-permit/application',
    body: ApplyForResidencePermitDto,
    params: [],
    mints: { event: 'ResidencePermitApplied', field: 'applicationId' },
    fields: ({ body }) => ({
      applicationId: uuidv7(),
      presenceNeeded: body.presenceNeeded,
      willToCooperate: body.willToCooperate,
      tiesBroken: body.tiesBroken,
    }),
  }),
  'decide-residence-permit': route({
    type: 'DecideResidencePermit',
    summary: 'Decide the pending application for a residence permit: at least six months for a third-country national (Migration Agency)',
    path: ':id/residence-permit',
    body: DecideResidencePermitDto,
    params: [],
    fields: ({ body }) => ({ granted: body.granted, until: body.until ?? null }),
  }),
  'record-cooperation': route({
    type: 'RecordVictimCooperation',
    summary: "Record the victim's cooperation with law enforcement",
    path: ':id/cooperation',
    body: RecordCooperationDto,
    params: [],
    fields: ({ body }) => ({ status: body.status }),
  }),
  'identify-victim': route({
    type: 'IdentifyVictim',
    summary: 'Identify the presumed victim as a victim of trafficking, on a day',
    path: ':id/victim-identification',
    body: IdentifyVictimDto,
    params: [],
    fields: ({ body }) => ({ on: body.on }),
  }),
  'record-child-representative': route({
    type: 'RecordChildRepresentative',
    summary: "Record a child's guardian, special representative (särskild företrädare) or god man",
    path: ':id/child-representatives',
    body: RecordChildRepresentativeDto,
    params: [],
    fields: ({ body }) => ({ role: body.role, personId: body.personId ?? null, appointedOn: body.appointedOn }),
  }),
  'record-unaccompanied': route({
    type: 'RecordUnaccompanied',
    summary: 'Record whether the child is in Sweden without a parent (an unaccompanied minor)',
    path: ':id/unaccompanied',
    body: RecordUnaccompaniedDto,
    params: [],
    fields: ({ body }) => ({ unaccompanied: body.unaccompanied }),
  }),
  'open-investigation': route({
    type: 'OpenInvestigation',
    summary: 'Open a preliminary investigation (police or prosecution)',
    path: ':id/investigations',
    body: OpenInvestigationDto,
    params: [],
    mints: { event: 'InvestigationOpened', field: 'investigationId' },
    fields: ({ body }) => ({ investigationId: uuidv7(), reference: body.reference }),
  }),
  'close-investigation': route({
    type: 'CloseInvestigation',
    summary: 'Close an investigation (police or prosecution)',
    path: ':id/investigations/:investigationId/close',
    body: CloseInvestigationDto,
    params: ['investigationId'],
    fields: ({ body, params }) => ({ investigationId: params.investigationId!, outcome: body.outcome }),
  }),
  'initiate-prosecution': route({
    type: 'InitiateProsecution',
    summary: 'Initiate a prosecution (prosecution)',
    path: ':id/prosecution',
    body: InitiateProsecutionDto,
    params: [],
    fields: ({ body }) => ({ defendants: body.defendants.map((d) => ({ defendantId: d.personId, charges: d.charges })) }),
  }),
  'record-prosecutor-decision': route({
    type: 'RecordProsecutorDecision',
    summary: 'Record a matter the prosecutor ended without a trial: a summary penalty order or a waiver of prosecution (prosecution)',
    path: ':id/prosecutor-decisions',
    body: RecordProsecutorDecisionDto,
    params: [],
    fields: ({ body }) => ({
      decision: body.decision,
      suspectId: body.suspectId,
      offences: body.offences,
      sentence: sentenceOf(body.sentence),
      decidedOn: body.decidedOn,
    }),
  }),
  'record-sentencing': route({
    type: 'RecordSentencingOutcome',
    summary: "Record the court's sentencing outcome (prosecution, after prosecution was initiated)",
    path: ':id/sentencing',
    body: RecordSentencingDto,
    params: [],
    fields: ({ body }) => ({
      defendantId: body.defendantId ?? null,
      court: body.court,
      verdict: body.verdict,
      offences: body.offences,
      sentence: sentenceOf(body.sentence),
      expulsion: body.expulsion ?? false,
      damagesToVictimSek: body.damagesToVictimSek ?? null,
      appealed: body.appealed,
      decidedOn: body.decidedOn,
    }),
  }),
  'register-evidence': route({
    type: 'RegisterEvidence',
    summary: 'Register a piece of evidence; your agency holds it',
    path: ':id/evidence',
    body: RegisterEvidenceDto,
    params: [],
    mints: { event: 'EvidenceRegistered', field: 'evidenceId' },
    fields: ({ body }) => ({ evidenceId: uuidv7(), description: body.description, contentSha256: body.contentSha256 ?? null }),
  }),
  'transfer-evidence': route({
    type: 'TransferEvidence',
    summary: 'Transfer evidence your agency holds to another team member',
    path: ':id/evidence/:evidenceId/transfer',
    body: TransferEvidenceDto,
    params: ['evidenceId'],
    fields: ({ body, params, lookup }) => ({ evidenceId: params.evidenceId!, toAgencyId: lookup(body.toAgency).agencyId, reason: body.reason }),
  }),
  'close-case': route({
    type: 'CloseCase',
    summary: 'Close the case (lead)',
    path: ':id/close',
    body: CloseCaseDto,
    params: [],
    fields: ({ body }) => ({ outcome: body.outcome, wholeCase: body.wholeCase ?? false }),
  }),
  'reopen-case': route({
    type: 'ReopenCase',
    summary: 'Reopen a closed case (lead)',
    path: ':id/reopen',
    body: ReopenCaseDto,
    params: [],
    fields: ({ body }) => ({ reason: body.reason }),
  }),
} as const;

export type CaseCommandName = keyof typeof CASE_COMMAND_ROUTES;
export const CASE_COMMAND_NAMES = Object.keys(CASE_COMMAND_ROUTES) as CaseCommandName[];

export function isCaseCommandName(name: unknown): name is CaseCommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(CASE_COMMAND_ROUTES, name);
}

export function caseCommandRoute(name: CaseCommandName): CaseCommandRoute {
  return CASE_COMMAND_ROUTES[name] as unknown as CaseCommandRoute;
}

/** A command's route under `/cases`: the table above is the one place it is written. */
function routeOf(name: CaseCommandName): string {
  return CASE_COMMAND_ROUTES[name].path;
}

/** Where a command on a case is sent: `/cases/<case>/…`, its ids filled in. */
export function commandUrl(name: CaseCommandName, caseId: string, params: Partial<Record<CommandParam, string>>): string {
  return `/cases/${routeOf(name).replace(/:(\w+)/g, (_, key: string) => encodeURIComponent(key === 'id' ? caseId : (params[key as CommandParam] ?? '')))}`.replace(
    /\/$/,
    '',
  );
}

/** The command's path in the OpenAPI document (`/cases/{id}/…`), where its body's schema is. */
export function commandOperation(name: CaseCommandName): string {
  return `/cases/${routeOf(name).replace(/:(\w+)/g, '{$1}')}`.replace(/\/$/, '');
}

/** Case ids minted for an idempotent OpenCase are derived from the agency and its command id, so a retry finds its case. */
export const OPEN_CASE_NAMESPACE = '6f1d8a52-3c1e-4b7e-9a55-2f4d8c0b9e17';

/** The id of the case an OpenCase opens: derived when the command id was given (HTTP Idempotency-Key; always on Kafka). */
export function openedCaseId(agencyId: string, commandId: string | undefined): string {
  return commandId === undefined ? uuidv7() : uuidv5(`${agencyId}\n${commandId}`, OPEN_CASE_NAMESPACE);
}

/** A registered agency as an issuer, or the ValidationError the HTTP API answers for an unknown one. */
export function registeredAgency(registry: AgencyRegistry, agencyId: string): Issuer {
  const agency = registry.get(agencyId);
  if (!agency) throw new ValidationError(`${agencyId} is not a registered agency`, { rule: 'unknown-agency', details: { agencyId } });
  return { agencyId: agency.id, kind: agency.kind };
}

/** A listed municipality's id, or the ValidationError the HTTP API answers for an unknown one. */
export function listedMunicipality(registry: AgencyRegistry, municipalityId: string): string {
  if (!registry.municipality(municipalityId)) {
    const listed = registry.municipalities().map((m) => m.id);
    throw new ValidationError(`${municipalityId} is not a listed municipality (${listed.join(', ')})`, {
      rule: 'unknown-municipality',
      details: { municipality: municipalityId },
    });
  }
  return municipalityId;
}

/** The case command a route makes of a validated body, issued by `agency` on `caseId` at `at`. */
export function caseCommand(
  name: CaseCommandName,
  input: { caseId: string; agency: Agency; body: object; params: Partial<Record<CommandParam, string>>; at: Date },
  registry: AgencyRegistry,
): CaseCommand {
  const r = caseCommandRoute(name);
  const fields = r.fields({
    agency: input.agency,
    body: input.body,
    params: input.params,
    lookup: (id) => registeredAgency(registry, id),
    municipality: (id) => listedMunicipality(registry, id),
  });
  return {
    type: r.type,
    caseId: input.caseId,
    issuer: { agencyId: input.agency.id, kind: input.agency.kind },
    at: input.at.toISOString(),
    ...fields,
  } as unknown as CaseCommand;
}

/**
 * The subject's origin from what an agency sent: the country, with the region derived from it; or, where the
 * country is not known, the region alone. A region that contradicts the country is refused.
 */
function origin(subject: { originRegion?: OriginRegion; originCountry?: string }): { originRegion: OriginRegion | null; originCountry: string | null } {
  if (subject.originCountry === undefined) return { originRegion: subject.originRegion ?? null, originCountry: null };
  const derived = originRegionOf(subject.originCountry);
  if (subject.originRegion !== undefined && subject.originRegion !== derived) {
    throw new ValidationError(
      `subject.originRegion ${subject.originRegion} contradicts originCountry ${subject.originCountry}, which is in ${derived}; send the country alone`,
      {
        rule: 'origin-contradicts',
      },
    );
  }
  return { originRegion: derived, originCountry: subject.originCountry };
}

/** A sentence as an agency sent it (months left out where it has none), as the record keeps it. */
function sentenceOf(sentence: { kind: SentenceKind; months?: number } | undefined): Sentence | null {
  return sentence ? { kind: sentence.kind, months: sentence.months ?? null } : null;
}
