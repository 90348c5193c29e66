// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, screenshot, signIn, type TestBrowser } from '../support/browser';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { decide } from '../support/veriff';

// The privacy page in a real browser: a customer reads everything held about them and asks for
// erasure (and is told what goes now and what is kept until when); the auditor then produces the
// export of that customer with a reason and reads the kept record.

const PASSWORD = 'correct horse battery';

describe('the privacy page', () => {
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

  test('when a customer opens /privacy, then they read their data in words, can download it, and erasing shows what goes now and what is kept; the auditor reads the kept record with a reason', async () => {
    const customer = await createUser(system);
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant({ first_name: 'Philippa', last_name: 'Quenneville' }) });
    assert.equal(started.status, 201, started.text);
    await decide(system, started.json.id as string, { status: 'approved' });
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: started.json.id as string } }), (r) => r.status === 'approved', 30_000, 'approved');

    const page = await browser.newPage();
    await signIn(page, system.apiUrl, customer.username, PASSWORD, '/privacy');
    assert.equal(new URL(page.url()).pathname, '/privacy');
    await page.getByText('Quenneville').first().waitFor();
    assert.ok(await page.getByText('KYC_CREATED').first().isVisible(), 'the events are listed');
    assert.ok(await page.getByRole('link', { name: 'Download as JSON' }).isVisible());
    await screenshot(page, 'privacy-customer');

    await page.getByLabel('I understand that this closes my account and cannot be undone').check();
    await page.getByRole('button', { name: 'Erase my data' }).click();
    await page.getByText('Your request is filed').waitFor();
    assert.ok(await page.getByText('Kept, locked away, until').isVisible(), 'the approved record is kept');
    await screenshot(page, 'privacy-erasure-filed');
    const request = await eventually(() => system.db.erasureRequest.findFirst({ where: { userId: customer.id } }), (r) => r?.status === 'completed' || r?.status === 'erased', 120_000, 'the erasure');
    assert.equal(request!.basis, 'customer_request');

    const auditor = await createUser(system, 'auditor');
    await page.goto(`${system.apiUrl}/login`);
    await signIn(page, system.apiUrl, auditor.username, PASSWORD, '/privacy');
    await page.getByLabel('Customer id').fill(customer.id);
    await page.getByLabel('Reason (a case or request number)').fill('audit 2026-11');
    await page.getByRole('button', { name: 'Export' }).click();
    await page.getByText('Quenneville').first().waitFor();
    assert.ok(await page.getByText('Kept until').first().isVisible());
    await screenshot(page, 'privacy-auditor');
    const read = await system.db.privacyAuditEvent.findFirstOrThrow({ where: { subjectId: customer.id, action: 'restricted_read' } });
    assert.equal(read.reason, 'audit 2026-11');

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
  });
});
