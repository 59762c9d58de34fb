import fc from 'fast-check';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { hostileJson } from './support/hostile-json';
import { AgencyClient, RunningService } from './support/running-service';

/**
 * Arbitrary and adversarial input over every route the OpenAPI document lists: never a 5xx, every refusal a
 * problem document, nothing written to the record, and the service still answering its health probe.
 */
describe('every route under hostile input', () => {
  let service: RunningService;
  let police: AgencyClient;
  let caseId: string;
  let routes: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    // Half the requests go without a token; the per-address limit (tested in authentication.e2e-spec.ts)
    // would soon answer them, and the health probe, 429. Off here, so that every route is reached.
    service = await RunningService.start({ env: { SAMVERKAN_RATE_LIMIT_PER_ADDRESS: '0' } });
    police = await service.as('polisen-stockholm');
    caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    const document = (await service.request('GET', '/docs/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
  });
  afterAll(() => service.stop());

  /** Events other than the access log's, which records every read, refused ones included, as it must. */
  async function eventCount(): Promise<number> {
    let count = 0;
    for await (const { envelope } of service.app.get<EventStore>(EVENT_STORE).readAll({})) {
      if (!/^(access|agencyreads|personaccess)-/.test(envelope.stream)) count++;
    }
    return count;
  }

  const pathSegment = fc.oneof(
    fc.constant('CASE'),
    fc.uuid(),
    fc.constantFrom('', '..', '%00', '%E2%80%AE', 'a'.repeat(150), 'a'.repeat(1500), '%ZZ', 'r-1', 'polisen-noa', '__proto__'),
    fc.string({ maxLength: 20 }).map(encodeURIComponent),
  );
  const queryString = fc.oneof(
    fc.constant(''),
    fc
      .dictionary(
        fc.constantFrom('revision', 'asOf', 'limit', 'after', 'text', 'caseId', 'size', 'from', 'to', 'before', 'treeSize', 'leafIndex', '__proto__'),
        fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', '0x10', '1e1', '-1', '9'.repeat(30), '2026-02-30')),
      )
      .map((query) => `?${new URLSearchParams(query).toString()}`),
  );
  const headers = fc.record(
    {
      'idempotency-key': fc.oneof(fc.string({ maxLength: 300 }), fc.constant('k'.repeat(201))),
      'if-match': fc.oneof(fc.constantFrom('"0"', '"-1"', '*', '"99999999999999999999"', 'W/"1"'), fc.string({ maxLength: 20 })),
      'x-correlation-id': fc.oneof(fc.string({ maxLength: 30 }), fc.constant('c'.repeat(8000))),
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
      ),
    },
    { requiredKeys: ['content-type'] },
  );

  it('never answers 5xx, always a problem document for a refusal, and never writes', async () => {
    const before = await eventCount();
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(pathSegment, { minLength: 3, maxLength: 3 }),
        queryString,
        hostileJson,
        headers,
        fc.boolean(),
        async (pick, segments, query, body, sent, withToken) => {
          const route = routes[pick % routes.length]!;
          let i = 0;
          const path = route.path.replace(/\{[^}]+\}/g, () => {
            const segment = segments[i++ % segments.length]!;
            return segment === 'CASE' ? caseId : segment;
          });
          const safeHeaders = Object.fromEntries(Object.entries(sent).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v as string))) as Record<string, string>;
          const hasBody = route.method !== 'GET';
          const reply = await fetch(`${service.baseUrl}${path}${query}`, {
            method: route.method,
            headers: { ...safeHeaders, ...(withToken ? { authorization: `Bearer ${police.token}` } : {}) },
            body: hasBody ? body : undefined,
          });
          requests++;
          const text = await reply.text();
          expect({
            route: `${route.method} ${route.path}`,
            status: reply.status < 500 ? 'below 500' : reply.status,
            text: reply.status < 500 ? '' : text,
          }).toEqual({
            route: `${route.method} ${route.path}`,
            status: 'below 500',
            text: '',
          });
          if (reply.status >= 400) expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          if (requests % 50 === 0) expect((await service.request('GET', '/health')).status).toBe(200);
        },
      ),
      { numRuns: 600 },
    );
    // POST /ledger/checkpoint signs a checkpoint (no event); every other route that takes a body is a command or a search.
    expect(await eventCount()).toBe(before);
  }, 120_000);
});
