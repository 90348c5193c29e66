// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, screenshot, signIn, type TestBrowser } from '../support/browser';
import { api, createUser, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// The staff accounts page in a real browser: an admin creates an account, changes it and sees the
// trail; refusals are shown as the API words them; the auditor reads without forms.

const PASSWORD = 'correct horse battery';

describe('staff accounts page', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let admin: TestUser;

  before(async () => {
    system = await startTestSystem({}, { worker: false });
    browser = await launchBrowser();
    admin = await createUser(system, 'admin');
  });
  after(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('when an admin creates a reviewer and deactivates them, then the table and the trail show it with the reasons, and the person cannot sign in', async () => {
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, admin.username, PASSWORD, '/admin/users');
    assert.equal(new URL(page.url()).pathname, '/admin/users');
    await page.locator(`[data-user-row="${admin.username}"]`).waitFor();
    assert.equal(await page.locator(`[data-user-row="${admin.username}"]`).getByText('Your account').count(), 1, 'no change button on your own account');

    const username = `jane-${randomUUID().slice(0, 6)}`;
    const create = page.locator('[data-create-form]');
    await create.getByLabel('Username').fill(username);
    await create.getByLabel('First password').fill('a long first password');
    await create.getByLabel('Role').selectOption('reviewer');
    await create.getByRole('button', { name: 'Create account' }).click();
    // The browser's own check, with the API's words, before anything is sent.
    assert.equal(await create.locator('#create-reason-error').textContent(), 'A reason is required');
    assert.equal(await create.getByLabel('Reason').getAttribute('aria-invalid'), 'true');

    await create.getByLabel('Reason').fill('joins the review team (OPS-7)');
    await create.getByRole('button', { name: 'Create account' }).click();
    await page.locator('[data-outcome]').getByText(`Created: ${username} (reviewer).`).waitFor();
    const row = page.locator(`[data-user-row="${username}"]`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /reviewer.*Active/);
    const created = page.locator('[data-changes] tr[data-change="created"]').filter({ hasText: username });
    await created.waitFor();
    assert.match((await created.textContent()) ?? '', new RegExp(`Created as reviewer.*joins the review team \\(OPS-7\\).*${admin.username}`));

    await row.getByRole('button', { name: `Change ${username}` }).click();
    const change = page.locator('[data-change-form]');
    await change.waitFor();
    assert.match((await page.locator('[data-change-target]').textContent()) ?? '', new RegExp(`Changing ${username} \\(reviewer, active\\)`));
    await change.getByLabel('Deactivated').check();
    await change.getByLabel('Reason').fill('left the company');
    await change.getByRole('button', { name: 'Save change' }).click();
    await page.locator('[data-outcome]').getByText(`Saved: ${username} is reviewer, deactivated.`).waitFor();
    await row.getByText('Deactivated').waitFor();
    await page.locator('[data-changes] tr[data-change="deactivated"]').filter({ hasText: 'left the company' }).waitFor();
    assert.equal((await api(system, 'POST', '/api/auth/login/', { body: { username, password: 'a long first password' } })).status, 401);
    await screenshot(page, 'admin-users');

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
  });

  test('when the API refuses a change, then the page shows its words: a taken username, a change to nothing', async () => {
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, admin.username, PASSWORD, '/admin/users');
    const create = page.locator('[data-create-form]');
    await create.getByLabel('Username').fill(admin.username);
    await create.getByLabel('First password').fill('a long first password');
    await create.getByLabel('Reason').fill('duplicate on purpose');
    await create.getByRole('button', { name: 'Create account' }).click();
    await create.locator('[data-form-problem]').getByText('That username or email is already registered').waitFor();
    assert.match((await create.locator('[data-form-problem]').textContent()) ?? '', /The account was not created: The request conflicts with the current state \(409\)/);

    const other = await createUser(system, 'auditor');
    await page.reload();
    await page.locator(`[data-user-row="${other.username}"]`).getByRole('button', { name: `Change ${other.username}` }).click();
    const change = page.locator('[data-change-form]');
    await change.getByLabel('Reason').fill('nothing really');
    await change.getByRole('button', { name: 'Save change' }).click();
    assert.equal(await change.locator('#change-role-error').textContent(), 'Choose a new role or status: nothing would change');
    assertNoPageErrors(browser.errors);
  });

  test('when the auditor opens the page, then accounts and changes are listed and no form is offered', async () => {
    const auditor = await createUser(system, 'auditor');
    const context = await launchBrowser();
    try {
      const page = await context.newPage();
      await signIn(page, system.apiUrl, auditor.username, PASSWORD, '/admin/users');
      await page.locator(`[data-user-row="${auditor.username}"]`).waitFor();
      await page.locator('[data-changes] tr[data-change="created"]').first().waitFor();
      assert.equal(await page.locator('[data-create-form]').isVisible(), false);
      assert.equal(await page.locator('[data-change-form]').isVisible(), false);
      assert.equal(await page.getByRole('button', { name: /^Change / }).count(), 0);
      assertNoPageErrors(context.errors);
    } finally {
      await context.close();
    }
  });
});
