import { rmSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { apiOverHttp, planYear, recordYear } from '../../apps/coordinator/src/demo/demo-year';
import { eventually, RunningService } from '../support/running-service';
import { copyDataDir, editStore } from '../support/store-file';
import { accessibilityViolations, describeWithChromium, launchChromium, screenshotPath, signInAsDevOfficer, watchedPage } from './browser';
import { caseStream } from '@samverkan/sealing';

jest.setTimeout(180_000);

const SOCIAL = 'socialtjansten-malmo';
const POLICE = 'polisen-malmo';
const MIGRATION = 'migrationsverket-stockholm';
const PROSECUTOR = 'aklagare-internationella';
const COORDINATOR = 'lansstyrelsen-skane';

/**
 * The case page in a real browser, on a demo year and one case of a victim the social services of Malmö met:
 * psychological support, the Migration Agency and the police brought in, the police referring the case to the
 * prosecutor, who accepts. Each of police, social services, the Migration Agency, a coordinator and an auditor
 * sees what the API shows it, every event checked in the browser; the police replay the case with the slider;
 * an event edited in the store file is shown as failing verification.
 */
describeWithChromium('the case page in a browser', () => {
  let service: RunningService;
  let browser: Browser;
  let caseId: string;
  let supportRevision: number;
  const names = new Map<string, string>();

  beforeAll(async () => {
    service = await RunningService.start();
    await recordYear(
      planYear(2026, 0.2),
      apiOverHttp(service.baseUrl, (agencyId) => service.token(agencyId, 'demo-officer')),
    );
    const social = await service.as(SOCIAL, 'outreach-3');
    const police = await service.as(POLICE, 'officer-9');
    const ok = <T extends { status: number }>(reply: T) => {
      expect(reply.status).toBe(201);
      return reply;
    };
    caseId = ok(
      await social.post('/cases', {
        subject: { category: 'victim', ageGroup: 'adult', gender: 'female', originCountry: 'NG' },
        exploitation: 'sexual-exploitation',
      }),
    ).body.caseId;
    supportRevision = ok(await social.post(`/cases/${caseId}/support`, { kind: 'psychological', providedOn: '2026-03-02' })).body.revision;
    ok(await social.post(`/cases/${caseId}/team`, { agencyId: MIGRATION, reason: 'reflection period' }));
    ok(await social.post(`/cases/${caseId}/team`, { agencyId: POLICE, reason: 'the victim may report the crime' }));
    ok(await social.post(`/cases/${caseId}/team`, { agencyId: COORDINATOR, reason: 'a victim from outside the EU: the regional coordinator' }));
    ok(await police.post(`/cases/${caseId}/cooperation`, { status: 'willing' }));
    const { referralId } = ok(
      await police.post(`/cases/${caseId}/referrals`, { toAgency: PROSECUTOR, reason: 'a prosecutor to lead the investigation', urgency: 'urgent' }),
    ).body;
    ok(await (await service.as(PROSECUTOR)).post(`/cases/${caseId}/referrals/${referralId}/accept`, {}));
    // The page checks every event against a signed checkpoint: the ledger must have sealed the last one.
    await eventually(async () => ((await social.get(`/cases/${caseId}/audit-bundle`)).status === 200 ? true : undefined), 'the case sealed in the ledger');
    for (const agency of (await social.get('/agencies')).body as { id: string; name: { en: string } }[]) names.set(agency.id, agency.name.en);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  /** A fresh browser signed in as the agency's officer on the development sign-in page. */
  async function signedIn(agencyId: string, on = service): Promise<{ page: Page; problems: string[] }> {
    const watched = await watchedPage(browser);
    await signInAsDevOfficer(watched.page, on.baseUrl, agencyId, 'officer-1');
    return watched;
  }

  async function openCase(page: Page, id = caseId): Promise<void> {
    await page.click('a[href="/ui/case.html"]');
    await page.fill('#open-id', id);
    await page.click('#open-form button[type=submit]');
    await page.waitForURL(/case\.html\?id=/);
    // Done when the verification has said something, or the page shows the API's refusal.
    await page.locator('#verification:not(:empty), #error:not([hidden])').first().waitFor();
  }

  const rows = (page: Page) => page.locator('#timeline tbody tr');

  it.each([
    ['police', POLICE],
    ['social services', SOCIAL],
    ['the Migration Agency', MIGRATION],
    ['a coordinator', COORDINATOR],
    ['an auditor', 'internrevisionen'],
    ['social services not on the case', 'socialtjansten-lund'],
  ])('signed in as %s, shows the case as the API does, every event shown checked in the browser', async (_who, agencyId) => {
    const { page, problems } = await signedIn(agencyId);
    await openCase(page);
    const api = await service.as(agencyId);
    const timeline = await api.get(`/cases/${caseId}/timeline`);
    if (timeline.status === 200) {
      const events = timeline.body.events as { revision: number }[];
      expect(await rows(page).count()).toBe(events.length);
      expect(await page.locator('#timeline tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-revision'))))).toEqual(
        events.map((e) => e.revision),
      );
      const verification = (await page.textContent('#verification')) ?? '';
      expect(verification).toMatch(/ 0 failed/);
      expect(await page.locator('article.event .mark.verified, article.event .mark.proven-by-hash').count()).toBe(events.length);
    } else {
      // Refused by the API: refused on the page, with the API's reason.
      expect(await page.textContent('#error')).toContain(timeline.body.detail);
      expect(await rows(page).count()).toBe(0);
      // The browser reports the refusals themselves (the timeline's and the summary's); nothing else.
      problems.splice(0, problems.length, ...problems.filter((p) => !p.includes(`status of ${timeline.status}`)));
    }
    await page.screenshot({ path: screenshotPath(`case-${agencyId}`), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the Migration Agency no psychological support, which social services see', async () => {
    const migration = await signedIn(MIGRATION);
    await openCase(migration.page);
    expect(await rows(migration.page).count()).toBeGreaterThan(0);
    expect(await migration.page.textContent('main')).not.toMatch(/psycholog/i);
    const social = await signedIn(SOCIAL);
    await openCase(social.page);
    expect(await social.page.textContent('main')).toMatch(/psychological/);
    expect(await social.page.locator(`article.event[data-revision="${supportRevision}"] dd`, { hasText: 'psychological' }).count()).toBe(1);
    // Nor is it offered in the form to record support (the page text above includes the forms).
    const kinds = (agency: Page) => agency.locator('details[data-command="record-support"] select[name="kind"] option').allTextContents();
    expect(await kinds(migration.page)).toEqual(expect.arrayContaining(['financial aid', 'shelter']));
    expect(await kinds(social.page)).toContain('psychological');
  });

  /** Opens the form of a command on the page. */
  async function commandForm(page: Page, command: string) {
    const form = page.locator(`details[data-command="${command}"]`);
    await form.locator('summary').click();
    return form;
  }

  it("records from the case page's forms what the agency may record: the police record the victim's cooperation, shown at once", async () => {
    // A case of its own: the other tests' case stays as they expect it.
    const social = await service.as(SOCIAL);
    const own = (await social.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' }, exploitation: 'forced-labour' })).body.caseId;
    expect((await social.post(`/cases/${own}/team`, { agencyId: POLICE, reason: 'the victim may report the crime' })).status).toBe(201);
    const { page, problems } = await signedIn(POLICE);
    await openCase(page, own);
    // Social services' forms are not the police's: no psychological support, but cooperation.
    expect(await page.locator('details[data-command="record-cooperation"]').count()).toBe(1);
    const form = await commandForm(page, 'record-cooperation');
    await form.getByLabel('Status').selectOption({ label: 'statement given' });
    await form.locator('button[type=submit]').click();
    await page.locator('#command-status', { hasText: "Record the victim's cooperation: recorded" }).waitFor();
    const police = await service.as(POLICE);
    const events = (await police.get(`/cases/${own}/timeline`)).body.events as {
      revision: number;
      type: string;
      agency: string;
      actor: string;
      data: { status: string };
    }[];
    const last = events[events.length - 1];
    expect(last).toMatchObject({ type: 'VictimCooperationRecorded', agency: POLICE, actor: 'officer-1', data: { status: 'statement-given' } });
    await page.locator(`article.event[data-revision="${last.revision}"]`).waitFor();
    expect(await rows(page).count()).toBe(events.length);
    // Every form open, the page is still accessible.
    await page.locator('details.command').evaluateAll((forms) => forms.forEach((form) => form.setAttribute('open', '')));
    await page.screenshot({ path: screenshotPath('case-commands-police'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("shows the API's refusal of bad input beside the form, and records nothing", async () => {
    const { page, problems } = await signedIn(SOCIAL);
    await openCase(page);
    const social = await service.as(SOCIAL);
    const before = (await social.get(`/cases/${caseId}/timeline`)).body.revision;
    const form = await commandForm(page, 'record-support');
    await form.getByLabel('Kind').selectOption({ label: 'shelter' });
    // Support given in five years' time: the browser's date field takes it, the service does not.
    await form.getByLabel('Given on').fill(`${new Date().getUTCFullYear() + 5}-01-01`);
    await form.locator('button[type=submit]').click();
    const refusal = form.locator('.answer.refused');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^Not recorded: providedOn: providedOn must be a date as YYYY-MM-DD/);
    expect((await social.get(`/cases/${caseId}/timeline`)).body.revision).toBe(before);
    expect(await page.textContent('#command-status')).toBe('');
    // The browser reports the refused request itself; nothing else went wrong.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  });

  it('speaks Swedish when asked: the forms, the values of the lists and the fields of the events', async () => {
    const { page, problems } = await signedIn(SOCIAL);
    await openCase(page);
    await page.click('#bar button:has-text("På svenska")');
    await page.locator('#verification:not(:empty)').waitFor();
    const form = await commandForm(page, 'record-support');
    expect(await form.locator('summary').textContent()).toBe('Registrera givet stöd');
    expect(await form.locator('select[name="kind"] option').allTextContents()).toContain('psykologiskt stöd');
    const support = page.locator(`article.event[data-revision="${supportRevision}"]`);
    expect(await support.locator('h3').textContent()).toBe('Stöd givet');
    expect(await support.locator('dt').allTextContents()).toContain('Givet den');
    expect(await support.locator('dd').allTextContents()).toContain('psykologiskt stöd');
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('offers an auditor no forms, and says why', async () => {
    const { page } = await signedIn('internrevisionen');
    await openCase(page);
    expect(await page.textContent('#commands')).toBe('Auditors read the record; they record nothing on it.');
  });

  it('draws the referral as an arrow from the police lane to the prosecutor lane', async () => {
    const { page } = await signedIn(POLICE);
    await openCase(page);
    const referred = page.locator('#timeline td.arrow', { has: page.locator('article[data-type="CaseReferred"]') });
    expect(await referred.count()).toBe(1);
    const lanes = await page.locator('#timeline thead th').allTextContents();
    const [from, to] = [lanes.indexOf(names.get(POLICE)!), lanes.indexOf(names.get(PROSECUTOR)!)];
    expect(from).toBeGreaterThan(0);
    expect(to).toBeGreaterThan(0);
    expect(await referred.getAttribute('colspan')).toBe(String(Math.abs(to - from) + 1));
    expect(await referred.locator('.direction').textContent()).toBe(`${names.get(POLICE)} → ${names.get(PROSECUTOR)}`);
  });

  it('replays the case with the slider, each step showing the case as it stood', async () => {
    const { page, problems } = await signedIn(POLICE);
    await openCase(page);
    const police = await service.as(POLICE);
    const events = (await police.get(`/cases/${caseId}/timeline`)).body.events as { revision: number; type: string }[];
    const slider = page.locator('#slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await page.locator('#shown', { hasText: `revision ${events[0].revision} ` }).waitFor();
    expect(await rows(page).count()).toBe(1);
    expect(page.url()).toContain(`revision=${events[0].revision}`);
    // As it stood then the prosecutor was not on the team; the summary says so, as the API does.
    const then = (await police.get(`/cases/${caseId}?revision=${events[0].revision}`)).body as { team: { agencyId: string }[] };
    expect(then.team.map((m) => m.agencyId)).not.toContain(PROSECUTOR);
    expect(await page.locator('#summary').textContent()).not.toContain(names.get(PROSECUTOR));
    await page.keyboard.press('ArrowRight');
    await page.locator('#shown', { hasText: `revision ${events[1].revision} ` }).waitFor();
    expect(await rows(page).count()).toBe(2);
    await page.screenshot({ path: screenshotPath('case-replayed'), fullPage: true });
    // Reloaded, the page shows the same point of the replay.
    await page.reload();
    await page.locator('#shown', { hasText: `revision ${events[1].revision} ` }).waitFor();
    expect(await rows(page).count()).toBe(2);
    await page.click('#as-of-now');
    await page.locator('#shown', { hasText: 'as it stands now' }).waitFor();
    expect(await rows(page).count()).toBe(events.length);
    expect(await page.locator('#summary').textContent()).toContain(names.get(PROSECUTOR));
    expect(problems).toEqual([]);
  });

  it('marks an event edited in the store file as failing verification, and says so above the timeline', async () => {
    await service.stop({ keepData: true });
    const dataDir = copyDataDir(service.config.dataDir);
    rmSync(service.config.dataDir, { recursive: true, force: true });
    editStore(dataDir, (db) => {
      const changed = db
        .prepare(
          'UPDATE events SET envelope = replace(envelope, \'"providedOn":"2026-03-02"\', \'"providedOn":"2026-03-09"\') WHERE stream = ? AND revision = ?',
        )
        .run(caseStream(caseId), supportRevision);
      expect(changed.changes).toBe(1);
    });
    const tampered = await RunningService.start({ dataDir });
    try {
      const { page } = await signedIn(SOCIAL, tampered);
      await openCase(page);
      const card = page.locator(`article.event[data-revision="${supportRevision}"]`);
      expect(await card.locator('dd', { hasText: '2026-03-09' }).count()).toBe(1);
      expect(await card.locator('.mark.failed').textContent()).toMatch(/FAILED verification: .*it was changed/);
      expect(await page.textContent('#verification')).toMatch(/ 1 failed/);
      expect(await page.locator('article.event .mark.failed').count()).toBe(1);
      await page.screenshot({ path: screenshotPath('case-tampered'), fullPage: true });
    } finally {
      await tampered.stop();
      service = undefined as unknown as RunningService;
    }
  });
});
