// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, screenshot, signIn, type TestBrowser } from '../support/browser';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { decide } from '../support/veriff';

// The reviewer console in a real browser, on cases made the way test/e2e/review.test.ts makes
// them (Veriff's simulator answers `review` with a fraud-risk label, so approval takes four eyes):
// queue, case view, claim, the decision form, the second approval by another reviewer, and a
// refusal shown as the API words it.

const PASSWORD = 'correct horse battery';

async function startCase(system: TestSystem): Promise<string> {
  const customer = await createUser(system);
  const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
  assert.equal(started.status, 201, started.text);
  const recordId = started.json.id as string;
  await decide(system, recordId, { status: 'review', riskLabels: [{ label: 'document_integration_level_crosslinked_with_fraud', category: 'document' }] });
  return recordId;
}

function openTask(system: TestSystem, recordId: string, not?: string) {
  return eventually(
    async () => system.db.reviewTask.findFirst({ where: { kycRecordId: recordId, status: 'open', ...(not ? { id: { not } } : {}) } }),
    (task) => task !== null,
    20_000,
    `an open review task for ${recordId}`,
  ).then((task) => task!);
}

describe('reviewer console', () => {
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

  test('when a case waits unassigned, then a reviewer claims and approves it, another reviewer gives the second approval, and a lost race to claim is shown as refused', async () => {
    // No reviewer exists yet: the case waits in the unassigned queue.
    const recordId = await startCase(system);
    const firstTask = await openTask(system, recordId);
    assert.equal(firstTask.assigneeId, null);
    const first = await createUser(system, 'reviewer');

    const page = await browser.newPage();
    await signIn(page, system.apiUrl, first.username, PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/review', 'a reviewer lands on the queue');
    await page.getByText('Nothing is assigned to you.').waitFor();
    await page.getByRole('link', { name: 'Unassigned' }).click();
    const row = page.locator(`tr[data-task-id="${firstTask.id}"]`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Unassigned.*due in \d+ hours/);
    await screenshot(page, 'reviewer-1-queue-unassigned');

    await row.getByRole('link').click();
    await page.waitForURL(`${system.apiUrl}/review/cases/${recordId}`);
    await page.getByRole('button', { name: 'Claim this case' }).click();
    await page.getByText('You have claimed this case.').waitFor();
    // Submitted next to extracted, the risk reasons, the timeline.
    const firstName = page.locator('table.comparison tr', { hasText: 'First name' });
    assert.match((await firstName.textContent()) ?? '', /First name\s*John\s*John\s*Matches/);
    await page.getByText('Vendor review').waitFor();
    await page.locator('.timeline li', { hasText: 'Review assigned' }).first().waitFor();

    // Rejecting needs a reason code: said under the field, before anything is sent.
    const decisions = () => browser.requests.filter((url) => url.includes('/decision/')).length;
    await page.getByRole('radio', { name: 'Reject' }).check();
    await page.getByRole('button', { name: 'Submit decision' }).click();
    await page.locator('#f-reason_code-error', { hasText: 'A reason code is required to reject' }).waitFor();
    assert.equal(await page.locator('#f-reason_code').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator(':focus').getAttribute('id'), 'f-reason_code');
    assert.equal(decisions(), 0);

    // The first approval opens a second task, for someone else (four eyes).
    await page.getByRole('radio', { name: 'Approve' }).check();
    await page.getByRole('button', { name: 'Submit decision' }).click();
    await page.getByText('Your approval is recorded. A second reviewer must approve too').waitFor();
    await page.locator('[data-task] dd', { hasText: 'Second approval (four eyes)' }).waitFor();
    await page.getByText('You gave the first approval. A different reviewer must give the second one.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Claim this case' }).isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Submit decision' }).isVisible(), false);
    const secondTask = await openTask(system, recordId, firstTask.id);
    assert.equal(secondTask.assigneeId, null, 'no other reviewer existed: the second approval waits unassigned');
    await screenshot(page, 'reviewer-2-first-approval');

    // Two more reviewers; one claims through the API while the other has the case open.
    const second = await createUser(system, 'reviewer');
    const third = await createUser(system, 'reviewer');
    const secondPage = await browser.newPage();
    await signIn(secondPage, system.apiUrl, second.username, PASSWORD, `/review/cases/${recordId}`);
    const claim = secondPage.getByRole('button', { name: 'Claim this case' });
    await claim.waitFor();
    const taken = await api(system, 'POST', `/api/review/tasks/${secondTask.id}/claim/`, { token: third.token });
    assert.equal(taken.status, 200, taken.text);
    await claim.click();
    const refusal = secondPage.locator('[data-action-problem] [role="alert"]');
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /The case was not claimed: Not allowed for this role \(403\)This case is assigned to another reviewer; only a senior reviewer may take it over/);
    await secondPage.locator('.notice', { hasText: 'This case is assigned to another reviewer' }).waitFor();
    assert.equal(await claim.isVisible(), false, 'after the refusal the page shows the case as it now is');
    await screenshot(secondPage, 'reviewer-3-refused-claim');

    // The reviewer who took it gives the second approval from their queue.
    const thirdPage = await browser.newPage();
    await signIn(thirdPage, system.apiUrl, third.username, PASSWORD);
    await thirdPage.locator(`tr[data-task-id="${secondTask.id}"]`).getByRole('link').click();
    await thirdPage.getByRole('radio', { name: 'Approve' }).check();
    await thirdPage.getByRole('button', { name: 'Submit decision' }).click();
    await thirdPage.getByText('Approved. The verification goes on to the wallet upgrade.').waitFor();
    await thirdPage.getByText('No review task is open on this case.').waitFor();
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'approved', 20_000, 'the record approved');
    await thirdPage.reload();
    await thirdPage.locator('[data-summary] [data-status-code="approved"]').waitFor();
    await screenshot(thirdPage, 'reviewer-4-approved');

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
    for (const p of [page, secondPage, thirdPage]) await p.close();
  });

  test('when the assigned reviewer rejects with a reason code, then the case closes and leaves the queue', async () => {
    const recordId = await startCase(system);
    const task = await openTask(system, recordId);
    assert.ok(task.assigneeId, 'reviewers exist now: the case is assigned');
    const assignee = await system.db.user.findUniqueOrThrow({ where: { id: task.assigneeId } });

    const page = await browser.newPage();
    await signIn(page, system.apiUrl, assignee.username, PASSWORD);
    const row = page.locator(`tr[data-task-id="${task.id}"]`);
    await row.getByRole('link').click();
    await page.getByRole('radio', { name: 'Reject' }).check();
    await page.getByLabel(/^Reason code/).selectOption('document_invalid');
    await page.getByLabel(/^Notes/).fill('Photo of the document is cropped.');
    await page.getByRole('button', { name: 'Submit decision' }).click();
    await page.getByText('Rejected. The customer is told, without the internal reason.').waitFor();
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'rejected', 20_000, 'the record rejected');
    const decided = await system.db.reviewTask.findUniqueOrThrow({ where: { id: task.id } });
    assert.equal(decided.reasonCode, 'document_invalid');

    await page.goto(`${system.apiUrl}/review?view=mine`);
    await page.locator('[data-queue]').getByText(/Nothing is assigned to you\.|Case /).first().waitFor();
    assert.equal(await page.locator(`tr[data-task-id="${task.id}"]`).count(), 0);
    assertNoPageErrors(browser.errors);
    await page.close();
  });
});
