import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page, Response } from 'playwright-core';
import { checkAgainstContract, heldToContract } from '../support/api-contract';
import { describeWith } from '../../libs/eventstore/src/testing/describe-with';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH. Never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe` for suites that need a real browser: skipped without one, failing under REQUIRE_INFRA=1. */
export function describeWithChromium(name: string, body: () => void): void {
  describeWith(
    name,
    { missing: existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`, has: 'has Chromium' },
    body,
  );
}

/** Headless Chromium, without the background connections this machine's closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where the page tests leave their screenshots: test-artifacts/ui/ (kept by CI, ignored by git). */
export function screenshotPath(name: string): string {
  const dir = join(__dirname, '..', '..', 'test-artifacts', 'ui');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

/**
 * A page of a fresh browser whose console errors and uncaught errors (a script the policy refused) are
 * collected, and each answer the page gets from the service that the service's OpenAPI document does not
 * describe (api-contract.ts), as the tests' own requests are held to it.
 */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => void checkAnswer(response).catch((error: Error) => problems.push(error.message)));
  return { page, problems };
}

async function checkAnswer(response: Response): Promise<void> {
  const url = new URL(response.url());
  if (!heldToContract(url.origin)) return;
  const contentType = response.headers()['content-type'] ?? null;
  const json = (contentType?.includes('json') ?? false) && !contentType?.includes('ndjson');
  const text = json ? await response.text().catch(() => '') : '';
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  checkAgainstContract(url.origin, response.request().method(), url.pathname + url.search, response.status(), contentType, body);
}

/** What axe-core finds against WCAG 2.1 A and AA on the page as it stands: `rule (number of elements)`, none when it passes. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run({
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'],
    });
    return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
  });
}

/** Signs in on the development service's sign-in page as the agency's officer, and waits for the list of pages. */
export async function signInAsDevOfficer(page: Page, baseUrl: string, agencyId: string, officer?: string): Promise<void> {
  await page.goto(`${baseUrl}/ui/`);
  await page.selectOption('#agency', agencyId);
  if (officer !== undefined) await page.fill('#officer', officer);
  await page.click('#dev-form button[type=submit]');
  await page.waitForURL(/\/ui\/home\.html$/);
}
