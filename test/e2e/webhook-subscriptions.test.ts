// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { type EventType } from '../../domain/events';
import { webhookRetryPolicy } from '../../domain/webhooks';
import { WebhookDispatcher } from '../../events/dispatch';
import { OutboxRelay } from '../../events/relay';
import { generateWebhookSecret } from '../../events/signing';
import { createLogger } from '../../infra/logger';
import { writeEvent } from '../support/events';
import { api, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

// Signed outbound webhooks end to end: the admin API, the relay's fan-out, one webhookDelivery
// workflow per delivery on the real Temporal dev server, real HTTP subscribers, PostgreSQL.
// Retry timings are configured short; the assertions are about outcomes, never about time.

interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  attempt_log: { outcome: string; response_status: number | null; trigger: string; latency_ms: number; error_code: string | null }[];
}

const SHORT_RETRIES = { KYC_WEBHOOK_RETRY_INITIAL_MS: '200', KYC_WEBHOOK_RETRY_MAX_INTERVAL: '1', KYC_WEBHOOK_RETRY_WINDOW: '6' };

function startRelay(system: TestSystem): OutboxRelay {
  const dispatcher = new WebhookDispatcher({ db: system.db, temporal: system.client, taskQueue: system.config.TEMPORAL_TASK_QUEUE, policy: webhookRetryPolicy(system.config) });
  const relay = new OutboxRelay({ db: system.db, databaseUrl: system.config.DATABASE_URL!, dispatcher, logger: createLogger('error', {}, () => undefined), pollIntervalMs: 100 });
  relay.start();
  return relay;
}

