import { Browser, Page } from 'playwright-core';
import { eventually, RunningService } from '../support/running-service';
import { accessibilityViolations, describeWithChromium, launchChromium, screenshotPath, signInAsDevOfficer, watchedPage } from './browser';

jest.setTimeout(120_000);

/**
 * The worklist page as the social services of Malmö use it, in a real browser: the referrals the service made of
 * two children the police met, one accepted and one declined with a reason, and the record saying so.
 */
describeWithChromium('the worklist page in a browser', () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  const caseIds: string[] = [];
  const referralIds: string[] = [];
  let problems: string[];

  beforeAll(async () => {
    service = await RunningService.start();
    const police = await service.as('polisen-malmo');
    for (let i = 0; i < 2; i++) {
      const reply = await police.post('/cases', {
        subject: { category: 'victim', ageGroup: 'child', gender: 'female', originRegion: 'baltic' },
        exploitation: 'sexual-exploitation',
      });
      expect(reply.status).toBe(201);
      caseIds.push(reply.body.caseId);
    }
    const social = await service.as('socialtjansten-malmo');
    await eventually(async () => {
      const awaiting = (await social.get('/agencies/me/worklist')).body.referralsAwaitingAnswer as { caseId: string; referralId: string }[];
      const found = caseIds.map((id) => awaiting.find((r) => r.caseId === id)?.referralId);
      if (found.some((id) => id === undefined)) return undefined;
      referralIds.push(...(found as string[]));
      return true;
    }, 'both referrals on the worklist');
    browser = await launchChromium();
    ({ page, problems } = await watchedPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  const row = (n: number) => page.locator(`#awaiting tbody tr[data-referral="${referralIds[n]}"]`);

  it('shows the referrals awaiting an answer, and takes an acceptance and a refusal with its reason', async () => {
    await signInAsDevOfficer(page, service.baseUrl, 'socialtjansten-malmo');
    await page.click('a[href="/ui/worklist.html"]');
    await row(0).waitFor();
    expect(await row(1).count()).toBe(1);
    expect(await row(0).locator('td').nth(3).textContent()).toBe('victim, child');
    await page.screenshot({ path: screenshotPath('worklist'), fullPage: true });

    await row(0).locator('button:text-is("Accept")').click();
    await page.locator('#status', { hasText: caseIds[0] }).waitFor();
    await row(0).waitFor({ state: 'detached' });
    await row(1).locator('input[name=reason]').fill('the family has moved to Lund');
    await row(1).locator('button:text-is("Decline")').click();
    await row(1).waitFor({ state: 'detached' });
    // A child's case never loses social services in silence: declined, it is referred again at once.
    await eventually(async () => {
      await page.reload();
      await page.locator('#cases table').waitFor();
      return (await page.locator('#awaiting tbody tr', { has: page.locator(`td > a:text-is("${caseIds[1]}")`) }).count()) === 1 || undefined;
    }, 'the case referred again on the page');

    const social = await service.as('socialtjansten-malmo');
    const types = async (caseId: string) => (await social.get(`/cases/${caseId}/timeline`)).body.events as { type: string; data: { reason?: string } }[];
    expect((await types(caseIds[0])).map((e) => e.type)).toContain('ReferralAccepted');
    const declined = (await types(caseIds[1])).find((e) => e.type === 'ReferralDeclined');
    expect(declined?.data.reason).toBe('the family has moved to Lund');
    expect(problems).toEqual([]);
  });

  it('passes an accessibility check (axe-core, WCAG 2.1 AA)', async () => {
    await page.goto(`${service.baseUrl}/ui/worklist.html`);
    await page.locator('#cases table').waitFor();
    const violations = await accessibilityViolations(page);
    expect(violations).toEqual([]);
  });
});
