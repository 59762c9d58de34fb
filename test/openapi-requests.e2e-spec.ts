import { randomUUID } from 'node:crypto';
import RandExp from 'randexp';
import { RunningService } from './support/running-service';

jest.setTimeout(120_000);

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  oneOf?: Schema[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
};
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/**
 * Requests built from the OpenAPI document alone, as a contract-testing tool builds them: for every route that
 * takes a query, each parameter with a value the document allows and with each value it rules out; for every
 * route that takes a body, one the document says is valid (every required field, each the simplest value its schema
 * allows) must not be refused as invalid (400: the service would enforce more than the document states), and
 * one without a required field must be (400: it would enforce less). Refusals by the record's rules (403, 404,
 * 409, 422) are the record speaking, not the contract.
 */
describe('requests built from the OpenAPI document', () => {
  let service: RunningService;
  let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  let caseId: string;

  beforeAll(async () => {
    service = await RunningService.start();
    document = (await service.request('GET', '/docs/openapi.json')).body;
    const social = await service.as('socialtjansten-malmo');
    caseId = (await social.post('/cases', { subject: { category: 'victim', ageGroup: 'child' } })).body.caseId;
    for (const agencyId of ['polisen-malmo', 'aklagare-internationella', 'migrationsverket-stockholm'])
      await social.post(`/cases/${caseId}/team`, { agencyId, reason: 'the case needs it' });
  });
  afterAll(() => service?.stop());

  const resolve = (schema: Schema): Schema => (schema.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema);

  /** The simplest value the schema allows. */
  function valid(given: Schema): unknown {
    const schema = resolve(given);
    if (schema.enum) return schema.enum[0];
    if (schema.oneOf) return valid(schema.oneOf[0]);
    switch (schema.type) {
      case 'boolean':
        return true;
      case 'integer':
      case 'number':
        return schema.minimum ?? Math.min(1, schema.maximum ?? 1);
      case 'array': {
        const items = resolve(schema.items ?? {});
        const n = Math.max(1, schema.minItems ?? 1);
        return items.enum ? items.enum.slice(0, n) : Array.from({ length: n }, () => valid(items));
      }
      case 'object':
      case undefined:
        if (schema.type === undefined && !schema.properties) return 'x';
        return Object.fromEntries((schema.required ?? []).map((key) => [key, valid(schema.properties![key])]));
      default:
        if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
        if (schema.format === 'date-time') return new Date().toISOString();
        if (schema.format === 'uuid') return randomUUID();
        if (schema.pattern) return new RandExp(schema.pattern).gen().slice(0, schema.maxLength ?? 200);
        return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    }
  }

  const routes = () =>
    Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([method, operation]) => method === 'post' && operation.requestBody && path.startsWith('/cases'))
        .map(([, operation]) => [path, operation] as const),
    );

  /** The path with the case, and any other id the document types, filled in. */
  const urlOf = (path: string, operation: Operation) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) =>
      name === 'id' ? caseId : String(valid(operation.parameters?.find((p) => p.name === name)?.schema ?? { type: 'string', format: 'uuid' })),
    );

  it('are not refused as invalid where the document says they are valid', async () => {
    const social = await service.as('socialtjansten-malmo');
    const mismatches: string[] = [];
    expect(routes().length).toBeGreaterThan(25);
    for (const [path, operation] of routes()) {
      const body = valid(operation.requestBody!.content['application/json'].schema);
      const answer = await social.post(urlOf(path, operation), body);
      if (answer.status === 400) mismatches.push(`POST ${path} ${JSON.stringify(body)}: ${answer.body.detail}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('are refused as invalid where a field the document types is null (the document allows null nowhere)', async () => {
    const social = await service.as('socialtjansten-malmo');
    const mismatches: string[] = [];
    let tried = 0;
    for (const [path, operation] of routes()) {
      const schema = resolve(operation.requestBody!.content['application/json'].schema);
      const body = valid(schema) as Record<string, unknown>;
      for (const key of Object.keys(schema.properties ?? {})) {
        tried += 1;
        const answer = await social.post(urlOf(path, operation), { ...body, [key]: null });
        if (answer.status !== 400) mismatches.push(`POST ${path} with ${key}: null: ${answer.status}`);
      }
    }
    expect(tried).toBeGreaterThan(50);
    expect(mismatches).toEqual([]);
  });

  it('are refused as invalid where the document says a required field is missing', async () => {
    const social = await service.as('socialtjansten-malmo');
    const mismatches: string[] = [];
    for (const [path, operation] of routes()) {
      const schema = resolve(operation.requestBody!.content['application/json'].schema);
      const body = valid(schema) as Record<string, unknown>;
      const [dropped] = schema.required ?? [];
      const broken = dropped === undefined ? { ...body, notInTheDocument: 1 } : Object.fromEntries(Object.entries(body).filter(([key]) => key !== dropped));
      const answer = await social.post(urlOf(path, operation), broken);
      if (answer.status !== 400) mismatches.push(`POST ${path} ${JSON.stringify(broken)}: ${answer.status}`);
    }
    expect(mismatches).toEqual([]);
  });

  /** Values the schema does not allow, each with what is wrong with it; none where the schema says nothing to check. */
  function invalid(given: Schema): Array<[string, string]> {
    const schema = resolve(given);
    const values: Array<[string, string]> = [];
    if (schema.enum) values.push(['not-in-the-document', 'a value outside the enum']);
    if (schema.type === 'integer') {
      values.push(['x', 'not a number'], ['1.5', 'not an integer']);
      if (schema.minimum !== undefined) values.push([String(schema.minimum - 1), 'below the minimum']);
      if (schema.maximum !== undefined) values.push([String(schema.maximum + 1), 'above the maximum']);
    }
    if (schema.type === 'string' && !schema.enum) {
      if (schema.format === 'uuid') values.push(['not-a-uuid', 'not a UUID']);
      if (schema.format === 'date' || schema.format === 'date-time') values.push(['yesterday', 'not a date']);
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test('!')) values.push(['!', 'not matching the pattern']);
      if (schema.maxLength !== undefined) values.push(['x'.repeat(schema.maxLength + 1), 'longer than the maximum']);
    }
    return values;
  }

  const queried = () =>
    Object.entries(document.paths).flatMap(([path, operations]) =>
      operations.get?.parameters?.some((p) => p.in === 'query') ? [[path, operations.get] as const] : [],
    );

  it('with a query: valid values are not refused as invalid, and each value the document rules out is', async () => {
    const auditor = await service.as('internrevisionen');
    const social = await service.as('socialtjansten-malmo');
    const mismatches: string[] = [];
    let tried = 0;
    expect(queried().length).toBeGreaterThan(6);
    for (const [path, operation] of queried()) {
      // Auditors are refused a feed and a worklist outright: those are asked as social services.
      const client = path.startsWith('/agencies/me') ? social : auditor;
      const params = operation.parameters!.filter((p) => p.in === 'query');
      const required = Object.fromEntries(params.filter((p) => p.required).map((p) => [p.name, String(valid(p.schema ?? {}))]));
      const ask = (query: Record<string, string>) => client.get(`${urlOf(path, operation)}?${new URLSearchParams(query)}`);
      for (const param of params) {
        const query = { ...required, [param.name]: String(valid(param.schema ?? {})) };
        const answer = await ask(query);
        if (answer.status === 400) mismatches.push(`GET ${path}?${new URLSearchParams(query)} is valid by the document: ${answer.body.detail}`);
        for (const [value, why] of invalid(param.schema ?? {})) {
          tried += 1;
          const refused = await ask({ ...query, [param.name]: value });
          if (refused.status !== 400) mismatches.push(`GET ${path} with ${param.name}=${value.slice(0, 20)} (${why}): ${refused.status}`);
        }
      }
    }
    expect(tried).toBeGreaterThan(15);
    expect(mismatches).toEqual([]);
  });
});