describe('outbound webhook subscriptions', () => {
  let system: TestSystem;
  let admin: TestUser;
  let auditor: TestUser;
  let relay: OutboxRelay;
  const receivers: WebhookReceiver[] = [];

  before(async () => {
    system = await startTestSystem(SHORT_RETRIES);
    admin = await createUser(system, 'admin');
    auditor = await createUser(system, 'auditor');
    relay = startRelay(system);
  });
  after(async () => {
    await relay?.stop();
    for (const receiver of receivers) await receiver.close();
    await system?.stop();
  });

  async function subscribe(eventTypes: EventType[]): Promise<{ id: string; secret: string; receiver: WebhookReceiver }> {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const created = await api(system, 'POST', '/api/admin/webhook-subscriptions', { token: admin.token, body: { url: receiver.url, event_types: eventTypes, description: 'test subscriber' } });
    assert.equal(created.status, 201, created.text);
    return { id: created.json.id as string, secret: created.json.secret as string, receiver };
  }

  const deliveriesOf = async (subscriptionId: string): Promise<Delivery[]> => {
    const response = await api(system, 'GET', `/api/admin/webhook-subscriptions/${subscriptionId}/deliveries?limit=100`, { token: auditor.token });
    assert.equal(response.status, 200, response.text);
    return response.json.items as Delivery[];
  };
  const deliveryOf = async (subscriptionId: string, eventId: string) => (await deliveriesOf(subscriptionId)).find((d) => d.event_id === eventId);
  const untilDelivery = (subscriptionId: string, eventId: string, status: string, timeoutMs = 30_000) =>
    eventually(() => deliveryOf(subscriptionId, eventId), (d) => d?.status === status, timeoutMs, `delivery of ${eventId} to be ${status}`) as Promise<Delivery>;

  test('when an admin registers a subscription, then the secret is shown once, stored encrypted, and the list never shows it again', async () => {
    const { id, secret } = await subscribe(['KYC_VERIFIED']);
    assert.match(secret, /^whsec_/);
    const stored = await system.db.webhookSubscription.findUniqueOrThrow({ where: { id } });
    assert.ok(!stored.secretEnc.includes(secret.slice(6)), 'stored in clear');
    assert.equal(system.cipher.decrypt(stored.secretEnc), secret);
    assert.equal(stored.createdBy, admin.id);
    const list = await api(system, 'GET', '/api/admin/webhook-subscriptions', { token: auditor.token });
    assert.equal(list.status, 200);
    const listed = (list.json.items as Record<string, unknown>[]).find((s) => s.id === id);
    assert.deepEqual(listed && Object.keys(listed).sort(), ['created_at', 'description', 'event_types', 'id', 'managed_by', 'status', 'updated_at', 'url']);
    assert.ok(!list.text.includes(secret));
  });

  test('when a registration is invalid, then the answer is 422 naming the field and the rule', async () => {
    const missing = await api(system, 'POST', '/api/admin/webhook-subscriptions', { token: admin.token, body: { url: 'https://hooks.example.com/' } });
    assert.equal(missing.status, 422);
    assert.deepEqual((missing.json.errors as { field: string; rule: string }[]).map((e) => [e.field, e.rule]), [['event_types', 'required']]);
    const unknown = await api(system, 'POST', '/api/admin/webhook-subscriptions', { token: admin.token, body: { url: 'https://hooks.example.com/', event_types: ['KYC_EXPLODED'] } });
    assert.equal(unknown.status, 422);
    assert.equal((unknown.json.errors as { field: string }[])[0]!.field, 'event_types.0');
    const scheme = await api(system, 'POST', '/api/admin/webhook-subscriptions', { token: admin.token, body: { url: 'file:///etc/passwd', event_types: ['KYC_VERIFIED'] } });
    assert.equal(scheme.status, 422);
    assert.equal((scheme.json.errors as { field: string }[])[0]!.field, 'url');
  });

  test('when a subscriber answers 500 for a while and then 200, then the delivery succeeds once it recovers, every attempt logged with the same signed webhook-id', async () => {
    const { id, secret, receiver } = await subscribe(['KYC_VERIFIED', 'KYC_REJECTED']);
    receiver.respond(({ count }) => (count <= 3 ? 500 : 200));
    const subject = randomUUID();
    const unsubscribed = await writeEvent(system.db, 'KYC_CREATED', subject);
    const eventId = await writeEvent(system.db, 'KYC_VERIFIED', subject);

    const delivery = await untilDelivery(id, eventId, 'succeeded');
    assert.deepEqual(delivery.attempt_log.map((a) => [a.outcome, a.response_status, a.trigger]), [
      ['http_error', 500, 'automatic'],
      ['http_error', 500, 'automatic'],
      ['http_error', 500, 'automatic'],
      ['delivered', 200, 'automatic'],
    ]);
    assert.equal(delivery.attempts, 4);
    assert.ok(delivery.attempt_log.every((a) => Number.isInteger(a.latency_ms) && a.latency_ms >= 0));

    const requests = receiver.received.filter((r) => r.event.id === eventId);
    assert.equal(requests.length, 4);
    for (const request of requests) {
      assert.equal(request.headers['webhook-id'], eventId);
      assert.equal(request.headers['content-type'], 'application/cloudevents+json');
      // The reference implementation of Standard Webhooks verifies what a subscriber receives.
      assert.deepEqual(new Webhook(secret).verify(request.body, request.headers), request.event);
    }
    assert.equal(requests[0]!.event.type, 'KYC_VERIFIED');
    assert.equal(requests[0]!.event.subject, subject);
    assert.ok(!receiver.received.some((r) => r.event.id === unsubscribed), 'an unsubscribed type was delivered');
  });

  test('when a subscriber never recovers, then the delivery is given up after the retry window and an ops alert is raised; a manual redelivery after it recovers resolves it', async () => {
    const { id, receiver } = await subscribe(['SCREENING_HIT']);
    receiver.respond(() => 503);
    const eventId = await writeEvent(system.db, 'SCREENING_HIT', randomUUID());

    const failed = await untilDelivery(id, eventId, 'failed', 60_000);
    assert.ok(failed.attempts >= 3, `only ${failed.attempts} attempts`);
    assert.ok(failed.attempt_log.every((a) => a.outcome === 'http_error' && a.response_status === 503));
    const alerts = await api(system, 'GET', '/api/admin/alerts/?state=open&kind=webhook_delivery_failed', { token: admin.token });
    assert.equal(alerts.status, 200, alerts.text);
    const alert = (alerts.json.items as { severity: string; details: Record<string, unknown> }[]).find((a) => a.details.subscriptionId === id);
    assert.ok(alert, 'no alert for the subscription');
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.details.deliveryId, failed.id);

    receiver.respond(() => 200);
    const redelivered = await api(system, 'POST', `/api/admin/webhook-subscriptions/${id}/deliveries/${failed.id}/redeliver`, { token: admin.token });
    assert.equal(redelivered.status, 202, redelivered.text);
    const succeeded = await untilDelivery(id, eventId, 'succeeded');
    assert.deepEqual(succeeded.attempt_log.at(-1)!.trigger, 'manual');
    const open = await api(system, 'GET', '/api/admin/alerts/?state=open&kind=webhook_delivery_failed', { token: admin.token });
    assert.ok(!(open.json.items as { details: Record<string, unknown> }[]).some((a) => a.details.subscriptionId === id), 'the alert is still open');
  });

  test('when a manual redelivery is renewed but its own start is cut short, then the relay starts it, still labelled manual', async () => {
    const { id } = await subscribe(['REVIEW_ESCALATED']);
    const eventId = await writeEvent(system.db, 'REVIEW_ESCALATED', randomUUID());
    const delivered = await untilDelivery(id, eventId, 'succeeded');
    // What the API's redelivery does before it starts the workflow; the process dies there.
    const row = await system.db.webhookDelivery.findFirstOrThrow({ where: { id: delivered.id }, select: { id: true, generation: true } });
    await system.stores.webhookSubscriptions.renewDelivery(row);
    const again = (await eventually(() => deliveryOf(id, eventId), (d) => d?.status === 'succeeded' && d.attempt_log.length === 2, 30_000, 'the renewed delivery to go out')) as Delivery;
    assert.deepEqual(
      again.attempt_log.map((a) => a.trigger),
      ['automatic', 'manual'],
    );
  });

  test('when a subscription is paused, then nothing is sent and its deliveries wait; when resumed, they go out', async () => {
    const { id, receiver } = await subscribe(['REVIEW_ASSIGNED']);
    const paused = await api(system, 'PATCH', `/api/admin/webhook-subscriptions/${id}`, { token: admin.token, body: { status: 'paused' } });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.json.status, 'paused');
    const eventId = await writeEvent(system.db, 'REVIEW_ASSIGNED', randomUUID());
    await eventually(() => deliveryOf(id, eventId), (d) => d !== undefined, 20_000, 'the delivery to exist');
    await eventually(() => system.db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId: id } }), (d) => d.workflowStartedAt !== null, 20_000, 'its workflow to start');
    const refused = await api(system, 'POST', `/api/admin/webhook-subscriptions/${id}/deliveries/${(await deliveryOf(id, eventId))!.id}/redeliver`, { token: admin.token });
    assert.equal(refused.status, 409);
    assert.equal(receiver.received.length, 0);
    assert.equal((await deliveryOf(id, eventId))!.status, 'pending');

    const resumed = await api(system, 'PATCH', `/api/admin/webhook-subscriptions/${id}`, { token: admin.token, body: { status: 'active' } });
    assert.equal(resumed.status, 200);
    const delivered = await untilDelivery(id, eventId, 'succeeded');
    assert.equal(delivered.attempts, 1);
    assert.equal(receiver.received.length, 1);
  });

  test('when a delivered event is redelivered by hand, then the subscriber gets it again with the same webhook-id', async () => {
    const { id, receiver } = await subscribe(['DOCUMENT_CHECKED']);
    const eventId = await writeEvent(system.db, 'DOCUMENT_CHECKED', randomUUID());
    const first = await untilDelivery(id, eventId, 'succeeded');
    const again = await api(system, 'POST', `/api/admin/webhook-subscriptions/${id}/deliveries/${first.id}/redeliver`, { token: admin.token });
    assert.equal(again.status, 202);
    await eventually(async () => receiver.received.filter((r) => r.event.id === eventId).length, (n) => n === 2, 20_000, 'the second request');
    assert.deepEqual(receiver.received.map((r) => r.headers['webhook-id']), [eventId, eventId]);
    const log = (await untilDelivery(id, eventId, 'succeeded')).attempt_log;
    assert.deepEqual(log.map((a) => a.trigger), ['automatic', 'manual']);
  });

  test('when a subscription is deleted, then it is gone with its log; a subscription managed by configuration cannot be deleted', async () => {
    const { id } = await subscribe(['KYC_ROLLBACK']);
    const deleted = await api(system, 'DELETE', `/api/admin/webhook-subscriptions/${id}`, { token: admin.token });
    assert.equal(deleted.status, 204);
    assert.equal(await system.db.webhookSubscription.count({ where: { id } }), 0);
    assert.equal((await api(system, 'GET', `/api/admin/webhook-subscriptions/${id}/deliveries`, { token: admin.token })).status, 404);
    const managed = await system.db.webhookSubscription.create({ data: { url: 'http://127.0.0.1:9/x', eventTypes: ['KYC_ROLLBACK'], secretEnc: system.cipher.encrypt(generateWebhookSecret()), managedBy: `test-${randomUUID()}` } });
    const refused = await api(system, 'DELETE', `/api/admin/webhook-subscriptions/${managed.id}`, { token: admin.token });
    assert.equal(refused.status, 409);
    await system.db.webhookSubscription.delete({ where: { id: managed.id } });
  });

  test('when /asyncapi.json is fetched, then the event contract is served to anyone', async () => {
    const document = await api(system, 'GET', '/asyncapi.json');
    assert.equal(document.status, 200);
    assert.equal(document.json.asyncapi, '3.0.0');
  });
});

