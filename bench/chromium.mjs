// Headless Chromium (the Debian `chromium` package, scripts/setup.sh) driven by puppeteer-core,
// with a fresh profile that is removed on close: what the live page's browser tests
// (tests/harness/browser.ts) and bench/web-latency.mjs run in. Plain .mjs so both can load it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.ROSHI_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'roshi-chromium-'));
  const browser = await puppeteer
    .launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
      ],
    })
    .catch((error) => {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
