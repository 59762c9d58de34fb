import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { describeWith } from '../../libs/eventstore/src/testing/describe-with';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH. Never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe` for suites that need a real browser: skipped without one, failing under REQUIRE_INFRA=1. */
export function describeWithChromium(name: string, body: () => void): void {
  describeWith(name, { missing: existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`, has: 'has Chromium' }, body);
}

/** Headless Chromium, without the background connections this machine's closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where the page tests leave their screenshots: test-artifacts/ui/ (kept by CI, ignored by git). */
export function screenshotPath(name: string): string {
  const dir = join(__dirname, '..', '..', 'test-artifacts', 'ui');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
