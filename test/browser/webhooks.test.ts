// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { webhookRetryPolicy } from '../../domain/webhooks';
import { WebhookDispatcher } from '../../events/dispatch';
import { OutboxRelay } from '../../events/relay';
import { createLogger } from '../../infra/logger';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, screenshot, signIn, type TestBrowser } from '../support/browser';
import { writeEvent } from '../support/events';
import { createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

// The webhooks admin page in a real browser: register an endpoint (the secret shows once), watch
// the delivery log fill from real deliveries, redeliver; the auditor reads without acting.

const PASSWORD = 'correct horse battery';

describe('webhooks admin page', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let receiver: WebhookReceiver;
  let relay: OutboxRelay;

  before(async () => {
    system = await startTestSystem({ KYC_WEBHOOK_RETRY_INITIAL_MS: '200', KYC_WEBHOOK_RETRY_MAX_INTERVAL: '1' });
    receiver = await startWebhookReceiver();
    const dispatcher = new WebhookDispatcher({ db: system.db, temporal: system.client, taskQueue: system.config.TEMPORAL_TASK_QUEUE, policy: webhookRetryPolicy(system.config) });
    relay = new OutboxRelay({ db: system.db, databaseUrl: system.config.DATABASE_URL!, dispatcher, logger: createLogger('error', {}, () => undefined), pollIntervalMs: 100 });
    relay.start();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await relay?.stop();
    await receiver?.close();
    await system?.stop();
  });

  test('when an admin registers an endpoint, then its secret shows once, deliveries and their attempts appear in the log, and one can be redelivered', async () => {
    const admin = await createUser(system, 'admin');
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, admin.username, PASSWORD, '/admin/webhooks');
    await page.getByRole('heading', { name: 'Outbound webhooks' }).waitFor();

    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('KYC_VERIFIED').check();
    await page.getByLabel('Description (optional)').fill('Wallet service');
    await page.getByRole('button', { name: 'Register' }).click();
    const secret = page.locator('[data-new-secret]');
    await secret.waitFor();
    assert.match((await secret.textContent()) ?? '', /^whsec_/);
    const row = page.locator('[data-subscriptions] tr[data-subscription]', { hasText: receiver.url });
    await row.waitFor();

    receiver.respond(({ count }) => (count === 1 ? 500 : 200));
    const eventId = await writeEvent(system.db, 'KYC_VERIFIED', randomUUID());
    await eventually(async () => receiver.received.filter((r) => r.event.id === eventId && r.status === 200).length, (n) => n === 1, 30_000, 'the delivery');

    await row.getByRole('button', { name: 'Deliveries' }).click();
    const delivery = page.locator('[data-deliveries] tr[data-delivery]');
    await delivery.first().waitFor();
    await delivery.first().getByText('Succeeded').waitFor();
    assert.equal(await delivery.first().locator('ol.attempts li').count(), 2);
    await delivery.first().getByText('(HTTP 500)').waitFor();
    await screenshot(page, 'webhooks-1-delivery-log');

    await delivery.first().getByRole('button', { name: 'Redeliver' }).click();
    await eventually(async () => receiver.received.filter((r) => r.event.id === eventId).length, (n) => n === 3, 20_000, 'the redelivery');
    await row.getByRole('button', { name: 'Deliveries' }).click();
    await page.locator('[data-deliveries] ol.attempts li', { hasText: 'by hand' }).waitFor();

    await row.getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-subscriptions] tr[data-subscription]', { hasText: receiver.url }).getByText('Paused').waitFor();
    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
    await page.close();
  });

  test('when the auditor opens the page, then the subscriptions and log are readable and nothing can be changed', async () => {
    const auditor = await createUser(system, 'auditor');
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, auditor.username, PASSWORD, '/admin/webhooks');
    await page.locator('[data-subscriptions] tr[data-subscription]').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Register' }).isVisible(), false);
    assert.equal(await page.getByRole('button', { name: /Pause|Resume|Delete/ }).count(), 0);
    await page.getByRole('button', { name: 'Deliveries' }).first().click();
    await page.locator('[data-deliveries] tr[data-delivery]').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Redeliver' }).count(), 0);
    assertNoPageErrors(browser.errors);
    await page.close();
  });
});
