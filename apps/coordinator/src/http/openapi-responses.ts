import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AGENCY_KINDS } from '../agencies/agency';
import { INFO_CATEGORIES, LEGAL_BASES, READ_VIEWS, READER_STANDINGS } from '../cases/case.access';
import {
  AGE_GROUPS,
  CHILD_REPRESENTATIVE_ROLES,
  CITIZENSHIP_GROUPS,
  CONSENT_GIVERS,
  COOPERATION_STATUSES,
  EXPLOITATION_FORMS,
  GENDERS,
  INVESTIGATION_OUTCOMES,
  OFFENCES,
  ORIGIN_REGIONS,
  PROSECUTOR_DECISIONS,
  SENTENCE_KINDS,
  SUBJECT_CATEGORIES,
  SUPPORT_KINDS,
  URGENCIES,
  VERDICTS,
} from '../cases/case.model';
import { ERASURE_BASES, PERSON_CATEGORIES, RELATIONS } from '../persons/person.model';
import { TABLE_NAMES } from '../statistics/statistics';

/**
 * What each route answers, as the OpenAPI document states it: its success answers with their schemas and
 * headers, and its problems (RFC 9457). Written once here, by route, and checked against every answer of the
 * end-to-end tests (test/support/api-contract.ts), so that the document says what the service does.
 */

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` }) as SchemaObject;
const string: SchemaObject = { type: 'string' };
const uuid: SchemaObject = { type: 'string', format: 'uuid' };
const hex64: SchemaObject = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const time: SchemaObject = { type: 'string', format: 'date-time' };
const count: SchemaObject = { type: 'integer', minimum: 0 };
const object = (required: string[], properties: Record<string, SchemaObject>, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'object',
  required,
  properties,
  ...extra,
});
const list = (items: SchemaObject): SchemaObject => ({ type: 'array', items });
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
/** An object with exactly these members: one the document does not name is a mismatch. */
const exact = (required: string[], properties: Record<string, SchemaObject>, extra: Partial<SchemaObject> = {}): SchemaObject =>
  object(required, properties, { additionalProperties: false, ...extra });
const oneOf = (...schemas: SchemaObject[]): SchemaObject => ({ oneOf: schemas });
const integer: SchemaObject = { type: 'integer' };
/** A string that is one of these values. */
const oneOfValues = (values: readonly string[]): SchemaObject => ({ type: 'string', enum: [...values] });
const role = oneOfValues(['active', 'standby', 'off']);
const subject = nullable(exact(['category', 'ageGroup'], { category: string, ageGroup: string }));
const day: SchemaObject = { type: 'string', format: 'date' };
const boolean: SchemaObject = { type: 'boolean' };
const suppressed: SchemaObject = { ...oneOfValues(['suppressed']), description: 'Too small to publish, or would let a small one be worked out' };
const cell = oneOf(count, suppressed);
const basis = oneOfValues(Object.keys(LEGAL_BASES));
/** The basis a part of the case was shown on; null where it was withheld. */
const appliedBasis = nullable(exact(['basis'], { basis, consentScopes: list(string) }));
/** Free text: in clear, `{"erased": true}` where the subject was erased, or as stored with ?text=encrypted. */
const freeText: SchemaObject = oneOf(
  string,
  exact(['erased'], { erased: { type: 'boolean', enum: [true] } }),
  exact(['$enc', 'kid', 'iv', 'ct'], { $enc: oneOfValues(['A256GCM']), kid: string, iv: string, ct: string }),
);
const offences = list(oneOfValues(OFFENCES));
const sentence = nullable(exact(['kind', 'months'], { kind: oneOfValues(SENTENCE_KINDS), months: nullable(count) }));
const referral = exact(['referralId', 'fromAgency', 'toAgency', 'toAgencyKind', 'reason', 'urgency', 'dueBy', 'automatic', 'status', 'escalatedTo'], {
  referralId: string,
  fromAgency: string,
  toAgency: string,
  toAgencyKind: oneOfValues(AGENCY_KINDS),
  reason: freeText,
  urgency: oneOfValues(URGENCIES),
  dueBy: nullable(time),
  automatic: boolean,
  status: oneOfValues(['open', 'accepted', 'declined', 'withdrawn']),
  escalatedTo: nullable(string),
});

/** Schemas the answers share. */
export const RESPONSE_SCHEMAS: Record<string, SchemaObject> = {
  Problem: object(
    ['type', 'title', 'status', 'detail', 'instance'],
    {
      type: { type: 'string', description: '`urn:samverkan:problem:<rule>`: the broken rule, stable' },
      title: string,
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string', description: 'What was wrong, naming the facts' },
      instance: string,
      rule: string,
    },
    { description: 'RFC 9457 problem details; the facts of the refusal (agency, referral, revision …) are further members' },
  ),
  RecordedEvent: exact(['id', 'type', 'revision', 'hash'], { id: uuid, type: string, revision: count, hash: hex64 }),
  SealedEnvelope: exact(
    ['id', 'type', 'schemaVersion', 'data', 'metadata', 'stream', 'revision', 'prev', 'hash'],
    {
      id: uuid,
      type: string,
      schemaVersion: { type: 'integer', minimum: 1 },
      data: { type: 'object', description: "The event's facts, by its type and schema version" },
      metadata: exact(['agencyId', 'actorId', 'commandId', 'correlationId', 'causationId', 'occurredAt', 'recordedAt'], {
        agencyId: string,
        actorId: string,
        commandId: string,
        correlationId: string,
        commandFingerprint: hex64,
        causationId: nullable(string),
        occurredAt: time,
        recordedAt: time,
      }),
      stream: string,
      revision: count,
      prev: hex64,
      hash: hex64,
    },
    { description: 'An event as stored: `hash` is SHA-256 of the RFC 8785 canonical JSON of the rest' },
  ),
  CommandAnswer: exact(
    ['caseId', 'revision', 'events'],
    {
      caseId: uuid,
      revision: count,
      events: list(ref('RecordedEvent')),
      referralId: string,
      investigationId: string,
      evidenceId: string,
      applicationId: string,
    },
    { description: '201 when recorded; 200 when a retry with the same Idempotency-Key is answered with the first answer' },
  ),
  PersonCommandAnswer: exact(['personId', 'revision', 'events'], { personId: uuid, revision: count, events: list(ref('RecordedEvent')) }),
  ShownEvent: exact(['type', 'revision', 'schemaVersion', 'agency', 'actor', 'occurredAt', 'recordedAt', 'data', 'withheldFields', 'basis', 'hash'], {
    id: uuid,
    type: string,
    revision: count,
    schemaVersion: { type: 'integer', minimum: 1 },
    agency: string,
    actor: string,
    occurredAt: time,
    recordedAt: time,
    data: { type: 'object', description: 'What the access table lets the reader see of the event' },
    withheldFields: list(string),
    basis,
    consentScopes: list(string),
    case: { type: 'object', description: 'The case as the agency may see it, on the event that brings the agency to the case' },
    hash: hex64,
    commandId: nullable(string),
    causationId: nullable(string),
    prev: nullable(hex64),
  }),
  FeedEvent: exact(
    [
      'cursor',
      'eventId',
      'caseId',
      'position',
      'type',
      'revision',
      'schemaVersion',
      'agency',
      'actor',
      'occurredAt',
      'recordedAt',
      'data',
      'withheldFields',
      'hash',
    ],
    {
      cursor: { type: 'string', pattern: '^\\d{1,15}$', description: 'Give it as ?after= for the events after this one' },
      eventId: uuid,
      caseId: uuid,
      position: { type: 'string', description: "Where the event sits in the store's log" },
      type: string,
      revision: count,
      schemaVersion: { type: 'integer', minimum: 1 },
      agency: string,
      actor: string,
      occurredAt: time,
      recordedAt: time,
      data: { type: 'object', description: 'What the access table lets the agency see of the event' },
      withheldFields: list(string),
      basis: {
        ...basis,
        description: 'On which basis the agency was told; absent on entries a feed delivered before the service said so, which it keeps as delivered',
      },
      consentScopes: list(string),
      case: { type: 'object', description: 'The case as the agency may see it, on the event that brings the agency to the case' },
      hash: hex64,
    },
  ),
  AccessEntry: exact(['revision', 'at', 'agency', 'actor', 'view', 'caseId', 'standing', 'outcome', 'eventId', 'hash'], {
    revision: count,
    at: time,
    agency: string,
    actor: string,
    view: oneOfValues(READ_VIEWS),
    caseId: nullable(uuid),
    standing: nullable(oneOfValues(READER_STANDINGS)),
    outcome: oneOfValues(['shown', 'redacted', 'refused']),
    readerKind: string,
    asOfRevision: nullable(integer),
    asOfTime: nullable(string),
    revisions: nullable(list(count)),
    caseIds: nullable(list(uuid)),
    personId: nullable(uuid),
    personIds: nullable(list(uuid)),
    treeSize: nullable(count),
    eventId: uuid,
    hash: hex64,
  }),
  BundleEvent: oneOf(
    exact(['leafIndex', 'event', 'inclusionProof'], { leafIndex: count, event: ref('SealedEnvelope'), inclusionProof: list(hex64) }),
    exact(['leafIndex', 'withheld', 'inclusionProof'], {
      leafIndex: count,
      withheld: exact(['stream', 'revision', 'hash', 'prev'], { stream: string, revision: count, hash: hex64, prev: hex64 }),
      inclusionProof: list(hex64),
    }),
  ),
  WorklistReferral: exact(['caseId', 'referralId', 'fromAgency', 'urgency', 'reason', 'dueBy', 'escalatedTo', 'city', 'subject'], {
    caseId: uuid,
    referralId: string,
    fromAgency: string,
    urgency: oneOfValues(URGENCIES),
    reason: { description: 'In clear; `{"erased": true}` where the subject was erased' },
    dueBy: nullable(time),
    escalatedTo: nullable(string),
    city: nullable(string),
    subject,
  }),
  WorklistCase: exact(['caseId', 'status', 'city', 'leadAgency', 'revision', 'subject'], {
    caseId: uuid,
    status: string,
    city: nullable(string),
    leadAgency: nullable(string),
    revision: count,
    subject,
  }),
  Person: exact(['personId', 'category', 'status', 'responsibleAgency', 'registeredAt', 'relatives', 'erasure', 'cases', 'identity'], {
    personId: uuid,
    category: nullable(oneOfValues(PERSON_CATEGORIES)),
    status: oneOfValues(['recorded', 'erased']),
    responsibleAgency: nullable(string),
    registeredAt: nullable(time),
    relatives: list(exact(['relativeId', 'relation'], { relativeId: uuid, relation: oneOfValues(RELATIONS) })),
    erasure: nullable(exact(['erasedBy', 'basis', 'erasedAt'], { erasedBy: string, basis: oneOfValues(ERASURE_BASES), erasedAt: time })),
    cases: list(exact(['caseId', 'status', 'leadAgency'], { caseId: uuid, status: string, leadAgency: nullable(string) })),
    identity: nullable(
      exact(['givenName', 'familyName', 'personalIdentityNumber', 'dateOfBirth', 'citizenship', 'contact'], {
        givenName: nullable(string),
        familyName: nullable(string),
        personalIdentityNumber: nullable(string),
        dateOfBirth: nullable(string),
        citizenship: nullable(string),
        contact: nullable(string),
      }),
    ),
    identityWithheld: oneOfValues(['protected', 'erased', 'not-granted', 'not-recorded']),
    protectedIdentity: { type: 'boolean' },
  }),
  LedgerHealth: exact(
    ['size', 'checkpoint'],
    { size: count, checkpoint: count, halted: { type: 'object', description: 'Why the ledger halted: the reason and the facts' } },
    { description: 'To a caller with a token only' },
  ),
  Roles: exact(['api', 'projector', 'ledger', 'relay'], { api: role, projector: role, ledger: role, relay: role }),
  Agency: exact(['id', 'kind', 'municipality', 'name'], {
    id: string,
    kind: oneOfValues(AGENCY_KINDS),
    municipality: string,
    name: exact(['sv', 'en'], { sv: string, en: string }),
  }),
  CaseSummary: exact(
    ['caseId', 'revision'],
    {
      caseId: uuid,
      revision: count,
      basis: { ...oneOfValues(['mandate']), description: "To the addressee of a referral: the case's descriptors, on its mandate" },
      access: exact(Object.keys(INFO_CATEGORIES), Object.fromEntries(Object.keys(INFO_CATEGORIES).map((category) => [category, appliedBasis])), {
        description: 'Part by part, on which basis it was shown, or null where it was withheld',
      }),
      status: oneOfValues(['open', 'closed']),
      subject: nullable(
        exact(['category', 'ageGroup'], {
          subjectId: string,
          category: oneOfValues(SUBJECT_CATEGORIES),
          ageGroup: oneOfValues(AGE_GROUPS),
          gender: nullable(oneOfValues(GENDERS)),
          originRegion: nullable(oneOfValues(ORIGIN_REGIONS)),
          originCountry: nullable(string),
          municipality: nullable(string),
        }),
      ),
      victimStatus: nullable(oneOfValues(['presumed', 'identified'])),
      citizenship: nullable(exact(['country', 'group'], { country: string, group: oneOfValues(CITIZENSHIP_GROUPS) })),
      childRepresentatives: list(
        exact(['role', 'personId', 'appointedOn'], { role: oneOfValues(CHILD_REPRESENTATIVE_ROLES), personId: nullable(uuid), appointedOn: day }),
      ),
      unaccompanied: nullable(boolean),
      city: nullable(string),
      exploitation: nullable(oneOfValues(EXPLOITATION_FORMS)),
      summary: nullable(freeText),
      openedAt: nullable(time),
      leadAgency: nullable(string),
      outcome: nullable(freeText),
      team: list(
        exact(['agencyId', 'kind', 'via', 'partClosed'], {
          agencyId: string,
          kind: oneOfValues(AGENCY_KINDS),
          via: oneOfValues(['opened', 'referral', 'added']),
          partClosed: boolean,
        }),
      ),
      referrals: list(referral),
      openReferrals: list(referral),
      consents: list(
        exact(['scope', 'givenBy', 'givenOn', 'recordedBy'], {
          scope: string,
          givenBy: nullable(oneOfValues(CONSENT_GIVERS)),
          givenOn: nullable(day),
          recordedBy: string,
        }),
      ),
      support: exact(['total', 'byKind', 'providers', 'firstProvidedOn', 'lastProvidedOn'], {
        total: count,
        byKind: exact([], Object.fromEntries(SUPPORT_KINDS.map((kind) => [kind, count]))),
        providers: list(string),
        firstProvidedOn: nullable(day),
        lastProvidedOn: nullable(day),
      }),
      reflectionPeriodUntil: nullable(day),
      reflectionApplication: nullable(
        exact(['applicationId', 'appliedBy', 'decision'], {
          applicationId: string,
          appliedBy: string,
          decision: oneOfValues(['pending', 'granted', 'refused']),
        }),
      ),
      residencePermit: nullable(exact(['granted', 'until'], { granted: boolean, until: nullable(time) })),
      permitApplication: nullable(
        exact(['applicationId', 'appliedBy', 'presenceNeeded', 'willToCooperate', 'tiesBroken', 'decided'], {
          applicationId: string,
          appliedBy: string,
          presenceNeeded: boolean,
          willToCooperate: boolean,
          tiesBroken: boolean,
          decided: boolean,
        }),
      ),
      cooperation: nullable(oneOfValues(COOPERATION_STATUSES)),
      investigations: list(
        exact(['investigationId', 'reference', 'openedBy', 'status', 'outcome'], {
          investigationId: string,
          reference: string,
          openedBy: string,
          status: oneOfValues(['open', 'closed']),
          outcome: nullable(oneOfValues(INVESTIGATION_OUTCOMES)),
        }),
      ),
      prosecution: nullable(
        exact(['defendants', 'initiatedBy'], {
          defendants: list(exact(['defendantId', 'charges', 'judged'], { defendantId: nullable(uuid), charges: offences, judged: boolean })),
          initiatedBy: string,
        }),
      ),
      sentencing: list(
        exact(['defendantId', 'court', 'verdict', 'offences', 'sentence', 'expulsion', 'damagesToVictimSek', 'appealed', 'decidedOn'], {
          defendantId: nullable(uuid),
          court: string,
          verdict: oneOfValues(VERDICTS),
          offences,
          sentence,
          expulsion: nullable(boolean),
          damagesToVictimSek: nullable(count),
          appealed: boolean,
          decidedOn: day,
        }),
      ),
      prosecutorDecisions: list(
        exact(['decision', 'suspectId', 'offences', 'sentence', 'decidedOn'], {
          decision: oneOfValues(PROSECUTOR_DECISIONS),
          suspectId: nullable(uuid),
          offences,
          sentence,
          decidedOn: day,
        }),
      ),
      evidence: list(
        exact(['evidenceId', 'contentSha256', 'holder', 'registeredBy'], {
          evidenceId: string,
          description: { ...freeText, description: 'To the police, the prosecutor, an auditor and the agency that registered it' },
          contentSha256: nullable(hex64),
          holder: string,
          registeredBy: string,
        }),
      ),
    },
    { description: 'The case as it stands, as your agency may see it: the parts `access` says were shown, on the basis it names' },
  ),
  PublishedTable: exact(['rows', 'columns', 'cells', 'rowTotals', 'columnTotals', 'total', 'suppressed'], {
    rows: list(string),
    columns: list(string),
    cells: list(list(cell)),
    rowTotals: list(cell),
    columnTotals: list(cell),
    total: cell,
    suppressed: exact(['primary', 'secondary'], { primary: count, secondary: count }),
  }),
  Statistics: exact(['year', 'region', 'threshold', 'basis', 'tables', 'figures'], {
    year: integer,
    region: nullable(string),
    threshold: count,
    basis: string,
    tables: exact([...TABLE_NAMES], Object.fromEntries(TABLE_NAMES.map((name) => [name, ref('PublishedTable')]))),
    figures: exact(['investigationDaysToOutcome', 'prisonMonths', 'cooperationRate'], {
      investigationDaysToOutcome: oneOf(exact(['n', 'median'], { n: count, median: { type: 'number' } }), suppressed),
      prisonMonths: oneOf(
        exact(['n', 'median', 'min', 'max'], { n: count, median: { type: 'number' }, min: { type: 'number' }, max: { type: 'number' } }),
        suppressed,
      ),
      cooperationRate: exact(['supported', 'notSupported'], {
        supported: oneOf({ type: 'number', minimum: 0, maximum: 1 }, suppressed),
        notSupported: oneOf({ type: 'number', minimum: 0, maximum: 1 }, suppressed),
      }),
    }),
  }),
};

type Answer = { status: number; description: string; schema?: SchemaObject; text?: string; headers?: string[] };

const json = (status: number, description: string, schema: SchemaObject, headers?: string[]): Answer => ({ status, description, schema, headers });
const text = (status: number, description: string, mediaType: string): Answer => ({ status, description, text: mediaType });
const command = [json(201, 'Recorded', ref('CommandAnswer'), ['ETag']), json(200, 'A retry answered with the first answer', ref('CommandAnswer'), ['ETag'])];
const personCommand = [
  json(201, 'Recorded', ref('PersonCommandAnswer'), ['ETag']),
  json(200, 'A retry answered with the first answer', ref('PersonCommandAnswer'), ['ETag']),
];

/** The success answers of each route, by `METHOD path` as the document names it. Command routes are found by their headers. */
const ANSWERS: Record<string, Answer[]> = {
  'GET /health': [
    json(200, 'The service answers', exact(['status', 'roles'], { status: oneOfValues(['ok']), ledger: ref('LedgerHealth'), roles: ref('Roles') })),
    json(503, 'The ledger halted', exact(['status', 'roles'], { status: oneOfValues(['ledger-halted']), ledger: ref('LedgerHealth'), roles: ref('Roles') })),
  ],
  'GET /cases/{id}': [json(200, 'The summary', ref('CaseSummary'), ['ETag'])],
  'GET /cases/{id}/timeline': [
    json(
      200,
      'The events the agency may see',
      exact(['caseId', 'revision', 'asOf', 'events'], {
        caseId: uuid,
        revision: { type: 'integer', minimum: -1 },
        asOf: nullable(string),
        events: list(ref('ShownEvent')),
      }),
    ),
  ],
  'GET /cases/{id}/commands': [
    json(
      200,
      'The commands the agency may send now',
      exact(['caseId', 'revision', 'commands'], {
        caseId: uuid,
        revision: count,
        commands: list(
          exact(['name', 'type', 'method', 'path', 'operation', 'params', 'choices'], {
            name: string,
            type: string,
            method: oneOfValues(['POST']),
            path: string,
            operation: string,
            params: { type: 'object', additionalProperties: string },
            choices: { type: 'object', additionalProperties: list({}) },
          }),
        ),
      }),
    ),
  ],
  'GET /cases/{id}/verify': [
    json(
      200,
      'The verdict on the hash chain',
      oneOf(
        exact(['caseId', 'result', 'events', 'head'], { caseId: uuid, result: oneOfValues(['ok']), events: count, head: hex64 }),
        exact(['caseId', 'result', 'events', 'firstBrokenRevision', 'kind', 'revision', 'eventId', 'expected', 'found'], {
          caseId: uuid,
          result: oneOfValues(['broken']),
          events: count,
          firstBrokenRevision: count,
          kind: oneOfValues(['hash-mismatch', 'broken-link', 'revision-gap', 'wrong-stream']),
          revision: count,
          eventId: uuid,
          expected: { ...oneOf(string, count), description: 'What the chain needed there: a hash, a revision or the stream' },
          found: { ...oneOf(string, count), description: 'What the stored event holds instead' },
        }),
      ),
    ),
  ],
  'GET /cases/{id}/access-log': [
    json(
      200,
      'Who read the case',
      exact(['caseId', 'stream', 'entries', 'next'], {
        caseId: uuid,
        stream: string,
        entries: list(ref('AccessEntry')),
        next: { type: 'integer', minimum: -1 },
      }),
    ),
  ],
  'GET /cases/{id}/audit-bundle': [
    json(
      200,
      'The events the agency may see, as stored, with their inclusion proofs against a signed checkpoint',
      exact(['format', 'madeFor', 'caseId', 'stream', 'checkpoint', 'verifierKey', 'events'], {
        format: string,
        madeFor: string,
        caseId: uuid,
        stream: string,
        checkpoint: string,
        verifierKey: string,
        events: list(ref('BundleEvent')),
      }),
    ),
  ],
  'POST /persons/search': [json(200, 'The records found', exact(['persons'], { persons: list(ref('Person')) }))],
  'GET /persons/{id}': [json(200, 'The record as the agency may see it', ref('Person'))],
  'GET /agencies': [json(200, 'The registered agencies', list(ref('Agency')))],
  'GET /agencies/municipalities': [
    json(
      200,
      'The municipalities',
      list(
        exact(['id', 'code', 'name', 'region', 'socialServices', 'coordinator'], {
          id: string,
          code: { type: 'string', pattern: '^[0-9]{4}$' },
          name: exact(['sv', 'en'], { sv: string, en: string }),
          region: string,
          socialServices: string,
          coordinator: nullable(string),
        }),
      ),
    ),
  ],
  'GET /agencies/me': [
    json(
      200,
      'Your agency, and you as the token names you',
      exact(['id', 'kind', 'municipality', 'name', 'actorId'], {
        id: string,
        kind: oneOfValues(AGENCY_KINDS),
        municipality: string,
        name: exact(['sv', 'en'], { sv: string, en: string }),
        actorId: string,
      }),
    ),
  ],
  'GET /agencies/me/feed': [
    json(200, 'A page of your feed', exact(['agencyId', 'events', 'next'], { agencyId: string, events: list(ref('FeedEvent')), next: string })),
  ],
  'GET /agencies/me/worklist': [
    json(
      200,
      'Your worklist',
      exact(['agencyId', 'referralsAwaitingAnswer', 'escalatedReferrals', 'cases'], {
        agencyId: string,
        referralsAwaitingAnswer: list(ref('WorklistReferral')),
        escalatedReferrals: list(ref('WorklistReferral')),
        cases: list(ref('WorklistCase')),
      }),
    ),
  ],
  'GET /ledger/key': [text(200, "The ledger's verifier key (C2SP vkey)", 'text/plain')],
  'GET /ledger/checkpoint': [text(200, 'The latest signed checkpoint (C2SP signed note)', 'text/plain')],
  'POST /ledger/checkpoint': [text(200, 'A checkpoint of the ledger as it stands, signed now if it grew', 'text/plain')],
  'GET /ledger/checkpoints': [
    {
      status: 200,
      description: 'With ?size: that checkpoint as a signed note (text/plain); else the list (JSON)',
      schema: exact(['checkpoints'], { checkpoints: list(exact(['size', 'root', 'createdAt'], { size: count, root: hex64, createdAt: time })) }),
      text: 'text/plain',
    },
  ],
  'GET /ledger/proofs/inclusion': [
    json(
      200,
      'The inclusion proof',
      exact(['eventId', 'leafIndex', 'treeSize', 'eventHash', 'leafHash', 'proof', 'root'], {
        eventId: uuid,
        leafIndex: count,
        treeSize: count,
        eventHash: hex64,
        leafHash: hex64,
        proof: list(hex64),
        root: hex64,
      }),
    ),
  ],
  'GET /ledger/proofs/consistency': [
    json(
      200,
      'The consistency proof',
      exact(['size1', 'size2', 'root1', 'root2', 'proof'], { size1: count, size2: count, root1: hex64, root2: hex64, proof: list(hex64) }),
    ),
  ],
  'GET /ledger/export': [text(200, 'The log as NDJSON, one sealed event a line, in leaf order', 'application/x-ndjson')],
  'GET /statistics': [{ status: 200, description: "The year's figures: JSON, or CSV with Accept: text/csv", schema: ref('Statistics'), text: 'text/csv' }],
  'GET /dev/sign-in': [
    json(
      200,
      'The agencies one may sign in as',
      exact(['agencies', 'lifetimeSeconds'], {
        agencies: list(exact(['id', 'kind', 'name'], { id: string, kind: string, name: exact(['sv', 'en'], { sv: string, en: string }) })),
        lifetimeSeconds: count,
      }),
    ),
  ],
  'POST /dev/sign-in': [json(200, 'A token', exact(['token', 'expiresAt'], { token: string, expiresAt: time }))],
};

/** Problems a route answers on its own terms, besides those its kind of route answers. */
const ROUTE_PROBLEMS: Record<string, Record<string, string>> = {
  'POST /ledger/checkpoint': { 409: 'The ledger halted: it signs nothing more (the problem says why)' },
  'GET /ledger/proofs/inclusion': { 409: 'The ledger halted before the event became a leaf (the problem says why)' },
  'GET /cases/{id}/audit-bundle': { 409: "The ledger halted before the case's last event became a leaf (the problem says why)" },
  'GET /dev/sign-in': { 403: 'Only from this machine', 404: 'Not on a service without development keys' },
  'POST /dev/sign-in': { 403: 'Only from this machine', 404: 'Not on a service without development keys, or not a listed agency' },
};

/** The problems a route may answer, by what it takes. */
function problems(method: string, path: string, operation: OperationObject): Record<string, string> {
  const open = Array.isArray(operation.security) && operation.security.length === 0;
  // A POST may be sent a body even where it takes none: the edge reads it as JSON, and refuses what is not.
  const takesBody = operation.requestBody !== undefined || method.toUpperCase() === 'POST';
  const takesInput = takesBody || (operation.parameters ?? []).some((p) => 'in' in p && (p.in === 'query' || p.in === 'path' || p.in === 'header'));
  return {
    ...(takesInput ? { 400: 'The request is not valid: the problem lists each field and why; nothing was written' } : {}),
    ...(open
      ? {}
      : { 401: 'No valid token', 403: 'Your agency may not do this (the problem names the rule)', 404: 'Not found, or not for your agency to know of' }),
    ...(path.includes('{') ? { 414: 'A path segment is longer than 1000 characters' } : {}),
    ...ROUTE_PROBLEMS[`${method.toUpperCase()} ${path}`],
    ...(takesBody ? { 413: 'The body is too large', 415: 'The body is not JSON' } : {}),
    ...(isCommand(operation)
      ? {
          409: 'The command conflicts with the record as it stands (the rule says how), or its Idempotency-Key was used for another command',
          412: 'If-Match named another revision than the current one',
          422: 'The command would break a rule of the record (a date before the case, an adult with a guardian …)',
        }
      : {}),
    429: 'Too many requests: wait as Retry-After says',
    503: 'The store or the ledger cannot answer now',
  };
}

function isCommand(operation: OperationObject): boolean {
  return (operation.parameters ?? []).some((p) => 'name' in p && p.name === 'Idempotency-Key');
}

const HEADERS: Record<string, { description: string; schema: SchemaObject }> = {
  ETag: {
    description: 'The revision of the case or record after this answer, in quotes: give it as If-Match',
    schema: { type: 'string', pattern: '^"[0-9]+"$' },
  },
};

/** Puts every route's answers and problems into the document, with the schemas they share. */
export function withAnswers(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...RESPONSE_SCHEMAS } };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations) as Array<[string, OperationObject]>) {
      if (typeof operation !== 'object' || !operation.responses) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const answers = ANSWERS[key] ?? (isCommand(operation) ? (path.startsWith('/persons') ? personCommand : command) : undefined);
      if (!answers) throw new Error(`the OpenAPI document says nothing of what ${key} answers: add it to http/openapi-responses.ts`);
      const responses: Record<string, ResponseObject> = {};
      for (const answer of answers) {
        const content: Record<string, { schema: SchemaObject }> = {};
        if (answer.schema) content['application/json'] = { schema: answer.schema };
        if (answer.text) content[answer.text] = { schema: { type: 'string' } };
        responses[String(answer.status)] = {
          description: answer.description,
          content,
          ...(answer.headers ? { headers: Object.fromEntries(answer.headers.map((h) => [h, HEADERS[h]])) } : {}),
        };
      }
      for (const [status, description] of Object.entries(problems(method, path, operation))) {
        responses[status] ??= { description, content: { 'application/problem+json': { schema: ref('Problem') } } };
      }
      operation.responses = responses;
    }
  }
  return document;
}
