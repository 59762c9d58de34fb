import { Browser } from 'playwright-core';
import { RunningService } from '../support/running-service';
import { accessibilityViolations, describeWithChromium, launchChromium, screenshotPath, signInAsDevOfficer, watchedPage } from './browser';

jest.setTimeout(120_000);

/**
 * The way in: the sign-in page of a development service and the list of pages each kind of agency is shown,
 * in both languages, each checked with axe-core like every other page.
 */
describeWithChromium('the sign-in page and the list of pages in a browser', () => {
  let service: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    service = await RunningService.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('passes the accessibility check before signing in, in English and in Swedish', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${service.baseUrl}/ui/`);
    await page.locator('#agency option').nth(1).waitFor({ state: 'attached' });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('sign-in'), fullPage: true });
    // As the language button does (tests compile without the DOM's types: the script is a string).
    await page.evaluate("localStorage.setItem('samverkan.language', 'sv')");
    await page.reload();
    await page.locator('#agency option').nth(1).waitFor({ state: 'attached' });
    expect(await page.getAttribute('html', 'lang')).toBe('sv');
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it.each([
    ['police', 'polisen-malmo', ['Worklist', 'Open a case']],
    ['a coordinator', 'lansstyrelsen-skane', ['Worklist', 'Open a case', "The year's figures"]],
    ['an auditor', 'internrevisionen', ['Open a case', 'Audit', "The year's figures"]],
  ])('lists the pages for %s, and passes the accessibility check', async (_who, agencyId, pages) => {
    const { page, problems } = await watchedPage(browser);
    await signInAsDevOfficer(page, service.baseUrl, agencyId);
    // The home page lists the pages once it has asked who is signed in, all in one go ('Open a case' is for everyone).
    await page.locator('#pages a').first().waitFor();
    expect(await page.locator('#pages a').allTextContents()).toEqual(pages);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath(`home-${agencyId}`), fullPage: true });
    expect(problems).toEqual([]);
  });
});
