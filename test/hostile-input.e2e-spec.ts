import 'reflect-metadata';
import { readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { CASE_COMMAND_NAMES, caseCommandRoute } from '../apps/coordinator/src/cases/case-commands';
import { AgencyClient, Reply, RunningService } from './support/running-service';

/**
 * What an attacker tried against `npm start` (issue 12), each answered with an RFC 9457 problem that writes
 * nothing: hostile bodies, headers, query strings and paths, and what the service tells someone without a token.
 */
describe('hostile input', () => {
  let service: RunningService;
  let police: AgencyClient;
  let caseId: string;
  let referralId: string;

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-stockholm');
    caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    referralId = (await police.post(`/cases/${caseId}/referrals`, { toAgency: 'socialtjansten-stockholm', reason: 'support', urgency: 'routine' })).body
      .referralId;
  });
  afterAll(() => service.stop());

  const revision = async (): Promise<number> => (await police.get(`/cases/${caseId}/timeline`)).body.revision;

  function expectProblem(reply: Reply, status: number, detail?: RegExp): void {
    expect({ status: reply.status, type: reply.headers.get('content-type') }).toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
    expect(reply.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), instance: expect.any(String) });
    if (detail) expect(reply.body.detail).toMatch(detail);
  }

  const raw = (method: string, path: string, body: string, headers: Record<string, string> = {}) =>
    service.request(method, path, { token: police.token, rawBody: body, headers: { 'content-type': 'application/json', ...headers } });

  /** Every command route, with the ids its path needs filled in. */
  const commandPaths = (): string[] =>
    CASE_COMMAND_NAMES.map((name) => {
      const route = caseCommandRoute(name);
      const ids: Record<string, string> = { referralId, investigationId: 'i-1', evidenceId: 'e-1', agencyId: 'polisen-noa' };
      return pathOf(name, caseId, (param) => ids[param]!, route.params);
    });

  describe('deeply nested JSON', () => {
    const bodies: Array<[string, string]> = [
      ['objects 10,000 deep', '{"a":'.repeat(10_000)],
      ['arrays 120,000 deep', '['.repeat(120_000)],
      [
        'a nested object inside a valid command',
        JSON.stringify({ kind: 'shelter', providedOn: '2026-01-01', x: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }),
      ],
    ];

    it.each(bodies)('is refused on every command route with 400 before any work: %s', async (_, body) => {
      const before = await revision();
      for (const path of [...commandPaths(), '/persons', '/persons/search']) {
        const reply = await raw('POST', path, body);
        expectProblem(reply, 400, /deeper than 16 levels/);
      }
      expect(await revision()).toBe(before);
    });

    it('from eight clients at once leaves the service answering its health probe', async () => {
      const body = '['.repeat(120_000);
      let sending = true;
      const clients = Array.from({ length: 8 }, async () => {
        let sent = 0;
        while (sending) {
          expect((await raw('POST', `/cases/${caseId}/support`, body)).status).toBe(400);
          sent++;
        }
        return sent;
      });
      const probes: number[] = [];
      for (let i = 0; i < 10; i++) probes.push((await service.request('GET', '/health')).status);
      sending = false;
      expect((await Promise.all(clients)).every((sent) => sent > 0)).toBe(true);
      expect(probes).toEqual(Array(10).fill(200));
    });
  });

  it('refuses a key given twice in one object', async () => {
    const before = await revision();
    expectProblem(await raw('POST', `/cases/${caseId}/support`, '{"kind":"shelter","providedOn":"2026-01-01","kind":"outreach"}'), 400, /"kind" appears twice/);
    expect(await revision()).toBe(before);
  });

  it.each([
    ['NUL', 'Reason\u0000hidden'],
    ['an ANSI escape', '\u001b[2J\u001b[31mcleared'],
    ['a right-to-left override', 'invoice \u202Etxt.exe'],
  ])('refuses free text holding %s, and writes nothing', async (_, text) => {
    const before = await revision();
    expectProblem(await police.post(`/cases/${caseId}/close`, { outcome: text }), 400, /outcome holds a control, bidirectional or broken character/);
    expect(await revision()).toBe(before);
  });

  it('keeps tab and line breaks in free text', async () => {
    const reply = await police.post(`/cases/${caseId}/evidence`, { description: 'Two phones:\r\n\t1. Samsung\n\t2. iPhone' });
    expect(reply.status).toBe(201);
  });

  it.each([
    ['8,000 characters long', 'c'.repeat(8000)],
    ['holding a space', 'a b'],
  ])('refuses an X-Correlation-Id %s, and writes nothing', async (_, id) => {
    const before = await revision();
    expectProblem(
      await police.post(`/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-01-01' }, { 'x-correlation-id': id }),
      400,
      /X-Correlation-Id/,
    );
    expect(await revision()).toBe(before);
  });

  it.each(['accept', 'withdraw'])('refuses a text/plain body or a JSON string on %s, and writes nothing', async (verb) => {
    const before = await revision();
    const path = `/cases/${caseId}/referrals/${referralId}/${verb}`;
    expectProblem(await raw('POST', path, 'yes', { 'content-type': 'text/plain' }), 415);
    expectProblem(await raw('POST', path, '"yes"'), 400, /must be a JSON object/);
    expect(await revision()).toBe(before);
  });

  describe('query strings', () => {
    it.each([
      ['empty', ''],
      ['hexadecimal', '0x10'],
      ['an exponent', '1e1'],
      ['a fraction', '1.0'],
      ['signed', '+1'],
      ['given twice', '1&revision=2'],
    ])('refuses a revision that is %s', async (_, value) => {
      expectProblem(await police.get(`/cases/${caseId}?revision=${value}`), 400, /revision/);
    });

    it('answers a revision beyond the head with 404 saying how far the case goes', async () => {
      const head = await revision();
      expectProblem(await police.get(`/cases/${caseId}?revision=${head + 1}`), 404, new RegExp(`revision ${head}`));
      expect((await police.get(`/cases/${caseId}?revision=${head}`)).status).toBe(200);
    });

    it('refuses a page size that is not a decimal integer', async () => {
      expectProblem(await police.get('/agencies/me/feed?limit=0x10'), 400, /limit/);
    });
  });

  describe('dates', () => {
    it.each([
      ['a due time in the year 9999', '/referrals', { toAgency: 'polisen-noa', reason: 'r', urgency: 'routine', dueBy: '9999-12-31' }, /dueBy/],
      ['support provided in 1900', '/support', { kind: 'shelter', providedOn: '1900-01-01' }, /providedOn/],
      ['support provided next year', '/support', { kind: 'shelter', providedOn: `${new Date().getUTCFullYear() + 1}-06-01` }, /providedOn/],
      [
        'a sentence decided in 1900',
        '/sentencing',
        { court: 'c', verdict: 'acquitted', offences: ['procuring'], appealed: false, decidedOn: '1900-01-01' },
        /decidedOn/,
      ],
      ['consent given in 1900', '/consent', { scope: 'share-with-migration', given: true, by: 'person', on: '1900-01-01' }, /on/],
      ['a reflection period extended until 9999', '/reflection-period/extension', { until: '9999-12-31', reason: 'r' }, /until/],
    ])('refuses %s, and writes nothing', async (_, path, body, detail) => {
      const before = await revision();
      expectProblem(await police.post(`/cases/${caseId}${path}`, body), 400, detail);
      expect(await revision()).toBe(before);
    });

    it('refuses a due time of null with a message about null, not about 1970', async () => {
      const reply = await police.post(`/cases/${caseId}/referrals`, { toAgency: 'polisen-noa', reason: 'r', urgency: 'routine', dueBy: null });
      expectProblem(reply, 400, /dueBy must not be null/);
    });

    it.each([
      ['a summary', '/cases', { subject: { category: 'victim', ageGroup: 'adult' }, summary: null }, /summary must not be null/],
      ['a gender', '/cases', { subject: { category: 'victim', ageGroup: 'adult', gender: null } }, /gender must not be null/],
    ])('refuses null for %s the schema does not declare nullable', async (_, path, body, detail) => {
      expectProblem(await police.post(path, body), 400, detail);
    });
  });

  describe('paths and methods', () => {
    it('answers a path segment over 100 characters with a problem document, after authentication', async () => {
      const long = `/cases/${'a'.repeat(150)}`;
      expectProblem(await service.request('GET', long), 401);
      expectProblem(await police.get(long), 400, /not a case id/);
    });

    it('answers a method a route does not take with 405, naming the ones it does', async () => {
      const reply = await service.request('DELETE', `/cases/${caseId}`, { token: police.token });
      expectProblem(reply, 405);
      expect(reply.headers.get('allow')).toBe('GET');
      expectProblem(await service.request('PUT', '/cases', { token: police.token, body: {} }), 405);
    });

    it('answers a path no route has with a 404 problem document', async () => {
      expectProblem(await police.get('/no-such-route'), 404);
    });
  });

  describe('/health', () => {
    it('says only up or degraded per role without a token', async () => {
      const reply = await service.request('GET', '/health');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ status: 'ok', roles: { api: 'active', projector: 'active', ledger: 'active', relay: 'off' } });
    });

    it('gives the ledger figures to an authenticated caller', async () => {
      const reply = await police.get('/health');
      expect(reply.body.ledger).toEqual({ size: expect.any(Number), checkpoint: expect.any(Number) });
    });
  });

  it('creates its data files readable by the service alone', () => {
    const dir = service.config.dataDir;
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const path = join(file.parentPath, file.name);
      expect({ path, mode: (statSync(path).mode & 0o777).toString(8) }).toEqual({ path, mode: '600' });
    }
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory())) {
      const path = join(entry.parentPath, entry.name);
      expect({ path, mode: (statSync(path).mode & 0o777).toString(8) }).toEqual({ path, mode: '700' });
    }
  });
});

/** The HTTP path of a case command, from case.controller.ts's routes. */
function pathOf(name: string, caseId: string, id: (param: string) => string, params: readonly string[]): string {
  const tail: Record<string, string> = {
    'open-case': '/cases',
    'add-agency': '/team',
    'remove-agency': '/team/:agencyId/remove',
    refer: '/referrals',
    'accept-referral': '/referrals/:referralId/accept',
    'decline-referral': '/referrals/:referralId/decline',
    'withdraw-referral': '/referrals/:referralId/withdraw',
    'record-support': '/support',
    'record-consent': '/consent',
    'apply-for-reflection-period': '/reflection-period/application',
    'decide-reflection-period': '/reflection-period',
    'extend-reflection-period': '/reflection-period/extension',
    'record-citizenship': '/citizenship',
    'apply-for-residence-permit': '/residence-permit/application',
    'decide-residence-permit': '/residence-permit',
    'record-cooperation': '/cooperation',
    'identify-victim': '/victim-identification',
    'record-child-representative': '/child-representatives',
    'record-unaccompanied': '/unaccompanied',
    'open-investigation': '/investigations',
    'close-investigation': '/investigations/:investigationId/close',
    'initiate-prosecution': '/prosecution',
    'record-prosecutor-decision': '/prosecutor-decisions',
    'record-sentencing': '/sentencing',
    'register-evidence': '/evidence',
    'transfer-evidence': '/evidence/:evidenceId/transfer',
    'close-case': '/close',
    'reopen-case': '/reopen',
  };
  const template = tail[name];
  if (template === undefined) throw new Error(`no path known for ${name}`);
  if (name === 'open-case') return template;
  return `/cases/${caseId}${params.reduce((path, param) => path.replace(`:${param}`, id(param)), template)}`;
}

describe('a request that arrives slowly', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await RunningService.start({ env: { SAMVERKAN_REQUEST_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => service.stop());

  it('is cut off with 408 once the request timeout has passed, and writes nothing', async () => {
    const token = await service.token('polisen-malmo');
    const { port } = new URL(service.baseUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"subject":`,
        );
        // ...and then nothing more: the rest of the body never comes.
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      setTimeout(() => {
        socket.destroy();
        reject(new Error('the connection was still open after 8 s'));
      }, 8_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    const written = [];
    for await (const event of service.app.get<EventStore>(EVENT_STORE).readAll({})) written.push(event);
    expect(written).toEqual([]);
  }, 15_000);
});
