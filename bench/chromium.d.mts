// Types of bench/chromium.mjs, for the tests that import it (tests/harness/browser.ts).
import type { Browser } from 'puppeteer-core';

export declare const CHROMIUM: string;

export interface TestBrowser {
  browser: Browser;
  close: () => Promise<void>;
}

export declare function launchBrowser(): Promise<TestBrowser>;
