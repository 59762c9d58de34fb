import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { KEY_VAULT, KeyVault } from '@samverkan/vault';
import { AgencyKind } from '../apps/coordinator/src/agencies/agency';
import { AgencyRegistry } from '../apps/coordinator/src/agencies/agency-registry';
import { runRetention } from '../apps/coordinator/src/persons/retention.job';
import { AgencyClient, RunningService } from './support/running-service';

/**
 * The retention job against the running service's store: a record whose case closed is kept until its period
 * ends, then erased by the service itself on the basis `retention-period-ended`; a record with an open case is
 * kept; a dry run only reports. And the CLI, as an operator runs it.
 */
describe('the retention job', () => {
  let service: RunningService;
  let police: AgencyClient;
  let kindOf: (agencyId: string) => AgencyKind | undefined;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    service = await RunningService.start();
    police = await service.as('polisen-malmo');
    const registry = service.app.get(AgencyRegistry);
    kindOf = (id) => registry.get(id)?.kind;
    for (const name of ['closed', 'open', 'none']) {
      ids[name] = (await police.post('/persons', { category: 'victim', identity: { givenName: `Person ${name}` } })).body.personId;
    }
    for (const name of ['closed', 'open']) {
      ids[`${name}Case`] = (
        await police.post('/cases', { subject: { personId: ids[name], category: 'victim', ageGroup: 'adult' }, summary: `about ${name}` })
      ).body.caseId;
    }
    expect((await police.post(`/cases/${ids.closedCase}/close`, { outcome: 'support ended' })).status).toBe(201);
  });
  afterAll(() => service?.stop());

  const run = (years: number, dryRun: boolean) => {
    const now = new Date();
    now.setUTCFullYear(now.getUTCFullYear() + years);
    return runRetention(service.app.get<EventStore>(EVENT_STORE), service.app.get<KeyVault>(KEY_VAULT), kindOf, { now, dryRun });
  };

  it('erases nothing before the period has ended', async () => {
    const report = await run(4, false);
    expect(report.erased).toEqual([]);
    expect(report.considered).toBe(3);
  });

  it('reports what is due in a dry run, and changes nothing', async () => {
    const report = await run(6, true);
    expect(report.erased.map((e) => e.personId).sort()).toEqual([ids.closed, ids.none].sort());
    expect(report.erased[0]).toMatchObject({ responsibleAgency: 'polisen-malmo', rule: { years: 5 }, due: true });
    expect((await police.get(`/persons/${ids.closed}`)).body.status).toBe('recorded');
  });

  it('erases what is due, as the service itself, and keeps a record whose case is open', async () => {
    const report = await run(6, false);
    expect(report.erased.map((e) => e.personId).sort()).toEqual([ids.closed, ids.none].sort());
    const auditor = await service.as('internrevisionen');
    expect((await auditor.get(`/persons/${ids.closed}`)).body).toMatchObject({
      status: 'erased',
      erasure: { erasedBy: 'samverkan', basis: 'retention-period-ended' },
      identity: null,
    });
    expect((await police.get(`/cases/${ids.closedCase}`)).body.summary).toEqual({ erased: true });
    expect((await police.get(`/persons/${ids.open}`)).body).toMatchObject({ status: 'recorded', identity: { givenName: 'Person open' } });
    expect((await run(6, false)).erased).toEqual([]);
  });

  it('runs as `npm run retention`, in a dry run reporting as JSON', async () => {
    const result = spawnSync(
      process.execPath,
      [join(resolve(__dirname, '..'), 'scripts/run-ts.js'), 'apps/coordinator/src/persons/retention.cli.ts', '--dry-run', '--at', '2100-01-01'],
      {
        cwd: resolve(__dirname, '..'),
        env: { ...process.env, SAMVERKAN_DATA_DIR: service.config.dataDir },
        encoding: 'utf8',
      },
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ dryRun: true, at: '2100-01-01T00:00:00.000Z', erased: [] });
    expect(report.considered).toBe(1); // the record of the open case: still open, so kept
  });
});
