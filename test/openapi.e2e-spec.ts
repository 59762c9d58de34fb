import { RESPONSE_SCHEMAS } from '../apps/coordinator/src/http/openapi-responses';
import { RunningService } from './support/running-service';

jest.setTimeout(60_000);

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { type?: string; format?: string; minimum?: number; maximum?: number };
}
interface Operation {
  parameters?: Parameter[];
  security?: unknown[];
}

/** The OpenAPI document as integrators build requests from it: what each route takes, as the service enforces it. */
describe('the OpenAPI document', () => {
  let service: RunningService;
  let paths: Record<string, Record<string, Operation>>;
  let schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;

  beforeAll(async () => {
    service = await RunningService.start();
    const document = (await service.request('GET', '/docs/openapi.json')).body;
    paths = document.paths;
    schemas = document.components.schemas;
  });
  afterAll(() => service?.stop());

  const query = (path: string, method = 'get') =>
    Object.fromEntries(
      (paths[path][method].parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, { required: p.required ?? false, ...p.schema }]),
    );

  it('states the query parameters every route takes, with their types and bounds', () => {
    expect(query('/ledger/proofs/inclusion')).toEqual({
      eventId: { required: true, type: 'string', format: 'uuid' },
      treeSize: { required: false, type: 'integer', minimum: 1 },
    });
    expect(query('/ledger/proofs/consistency')).toEqual({
      from: { required: true, type: 'integer', minimum: 1 },
      to: { required: true, type: 'integer', minimum: 1 },
    });
    expect(Object.keys(query('/ledger/checkpoints')).sort()).toEqual(['before', 'limit', 'size']);
    expect(query('/ledger/checkpoints').limit).toEqual({ required: false, type: 'integer', minimum: 1, maximum: 1000 });
    expect(Object.keys(query('/ledger/export'))).toEqual(['size']);
    expect(Object.keys(query('/cases/{id}/access-log')).sort()).toEqual(['after', 'limit']);
    expect(Object.keys(query('/agencies/me/feed')).sort()).toEqual(['after', 'limit']);
    expect(query('/statistics').year).toEqual({ required: true, type: 'integer', minimum: 2000, maximum: 2100 });
    expect(Object.keys(query('/cases/{id}/timeline')).sort()).toEqual(['asOf', 'revision', 'text']);
  });

  it('documents the command headers on the routes that read them, and on no other', () => {
    const headers = (operation: Operation) =>
      (operation.parameters ?? [])
        .filter((p) => p.in === 'header')
        .map((p) => p.name)
        .sort();
    const commandRoutes = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => method === 'post')
        .map(([, op]) => [path, op] as const),
    );
    const commands = commandRoutes.filter(([path]) => path.startsWith('/cases') || (path.startsWith('/persons') && path !== '/persons/search'));
    expect(commands.length).toBeGreaterThan(30);
    for (const [path, operation] of commands)
      expect({ path, headers: headers(operation) }).toEqual({ path, headers: ['Idempotency-Key', 'If-Match', 'X-Correlation-Id'] });
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(ops)) if (method === 'get') expect({ path, headers: headers(operation) }).toEqual({ path, headers: [] });
    }
    expect(headers(paths['/persons/search'].post)).toEqual([]);
  });

  it('says which routes need no token, and every other needs one', () => {
    const open = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => (op.security ?? []).length === 0)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(open.sort()).toEqual(['GET /dev/sign-in', 'GET /health', 'GET /ledger/key', 'POST /dev/sign-in']);
    expect(paths['/cases/{id}'].get.security).toEqual([{ bearer: [] }]);
  });

  it('describes every body, the person records included', () => {
    for (const name of ['RegisterPersonDto', 'FindPersonDto', 'LinkRelativeDto', 'ProtectIdentityDto', 'ErasePersonDto', 'DevSignInDto']) {
      expect({ name, properties: Object.keys(schemas[name].properties ?? {}).length > 0 }).toEqual({ name, properties: true });
    }
    expect(schemas.RegisterPersonDto.required).toEqual(['category', 'identity']);
  });

  it('describes every member an answer must have, and no answer object is left open', async () => {
    const document = (await service.request('GET', '/docs/openapi.json')).body;
    const loose: string[] = [];
    const walk = (schema: unknown, where: string): void => {
      if (Array.isArray(schema)) return schema.forEach((s, i) => walk(s, `${where}[${i}]`));
      if (!schema || typeof schema !== 'object') return;
      const s = schema as { type?: string; required?: string[]; properties?: Record<string, unknown>; additionalProperties?: unknown };
      for (const name of s.required ?? []) if (!(name in (s.properties ?? {}))) loose.push(`${where} requires ${name} and does not describe it`);
      for (const [key, value] of Object.entries(s)) walk(value, `${where}.${key}`);
    };
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, { responses: unknown }>>)) {
      for (const [method, operation] of Object.entries(operations)) walk(operation.responses, `${method.toUpperCase()} ${path}`);
    }
    for (const name of Object.keys(RESPONSE_SCHEMAS)) walk(schemas[name], name);
    // The problem document is open by its RFC (the facts of a refusal are further members); an event's data is
    // by its type and schema version, less what was withheld.
    const open = (where: string) => !/^Problem\b|\.data$|\.case$|LedgerHealth\.properties\.halted$|\.(params|choices)$/.test(where);
    const walkOpen = (schema: unknown, where: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as { type?: string; properties?: unknown; additionalProperties?: unknown };
      if (s.type === 'object' && s.additionalProperties === undefined && open(where)) loose.push(`${where} is an open object`);
      for (const [key, value] of Object.entries(s)) walkOpen(value, `${where}.${key}`);
    };
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, { responses: unknown }>>)) {
      for (const [method, operation] of Object.entries(operations)) walkOpen(operation.responses, `${method.toUpperCase()} ${path}`);
    }
    for (const name of Object.keys(RESPONSE_SCHEMAS)) walkOpen(schemas[name], name);
    expect(loose).toEqual([]);
  });

  it('states the bounds of every date a body takes', () => {
    const property = (schema: string, name: string) => (schemas[schema].properties ?? {})[name] as Record<string, unknown>;
    expect(property('RecordSupportDto', 'providedOn')).toMatchObject({ format: 'date', 'x-earliest': '1990-01-01', 'x-latest': '1 day after today' });
    expect(property('ReferCaseDto', 'dueBy')).toMatchObject({ 'x-earliest': '1990-01-01', 'x-latest': expect.stringMatching(/from now$/) });
    const bodies = Object.entries(schemas).flatMap(([name, schema]) => (name in RESPONSE_SCHEMAS ? [] : [schema]));
    const dates = bodies.flatMap((schema) =>
      Object.entries(schema.properties ?? {}).filter(([, p]) => {
        const property = p as { format?: string; oneOf?: Array<{ format?: string }> };
        return property.format === 'date' || property.oneOf?.some((o) => o.format === 'date');
      }),
    );
    expect(dates.length).toBeGreaterThan(10);
    for (const [name, p] of dates) expect({ name, earliest: (p as Record<string, unknown>)['x-earliest'] }).toEqual({ name, earliest: expect.any(String) });
  });
});
