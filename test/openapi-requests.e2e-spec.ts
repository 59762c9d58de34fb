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
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/**
 * Requests built from the OpenAPI document alone, as a contract-testing tool builds them: for every route that
 * takes a body, one the document says is valid (every required field, each the simplest value its schema
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
});
