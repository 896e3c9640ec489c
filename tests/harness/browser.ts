// Headless Chromium for the live page's browser tests: the launch is shared with
// bench/web-latency.mjs (bench/chromium.mjs), so both run the page in the same browser setup.
export { CHROMIUM, launchBrowser, type TestBrowser } from '../../bench/chromium.mjs';
