import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Debian's chromium driven by playwright-core (scripts/ensure-chromium.sh installs it; the
// Playwright browser download cannot run here). Every browser starts with a fresh profile and
// records every request its pages make and every script error, so tests can check that nothing
// leaves 127.0.0.1 and that the Content-Security-Policy never had to block anything.

const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'screenshots');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  /** Every URL requested by any page of this browser, in order. */
  requests: string[];
  /** Uncaught exceptions, console errors (CSP violations are reported there) and failed requests. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'kyc-chromium-'));
  // launchPersistentContext is how playwright passes --user-data-dir: a fresh profile per browser.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  context.on('requestfailed', (request) => {
    // A page left while its polling request was in flight: not an error of the page.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  const watch = (page: Page) => {
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Chromium logs every 4xx answer; the API's refusals are part of the flows under test.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of 4')) errors.push(`console error: ${message.text()}`);
    });
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return {
    context,
    requests,
    errors,
    async newPage() {
      const existing = context.pages().find((p) => p.url() === 'about:blank');
      return existing ?? context.newPage();
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Every request went to 127.0.0.1 (our API and the Veriff simulator): nothing from a CDN. */
export function assertOnlyLocalRequests(requests: readonly string[]): void {
  assert.ok(requests.length > 0, 'no request was recorded');
  const elsewhere = requests.filter((url) => {
    // An object URL a page made from bytes it fetched (document images) names the page's origin.
    const { protocol, hostname } = new URL(url.startsWith('blob:') ? url.slice('blob:'.length) : url);
    return !((protocol === 'http:' || protocol === 'https:') && hostname === '127.0.0.1');
  });
  assert.deepEqual(elsewhere, [], 'requests left 127.0.0.1');
}

export function assertNoPageErrors(errors: readonly string[]): void {
  assert.deepEqual(errors, [], 'the pages reported errors');
}

/** Signs in through the sign-in page, as a person would, and waits for the page it leads to. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string, next?: string): Promise<void> {
  await page.goto(`${baseUrl}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
}
