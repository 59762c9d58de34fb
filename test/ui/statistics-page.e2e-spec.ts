import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Browser, Page } from 'playwright-core';
import { eventually, RunningService } from '../support/running-service';
import { accessibilityViolations, describeWithChromium, launchChromium, screenshotPath, signInAsDevOfficer, watchedPage } from './browser';

jest.setTimeout(120_000);

/**
 * The statistics page as a coordinator uses it, in a real browser: signed in on the development service, the
 * region's figures as charts with every number in a table beside them, the suppressed ones said to be suppressed,
 * in English and Swedish, and nothing an accessibility checker finds wrong.
 */
describeWithChromium('the statistics page in a browser', () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  const year = new Date().getUTCFullYear();
  let problems: string[];

  beforeAll(async () => {
    service = await RunningService.start();
    const police = await service.as('polisen-malmo');
    const open = (ageGroup: string) =>
      police.post('/cases', {
        subject: { category: 'victim', ageGroup, gender: 'female', originCountry: 'RO' },
        exploitation: 'sexual-exploitation',
        contact: 'outreach',
      });
    for (let i = 0; i < 8; i++) expect((await open('adult')).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await open('child')).status).toBe(201);
    for (let i = 0; i < 6; i++) expect((await open('unknown')).status).toBe(201);
    const mika = await service.as('mika-malmo');
    await eventually(
      async () => ((await mika.get(`/statistics?year=${year}`)).body.tables.individualsByGroup.total === 17 ? true : undefined),
      'the figures to hold the cases',
    );
    browser = await launchChromium();
    // A script the page's security policy refuses, or any error of the page's own, fails the test.
    ({ page, problems } = await watchedPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it("signs a coordinator in as the development service's officer and shows the region's figures, the suppressed ones as suppressed", async () => {
    await signInAsDevOfficer(page, service.baseUrl, 'mika-malmo', 'mika');
    expect(await page.locator('#bar p').textContent()).toBe('Signed in as mika, Mika, City of Malmö (regional anti-trafficking coordinator)');
    await page.click('a[href="/ui/statistics.html"]');
    await page.selectOption('#region', 'skane');
    await page.click('#query button[type=submit]');
    await page.waitForURL(/region=skane/);
    await page.locator('#individualsByGroup table').waitFor();
    const cell = (table: string, row: string, column: number) =>
      page
        .locator(`#${table} tbody tr`, { has: page.locator(`th:text-is("${row}")`) })
        .locator('td')
        .nth(column)
        .textContent();
    expect(await cell('individualsByGroup', 'victim', 1)).toBe('8');
    expect(await cell('individualsByGroup', 'victim', 0)).toBe('suppressed');
    expect(await page.locator('#individualsByGroup canvas[role=img]').count()).toBe(1);
    // What the page shows is what the API answers that agency, number for number.
    const api = (await (await service.as('mika-malmo')).get(`/statistics?year=${year}&region=skane`)).body;
    const shown = await page.locator('#victimsByAgeAndGender tbody td').allTextContents();
    const t = api.tables.victimsByAgeAndGender;
    const expected = [...t.rows.flatMap((_: string, r: number) => [...t.cells[r], t.rowTotals[r]]), ...t.columnTotals, t.total].map(String);
    expect(shown).toEqual(expected);
    await page.screenshot({ path: screenshotPath('statistics'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('speaks Swedish when asked', async () => {
    await page.click('#bar button:text-is("På svenska")');
    await page.locator('h1:text-is("Årets siffror")').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('sv');
    await page.locator('#individualsByGroup table').waitFor();
    expect(await page.locator('#individualsByGroup td.suppressed').first().textContent()).toBe('dold');
  });

  it('passes an accessibility check (axe-core, WCAG 2.1 AA) on the sign-in page and the statistics page', async () => {
    for (const path of ['/ui/', `/ui/statistics.html?year=${year}&region=skane`]) {
      await page.goto(`${service.baseUrl}${path}`);
      await page.locator(path === '/ui/' ? '#token-form' : '#individualsByGroup table').waitFor();
      const violations = await accessibilityViolations(page);
      expect({ path, violations }).toEqual({ path, violations: [] });
    }
  });
});

describe('development sign-in', () => {
  it('is not there where development keys are off', async () => {
    // Without development keys the service makes no key of its own: the ledger's and the master key are given.
    const ledgerKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const service = await RunningService.start({
      env: { SAMVERKAN_DEV_KEYS: 'false', SAMVERKAN_MASTER_KEY: randomBytes(32).toString('base64'), SAMVERKAN_LEDGER_KEY: ledgerKey },
    });
    try {
      expect((await service.request('GET', '/dev/sign-in')).status).toBe(404);
      expect((await service.request('POST', '/dev/sign-in', { body: { agencyId: 'polisen-malmo', actorId: 'x' } })).status).toBe(404);
    } finally {
      await service.stop();
    }
  });

  it('signs a token an agency is then known by, and refuses an agency not listed', async () => {
    const service = await RunningService.start();
    try {
      const reply = await service.request('POST', '/dev/sign-in', { body: { agencyId: 'migrationsverket-stockholm', actorId: 'handlaggare-7' } });
      expect(reply.status).toBe(200);
      expect((await service.request('GET', '/agencies/me', { token: reply.body.token })).body).toMatchObject({
        id: 'migrationsverket-stockholm',
        actorId: 'handlaggare-7',
      });
      expect((await service.request('POST', '/dev/sign-in', { body: { agencyId: 'atlantis-polis', actorId: 'x' } })).body).toMatchObject({
        status: 404,
        rule: 'unknown-agency',
      });
      expect((await service.request('POST', '/dev/sign-in', { body: { agencyId: 'migrationsverket-stockholm', actorId: 'x y' } })).status).toBe(400);
      // Through a proxy on this machine every client would look local: a forwarded request is refused.
      const proxied = await service.request('POST', '/dev/sign-in', {
        body: { agencyId: 'polisen-malmo', actorId: 'x' },
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      expect(proxied.body).toMatchObject({ status: 403, rule: 'dev-sign-in-from-afar' });
    } finally {
      await service.stop();
    }
  });
});
