import { readFileSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { eventually, RunningService } from '../support/running-service';
import { accessibilityViolations, describeWithChromium, launchChromium, screenshotPath, signInAsDevOfficer, watchedPage } from './browser';

jest.setTimeout(120_000);

/**
 * The audit page as an auditor (internrevisionen) uses it, in a real browser: the signed checkpoints, two of them
 * proven consistent, an event proven included, the export downloaded, and the access log of a case.
 */
describeWithChromium('the audit page in a browser', () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let caseId: string;
  let eventId: string;
  const sizes: number[] = [];

  beforeAll(async () => {
    service = await RunningService.start();
    const police = await service.as('polisen-malmo');
    const sign = async () => {
      const reply = await fetch(`${service.baseUrl}/ledger/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${police.token}` } });
      expect(reply.status).toBe(200);
      sizes.push(Number((await reply.text()).split('\n')[1]));
    };
    caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult', gender: 'female' }, exploitation: 'forced-labour' })).body.caseId;
    await eventually(async () => ((await police.get(`/cases/${caseId}/audit-bundle`)).status === 200 ? true : undefined), 'the case sealed');
    await sign();
    expect((await police.post(`/cases/${caseId}/cooperation`, { status: 'willing' })).status).toBe(201);
    const timeline = (await police.get(`/cases/${caseId}/timeline`)).body.events as { id: string }[];
    eventId = timeline[timeline.length - 1].id;
    await eventually(
      async () => ((await police.get(`/cases/${caseId}/audit-bundle`)).body.events?.length === timeline.length ? true : undefined),
      'the cooperation sealed',
    );
    await sign();
    expect(sizes[1]).toBeGreaterThan(sizes[0]);
    browser = await launchChromium();
    ({ page, problems } = await watchedPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('proves two checkpoints consistent and an event included, in the browser, and downloads the export', async () => {
    await signInAsDevOfficer(page, service.baseUrl, 'internrevisionen');
    await page.click('a[href="/ui/audit.html"]');
    await page.locator('#checkpoints table').waitFor();
    const listed = (await page.locator('#checkpoints tbody tr td:first-child').allTextContents()).map(Number);
    expect(listed).toEqual(expect.arrayContaining(sizes));

    await page.selectOption('#older', String(sizes[0]));
    await page.selectOption('#newer', String(sizes[1]));
    await page.click('#consistency-form button[type=submit]');
    await page.locator('#consistency.verified').waitFor();
    expect(await page.textContent('#consistency')).toContain(`of ${sizes[1]} events extends the one of ${sizes[0]}`);

    await page.fill('#event-id', eventId);
    await page.click('#inclusion-form button[type=submit]');
    await page.locator('#inclusion.verified').waitFor();
    expect(await page.textContent('#inclusion')).toContain(`Event ${eventId}`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-button')]);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(sizes[1]);
    expect(JSON.parse(lines[0]).index).toBe(0);

    await page.fill('#access-case', caseId);
    await page.click('#access-form button[type=submit]');
    await page.locator('#access table').waitFor();
    expect(await page.locator('#access tbody tr', { hasText: 'polisen-malmo' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('audit'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('says so when an event is not in the ledger, and proves nothing', async () => {
    await page.fill('#event-id', '01a24938-0000-7000-8000-000000000000');
    await page.click('#inclusion-form button[type=submit]');
    await page.locator('#inclusion.failed').waitFor();
    expect(await page.textContent('#inclusion')).toContain('is not in the ledger');
  });
});
