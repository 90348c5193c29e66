// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { raiseAlerts } from '../../store/alerts';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, screenshot, signIn, type TestBrowser } from '../support/browser';
import { insertRecord, minutesAgo } from '../support/ops';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// The admin dashboard in a real browser over real data: verifications run through the API and
// the simulator today, older ones written with past dates (the statistics group by day), a stuck
// one, and two alerts. The charts must show what the statistics endpoints answer.

const PASSWORD = 'correct horse battery';
const GB = { nationality: 'GB', country: 'GB', postal_code: 'SW1A 1AA', city: 'London', state_province: 'England' };

interface DailyRow {
  date: string;
  total: number;
  approved: number;
  rejected: number;
  pending: number;
}

async function verify(system: TestSystem, body: Record<string, unknown>, decision: { status: string; reasonCode?: number }, until: string): Promise<{ customer: TestUser; recordId: string }> {
  const customer = await createUser(system);
  const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant(body) });
  assert.equal(started.status, 201, started.text);
  const recordId = started.json.id as string;
  await decide(system, recordId, decision);
  await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === until, 20_000, `record ${recordId} ${until}`);
  return { customer, recordId };
}

describe('admin dashboard', () => {
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

  test('when an admin opens the dashboard, then the charts, alerts and workflow links show the real data, and an alert can be acknowledged', async () => {
    const approved = await verify(system, {}, { status: 'approved' }, 'approved');
    await verify(system, { ...GB, document_number: String(Math.floor(1e8 + Math.random() * 8e8)) }, { status: 'declined', reasonCode: 102 }, 'rejected');
    const reviewed = await verify(system, {}, { status: 'review' }, 'under_review');
    const history: [number, 'approved' | 'rejected' | 'expired', string][] = [
      [1, 'approved', 'BW'], [1, 'approved', 'DE'], [2, 'rejected', 'GB'], [3, 'approved', 'BW'], [3, 'approved', 'BW'], [3, 'expired', 'DE'],
      [5, 'approved', 'GB'], [6, 'rejected', 'BW'], [8, 'approved', 'DE'], [8, 'approved', 'BW'], [9, 'approved', 'US'], [12, 'approved', 'BW'],
    ];
    for (const [daysAgo, status, country] of history) {
      const createdAt = minutesAgo(daysAgo * 24 * 60);
      await insertRecord(system, { status, country, createdAt, verifiedAt: status === 'approved' ? new Date(createdAt.getTime() + 40 * 60_000) : null });
    }
    const stuck = await insertRecord(system, { status: 'pending', country: 'BW', createdAt: minutesAgo(180) });
    const reviewTask = (await eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: reviewed.recordId } }), (t) => t !== null, 20_000, 'the review task'))!;
    await raiseAlerts(system.db, [
      { kind: 'stuck_verifications', severity: 'warning', conditionKey: 'stuck_verifications', details: { count: 1, thresholdHours: 2, oldestMinutes: 180, recordIds: [stuck.id] } },
      { kind: 'review_sla_breached', severity: 'critical', conditionKey: `review_sla_breached:${reviewTask.id}`, details: { taskId: reviewTask.id, recordId: reviewed.recordId, dueAt: reviewTask.dueAt.toISOString(), overdueMinutes: 30 } },
    ]);

    const admin = await createUser(system, 'admin');
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, admin.username, PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/admin', 'an admin lands on the dashboard');

    // Counts by status.
    const total = page.locator('.counter.total .counter-value');
    await total.waitFor();
    assert.equal(await total.textContent(), String(3 + history.length + 1));
    assert.equal(await page.locator('.counter[data-status="under_review"] .counter-value').textContent(), '1');

    // Daily outcomes: one column per day, and the numbers behind the chart are the endpoint's.
    const daily = page.locator('[data-daily-chart]');
    await daily.locator('svg.chart[role="img"]').waitFor();
    assert.equal(await daily.locator('g[data-column]').count(), 14);
    const stats = await api(system, 'GET', '/api/admin/stats/daily/?days=14', { token: admin.token });
    const days = (stats.json.days as DailyRow[]).filter((d) => d.total > 0);
    assert.ok(days.length >= 7, 'several days carry data');
    for (const day of days) {
      const cells = await daily.locator('details tbody tr', { has: page.locator('th', { hasText: day.date }) }).locator('td').allTextContents();
      assert.deepEqual(cells.map(Number), [day.approved, day.rejected, day.pending, day.total - day.approved - day.rejected - day.pending, day.total], day.date);
      assert.equal(await daily.locator(`g[data-column="${day.date}"] rect`).count(), [day.approved, day.rejected, day.pending, day.total - day.approved - day.rejected - day.pending].filter((n) => n > 0).length, day.date);
    }

    // Countries: one bar per country, the approval rate beside it.
    const countries = page.locator('[data-country-chart]');
    for (const label of ['Botswana (BW)', 'United Kingdom (GB)', 'Germany (DE)', 'United States (US)']) await countries.locator(`g[data-row="${label}"]`).waitFor();
    const byCountry = await api(system, 'GET', '/api/admin/stats/countries/', { token: admin.token });
    const botswana = (byCountry.json.items as { country: string; approval_rate: number }[]).find((c) => c.country === 'BW')!;
    assert.equal(await countries.locator('g[data-row="Botswana (BW)"] .value-label').textContent(), `${botswana.approval_rate}% approved`);

    // Alerts, linked to the cases they are about.
    const alerts = page.locator('[data-alerts] li.alert');
    await alerts.first().waitFor();
    assert.equal(await alerts.count(), 2);
    await page.locator('li.alert[data-alert-kind="review_sla_breached"]').getByRole('link', { name: `Case ${reviewed.recordId.slice(0, 8)}` }).waitFor();
    await page.locator('li.alert[data-alert-kind="stuck_verifications"]').getByRole('link', { name: `Case ${stuck.id.slice(0, 8)}` }).waitFor();

    // Recent verifications link to their workflow in the Temporal UI, and that workflow exists.
    const workflowId = `kyc-${approved.customer.id}`;
    const link = page.locator(`[data-recent] a[data-workflow-link="${workflowId}"]`);
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `${system.config.TEMPORAL_UI_URL}/namespaces/default/workflows/${workflowId}`);
    const described = await system.client.workflow.getHandle(workflowId).describe();
    assert.equal(described.workflowId, workflowId);
    await page.locator('[data-stuck-count]', { hasText: '(1)' }).waitFor();
    await page.locator('[data-stuck]').getByRole('link', { name: `Case ${stuck.id.slice(0, 8)}` }).waitFor();
    await screenshot(page, 'admin-1-dashboard');

    // Acknowledging an alert.
    const stuckAlert = page.locator('li.alert[data-alert-kind="stuck_verifications"]');
    await stuckAlert.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('li.alert[data-alert-kind="stuck_verifications"]', { hasText: 'Acknowledged' }).waitFor();
    const acknowledged = await system.db.opsAlert.findFirstOrThrow({ where: { kind: 'stuck_verifications' } });
    assert.equal(acknowledged.acknowledgedBy, admin.id);

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
    await page.close();
  });

  test('when an auditor or a customer opens the dashboard, then the auditor reads it without acting and the customer is told it is not for them', async () => {
    await raiseAlerts(system.db, [{ kind: 'pending_backlog', severity: 'warning', conditionKey: 'pending_backlog', details: { count: 101, limit: 100 } }]);
    const auditor = await createUser(system, 'auditor');
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, auditor.username, PASSWORD);
    await page.locator('li.alert[data-alert-kind="pending_backlog"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    await page.locator('[data-daily-chart] svg.chart').waitFor();

    const customer = await createUser(system);
    const customerPage = await browser.newPage();
    await signIn(customerPage, system.apiUrl, customer.username, PASSWORD, '/admin');
    await customerPage.getByRole('heading', { name: 'This page is not for your role' }).waitFor();
    await customerPage.getByText(`You are signed in as ${customer.username} (customer)`).waitFor();
    await screenshot(customerPage, 'admin-2-wrong-role');

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
    await page.close();
    await customerPage.close();
  });
});