describe('the SSRF guard of outbound webhooks (production policy)', () => {
  let system: TestSystem;
  let admin: TestUser;
  let relay: OutboxRelay;
  let receiver: WebhookReceiver;
  before(async () => {
    system = await startTestSystem({ ...SHORT_RETRIES, KYC_WEBHOOK_ALLOW_PRIVATE: 'false', KYC_WEBHOOK_RETRY_WINDOW: '2' });
    admin = await createUser(system, 'admin');
    relay = startRelay(system);
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await relay?.stop();
    await receiver?.close();
    await system?.stop();
  });

  test('when an admin registers a loopback or private address, then it is refused with 422 naming the url', async () => {
    const embedded = ['http://[::127.0.0.1]/hook', 'http://[::ffff:0:127.0.0.1]/hook', 'http://[::ffff:a9fe:a9fe]/latest/meta-data', 'http://[64:ff9b::10.0.0.8]/hook', 'http://[2002:a00:8::]/hook', 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook'];
    for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost'), 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.8/hook', 'http://[::1]/hook', ...embedded]) {
      const response = await api(system, 'POST', '/api/admin/webhook-subscriptions', { token: admin.token, body: { url, event_types: ['KYC_VERIFIED'] } });
      assert.equal(response.status, 422, `${url}: ${response.text}`);
      assert.deepEqual((response.json.errors as { field: string; rule: string }[]).map((e) => [e.field, e.rule]), [['url', 'forbidden_address']], url);
    }
  });

  test('when a subscription points at a private address anyway (written before the policy), then every delivery attempt is refused before a byte is sent', async () => {
    // A name that resolves to loopback, and loopback written as an IPv4-compatible IPv6 literal.
    const urls = [receiver.url.replace('127.0.0.1', 'localhost'), receiver.url.replace('127.0.0.1', '[::127.0.0.1]')];
    const subscriptions = await Promise.all(urls.map((url) => system.db.webhookSubscription.create({ data: { url, eventTypes: ['KYC_VERIFIED'], secretEnc: system.cipher.encrypt(generateWebhookSecret()) } })));
    const eventId = await writeEvent(system.db, 'KYC_VERIFIED', randomUUID());
    for (const [i, subscription] of subscriptions.entries()) {
      const delivery = await eventually(
        () => system.db.webhookDelivery.findFirst({ where: { subscriptionId: subscription.id, outboxEventId: eventId }, include: { attemptLog: true } }),
        (d) => d?.status === 'failed',
        30_000,
        'the delivery to be given up',
      );
      assert.ok(delivery!.attemptLog.length >= 1, urls[i]);
      assert.ok(delivery!.attemptLog.every((a) => a.outcome === 'refused_address' && a.errorCode === 'EADDRFORBIDDEN'), `${urls[i]}: ${JSON.stringify(delivery!.attemptLog)}`);
    }
    assert.equal(receiver.received.length, 0);
  });
});
