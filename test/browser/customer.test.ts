// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import { validateKycApplication } from '../../domain/kyc-application';
import { KYC_FORM_FIELDS } from '../../web/kyc-form-fields';
import { WEB_CSP } from '../../web/router';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, screenshot, signIn, type TestBrowser } from '../support/browser';
import { applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';

// The customer's pages in a real browser: sign in, the start form (client rules, then the
// server's field errors), the Veriff simulator's hosted page, back to the status page; and the
// Retry button after a resubmission request.

const PASSWORD = 'correct horse battery';

const fieldError = (page: Page, field: string) => page.locator(`#f-${field}-error`);

async function formValues(page: Page): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const field of KYC_FORM_FIELDS) values[field.name] = await page.locator(`[name="${field.name}"]`).inputValue();
  return values;
}

async function fillApplication(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) {
    const control = page.locator(`[name="${name}"]`);
    if ((await control.evaluate((node) => node.tagName)) === 'SELECT') await control.selectOption(value);
    else await control.fill(value);
  }
}

const focusedId = (page: Page) => page.locator(':focus').getAttribute('id');

describe('customer pages', () => {
  let system: TestSystem;
  let browser: TestBrowser;

  before(async () => {
    system = await startTestSystem();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('when a customer fills the form wrongly, then rightly, then the browser goes through Veriff and back to the status page showing the result', async () => {
    const customer = await createUser(system);
    const page = await browser.newPage();

    const first = await page.goto(`${system.apiUrl}/kyc/start`);
    assert.equal(first?.headers()['content-security-policy'], WEB_CSP);
    await page.waitForURL(/\/login\?next=%2Fkyc%2Fstart$/);
    await signIn(page, system.apiUrl, customer.username, PASSWORD, '/kyc/start');
    assert.equal(new URL(page.url()).pathname, '/kyc/start');
    await assert.doesNotReject(page.getByText(`Signed in as ${customer.username}`).waitFor());

    // 1. The browser's own checks: nothing is sent, each message sits under its field.
    await fillApplication(page, { first_name: '', last_name: 'D0e', date_of_birth: '', document_number: 'AB', address_line_1: '12', city: '', postal_code: '!!' });
    const startRequests = () => browser.requests.filter((url) => url.includes('/start_verification/')).length;
    await page.getByRole('button', { name: 'Start verification' }).click();
    await fieldError(page, 'first_name').waitFor();
    assert.equal(startRequests(), 0, 'an invalid form is not sent');
    const expected: Record<string, string> = {
      first_name: 'Required',
      last_name: 'May contain only letters, spaces, hyphens, apostrophes and periods, with at least one letter',
      date_of_birth: 'Required',
      document_number: 'Must be at least 5 characters',
      address_line_1: 'Must be at least 3 characters',
      city: 'Required',
      postal_code: 'May contain only letters, digits, spaces and hyphens',
    };
    for (const [field, message] of Object.entries(expected)) {
      assert.equal(await fieldError(page, field).textContent(), message, field);
      const control = page.locator(`#f-${field}`);
      assert.equal(await control.getAttribute('aria-invalid'), 'true', field);
      assert.match((await control.getAttribute('aria-describedby')) ?? '', new RegExp(`\\bf-${field}-error\\b`), field);
    }
    assert.equal(await page.locator('[aria-invalid="true"]').count(), Object.keys(expected).length);
    assert.equal(await focusedId(page), 'f-first_name', 'focus moves to the first invalid field');
    assert.equal(await page.locator('[data-error-summary] li').count(), Object.keys(expected).length);
    // Same words as the server: every message the browser shows is one the API would answer with.
    const server = validateKycApplication(await formValues(page), new Date());
    assert.equal(server.ok, false);
    for (const [field, message] of Object.entries(expected)) {
      const serverMessages = server.ok ? [] : server.errors.filter((e) => e.field === field).map((e) => e.message);
      assert.ok(serverMessages.includes(message), `${field}: the browser says "${message}", the server says ${JSON.stringify(serverMessages)}`);
    }
    await screenshot(page, 'customer-1-client-errors');

    // 2. Passes the browser's checks, refused by the server's rules: under 18 and a Botswana
    // passport number in the wrong format. The server's words appear under the fields.
    const tenYearsAgo = `${new Date().getUTCFullYear() - 10}-06-15`;
    const valid = applicant();
    await fillApplication(page, { ...valid, date_of_birth: tenYearsAgo, document_number: 'X1234567' });
    await page.getByRole('button', { name: 'Start verification' }).click();
    await fieldError(page, 'date_of_birth').filter({ hasText: 'Applicant must be at least 18 years old' }).waitFor();
    assert.equal(startRequests(), 1);
    assert.equal(await fieldError(page, 'date_of_birth').textContent(), 'Applicant must be at least 18 years old');
    assert.match((await fieldError(page, 'document_number').textContent()) ?? '', /^Does not match the BW passport number format/);
    assert.equal(await page.locator('[aria-invalid="true"]').count(), 2, 'the fields fixed since the first submit are no longer marked');
    assert.equal(await focusedId(page), 'f-date_of_birth');
    assert.equal(await system.db.kycRecord.count({ where: { userId: customer.id } }), 0);
    await screenshot(page, 'customer-2-server-errors');

    // 3. A valid application, submitted from the keyboard: on to Veriff's hosted page.
    await fillApplication(page, { date_of_birth: valid.date_of_birth, document_number: valid.document_number });
    await page.locator('#f-postal_code').focus();
    await Promise.all([page.waitForURL((url) => url.origin === system.simulator.url), page.keyboard.press('Enter')]);
    await page.getByRole('heading', { name: 'Verify your identity' }).waitFor();
    const record = await system.db.kycRecord.findFirstOrThrow({ where: { userId: customer.id } });
    await screenshot(page, 'customer-3-veriff-simulator');

    // 4. The person chooses the outcome; Veriff sends the browser back to our status page.
    await Promise.all([page.waitForURL(`${system.apiUrl}/kyc/records/${record.id}`), page.getByRole('button', { name: 'Approve' }).click()]);
    await page.locator('[data-status-code="approved"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-status-code]').textContent(), 'Verified');
    assert.equal(await page.locator('[data-reason]').textContent(), 'Your identity is verified.');
    assert.ok(await page.locator('[data-next-action]').textContent());
    assert.equal(await page.getByRole('button', { name: 'Retry verification' }).isVisible(), false);
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: record.id } })).status, 'approved');
    await screenshot(page, 'customer-4-status-approved');

    // The customer's home page shows the same verification and the upgraded wallet.
    await page.getByRole('navigation').getByRole('link', { name: 'My verification' }).click();
    await page.locator('[data-latest] [data-status-code="approved"]').waitFor();
    await page.getByText('50,000.00').waitFor();
    await screenshot(page, 'customer-5-home');

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
    await page.close();
  });

  test('when Veriff asks for a resubmission, then the status page offers Retry, which opens a new session', async () => {
    const customer = await createUser(system);
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, customer.username, PASSWORD, '/kyc/start');
    await fillApplication(page, applicant());
    await Promise.all([page.waitForURL((url) => url.origin === system.simulator.url), page.getByRole('button', { name: 'Start verification' }).click()]);
    const firstSession = page.url();
    const record = await system.db.kycRecord.findFirstOrThrow({ where: { userId: customer.id } });

    await Promise.all([page.waitForURL(`${system.apiUrl}/kyc/records/${record.id}`), page.getByRole('button', { name: 'Request resubmission' }).click()]);
    const retry = page.getByRole('button', { name: 'Retry verification' });
    await retry.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-status-code]').textContent(), 'Resubmission required');
    await screenshot(page, 'customer-6-status-resubmission');

    await Promise.all([page.waitForURL((url) => url.origin === system.simulator.url && url.href !== firstSession), retry.click()]);
    await Promise.all([page.waitForURL(`${system.apiUrl}/kyc/records/${record.id}`), page.getByRole('button', { name: 'Approve' }).click()]);
    await page.locator('[data-status-code="approved"]').waitFor({ timeout: 30_000 });
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: record.id } }), (r) => r.status === 'approved' && r.attempt === 2, 10_000, 'the second attempt approved');

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
    await page.close();
  });

  test('when nobody is signed in or the address names no record, then the pages say so', async () => {
    const page = await browser.newPage();
    const missing = await page.goto(`${system.apiUrl}/kyc/records/not-a-record`);
    assert.equal(missing?.status(), 404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();

    const customer = await createUser(system);
    // A next= that leaves the site is ignored: the customer lands on their own page.
    await signIn(page, system.apiUrl, customer.username, PASSWORD, '/\t/example.org/phish');
    assert.equal(new URL(page.url()).origin, system.apiUrl);
    assert.equal(new URL(page.url()).pathname, '/kyc');
    await page.goto(`${system.apiUrl}/kyc/records/00000000-0000-4000-8000-000000000000`);
    await page.getByText('The status could not be loaded: Not found (404)').waitFor();

    await page.goto(`${system.apiUrl}/login`);
    await page.getByLabel('Username').fill(customer.username);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong username or password (401)').waitFor();
    assert.equal(await focusedId(page), 'f-password');
    await screenshot(page, 'customer-0-sign-in-refused');
    assertNoPageErrors(browser.errors);
    await page.close();
  });
});
