import { Writable } from 'node:stream';
import { JsonLogger, jsonLog } from '../apps/coordinator/src/observability/logging';
import { RunningService } from './support/running-service';

jest.setTimeout(60_000);

/** A pino destination that keeps every line written to it. */
function lines(): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, written };
}

/**
 * What operators see of the service: a JSON line for each request, with the request and correlation ids and
 * nothing personal; the service's own lines as JSON; and the figures at GET /metrics for Prometheus.
 */
describe('logs and metrics', () => {
  let service: RunningService;
  const log = lines();

  beforeAll(async () => {
    service = await RunningService.start({ requestLog: jsonLog('info', log.stream) });
  });
  afterAll(() => service?.stop());

  it('logs each request as JSON with its ids, route and agency, and nothing personal', async () => {
    const police = await service.as('polisen-malmo', 'officer-77');
    const summary = 'Met at the harbour in Malmö on a Tuesday';
    const opened = await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' }, summary }, { 'x-correlation-id': 'intake-batch-7' });
    expect(opened.status).toBe(201);
    expect(opened.headers.get('x-correlation-id')).toBe('intake-batch-7');
    const caseId = opened.body.caseId as string;
    const read = await police.get(`/cases/${caseId}/timeline?revision=0`, { 'x-request-id': 'proxy-req-42' });
    expect(read.headers.get('x-request-id')).toBe('proxy-req-42');
    expect(read.headers.get('x-correlation-id')).toBe('proxy-req-42');
    // A request id that is not one (too long, or with other characters) is replaced by a new one.
    const odd = await police.get('/agencies/me', { 'x-request-id': 'a b\u00e5' });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const entries = log.written.map((line) => JSON.parse(line));
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'info',
          msg: 'request',
          method: 'POST',
          route: '/cases',
          status: 201,
          agency: 'polisen-malmo',
          correlationId: 'intake-batch-7',
          requestId: expect.any(String),
        }),
        expect.objectContaining({
          route: '/cases/:id/timeline',
          status: 200,
          requestId: 'proxy-req-42',
          correlationId: 'proxy-req-42',
          ms: expect.any(Number),
          service: 'samverkan',
          time: expect.any(String),
        }),
      ]),
    );
    const text = log.written.join('\n');
    for (const secret of [police.token, 'Bearer', caseId, summary, 'officer-77', 'revision=0']) expect(text).not.toContain(secret);
  });

  it("writes the service's own lines as JSON, with the class that speaks", () => {
    const own = lines();
    const logger = new JsonLogger(jsonLog('info', own.stream));
    logger.warn('the relay fell behind', 'Relay');
    logger.error('could not write', 'Error: disk full\n    at write (store.ts:1:1)', 'Ledger');
    logger.debug('not at info', 'Relay');
    expect(own.written.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 'warn', context: 'Relay', msg: 'the relay fell behind' }),
      expect.objectContaining({ level: 'error', context: 'Ledger', msg: 'could not write', stack: expect.stringContaining('disk full') }),
    ]);
  });

  it('serves the figures to Prometheus on this machine: commands by type and outcome, requests by route, the ledger', async () => {
    const police = await service.as('polisen-malmo');
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    expect((await police.post(`/cases/${caseId}/cooperation`, { status: 'willing' })).status).toBe(201);
    // Refused: the police record no psychological support.
    expect((await police.post(`/cases/${caseId}/support`, { kind: 'psychological', providedOn: '2026-03-02' })).status).toBe(403);
    const scraped = await fetch(`${service.baseUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await scraped.text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('samverkan_commands_total{type="OpenCase",outcome="recorded"}')).toBeGreaterThanOrEqual(1);
    expect(value('samverkan_commands_total{type="RecordVictimCooperation",outcome="recorded"}')).toBe(1);
    expect(value('samverkan_commands_total{type="RecordSupport",outcome="refused"}')).toBe(1);
    expect(value('samverkan_command_duration_seconds_count{type="RecordVictimCooperation"}')).toBe(1);
    expect(value('samverkan_http_request_duration_seconds_count{method="POST",route="/cases/:id/cooperation",status="201"}')).toBe(1);
    expect(value('samverkan_ledger_leaves')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^samverkan_ledger_checkpoint_age_seconds /m);
    expect(value('samverkan_ledger_halted')).toBe(0);
    expect(value('samverkan_role_active{role="ledger"}')).toBe(1);
    expect(value('samverkan_relay_failures_total')).toBe(0);
    expect(text).toMatch(/^samverkan_process_cpu_seconds_total /m);
    expect(text).not.toContain(caseId);
    // Each follower of the log active here says how far behind it is; none is behind for long.
    for (const follower of ['ledger', 'case-index', 'child-protection']) {
      expect(value(`samverkan_follower_lag_events{follower="${follower}"}`)).toBeGreaterThanOrEqual(0);
      expect(value(`samverkan_follower_lag_seconds{follower="${follower}"}`)).toBeGreaterThanOrEqual(0);
    }
    for (let caughtUp = false; !caughtUp; await new Promise((resolve) => setTimeout(resolve, 1100))) {
      const again = await (await fetch(`${service.baseUrl}/metrics`)).text();
      caughtUp = ['ledger', 'case-index', 'child-protection'].every((follower) => again.includes(`samverkan_follower_lag_events{follower="${follower}"} 0`));
    }
  });

  it('serves them elsewhere only with SAMVERKAN_METRICS_TOKEN', async () => {
    const guarded = await RunningService.start({ env: { SAMVERKAN_METRICS_TOKEN: 'scrape-secret-1' } });
    try {
      expect((await fetch(`${guarded.baseUrl}/metrics`)).status).toBe(403);
      expect((await fetch(`${guarded.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
      expect((await fetch(`${guarded.baseUrl}/metrics`, { headers: { authorization: 'Bearer scrape-secret-1' } })).status).toBe(200);
      // Without a token, a request through a proxy is from afar, even from this machine.
      expect((await fetch(`${service.baseUrl}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
    } finally {
      await guarded.stop();
    }
  });
});
