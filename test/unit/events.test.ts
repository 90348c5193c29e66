// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../domain/config';
import { EVENT_TYPES, EventCatalogueError, eventDataSchemas, parseEventData } from '../../domain/events';
import { webhookRetryDelayMs, webhookRetryPolicy } from '../../domain/webhooks';
import { asyncApiDocument } from '../../events/asyncapi';
import { toCloudEvent } from '../../events/envelope';
import { generateWebhookSecret, signWebhook, verifyWebhookSignature, WebhookVerificationError } from '../../events/signing';
import { addressPolicy, checkSubscriberUrl, isAddressAllowed } from '../../events/ssrf-guard';
import { sampleEventData } from '../support/events';

// The pure parts of the event side: catalogue, envelope, signatures, the address policy of the
// SSRF guard, retry delays and the AsyncAPI document.

describe('the event catalogue and the CloudEvent envelope', () => {
  test('when an outbox row is turned into a CloudEvent, then id, subject, sequence, time and type come from the row', () => {
    const recordId = randomUUID();
    const row = { id: randomUUID(), type: 'KYC_CREATED', source: '/kyc/records', subject: recordId, subjectSeq: 1, data: sampleEventData('KYC_CREATED', recordId), createdAt: new Date('2026-05-01T10:00:00.123Z') };
    const { event, body, contentType } = toCloudEvent(row);
    assert.equal(contentType, 'application/cloudevents+json');
    assert.deepEqual(JSON.parse(body), event);
    assert.equal(event.specversion, '1.0');
    assert.equal(event.id, row.id);
    assert.equal(event.subject, recordId);
    assert.equal(event.subjectseq, 1);
    assert.equal(event.time, '2026-05-01T10:00:00.123Z');
    assert.equal(event.datacontenttype, 'application/json');
    assert.deepEqual(event.data, row.data);
  });

  test('when data carries a field the catalogue does not declare (a name), then it is refused naming the field, not its value', () => {
    const recordId = randomUUID();
    const data = { ...sampleEventData('KYC_CREATED', recordId), firstName: 'Jane' };
    assert.throws(
      () => parseEventData('KYC_CREATED', data),
      (err: Error) => err instanceof EventCatalogueError && err.message.includes('firstName') && !err.message.includes('Jane'),
    );
    assert.throws(() => toCloudEvent({ id: randomUUID(), type: 'KYC_CREATED', source: '/kyc/records', subject: recordId, subjectSeq: 1, data, createdAt: new Date() }), EventCatalogueError);
  });

  test('when the type is not in the catalogue or the row has no subject, then no CloudEvent is made', () => {
    assert.throws(() => toCloudEvent({ id: randomUUID(), type: 'TEST', source: '/x', subject: randomUUID(), subjectSeq: 1, data: {}, createdAt: new Date() }), /not in the catalogue/);
    assert.throws(() => toCloudEvent({ id: randomUUID(), type: 'KYC_CREATED', source: '/x', subject: null, subjectSeq: null, data: sampleEventData('KYC_CREATED', randomUUID()), createdAt: new Date() }), /no subject/);
  });

  test('then every type of the catalogue has a sample that its own schema accepts', () => {
    assert.deepEqual([...EVENT_TYPES].sort(), Object.keys(eventDataSchemas).sort());
    for (const type of EVENT_TYPES) assert.doesNotThrow(() => parseEventData(type, sampleEventData(type, randomUUID())), type);
  });
});

describe('Standard Webhooks signatures', () => {
  const body = JSON.stringify({ specversion: '1.0', id: 'evt', type: 'KYC_VERIFIED' });

  test('when we sign a delivery, then the reference library verifies it with the same secret', () => {
    const secret = generateWebhookSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = randomUUID();
    const headers = signWebhook(secret, id, body, new Date());
    assert.equal(headers['webhook-id'], id);
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body));
    assert.doesNotThrow(() => verifyWebhookSignature(secret, { ...headers }, body));
  });

  test('when the reference library signs, then our verification accepts it; a changed body, another secret or an old timestamp is refused', () => {
    const secret = generateWebhookSecret();
    const id = randomUUID();
    const at = new Date();
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
    assert.doesNotThrow(() => verifyWebhookSignature(secret, headers, body));
    assert.throws(() => verifyWebhookSignature(secret, headers, `${body} `), WebhookVerificationError);
    assert.throws(() => verifyWebhookSignature(generateWebhookSecret(), headers, body), WebhookVerificationError);
    assert.throws(() => verifyWebhookSignature(secret, headers, body, { now: new Date(at.getTime() + 10 * 60_000) }), /tolerance/);
    assert.throws(() => verifyWebhookSignature(secret, { ...headers, 'webhook-signature': undefined }, body), /missing/);
  });
});

describe('the SSRF guard of webhook subscriber addresses', () => {
  const production = addressPolicy({ NODE_ENV: 'production', KYC_WEBHOOK_ALLOW_PRIVATE: undefined });

  test('when in production, then loopback, link-local, private and special addresses are refused and public ones allowed', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe', '224.0.0.1']) {
      assert.equal(isAddressAllowed(address, production), false, address);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isAddressAllowed(address, production), true, address);
  });

  test('when an IPv6 address carries an IPv4 address or is special-purpose, then it is refused in every spelling, and judged by the IPv4 address where a router delivers it there', () => {
    const refused = {
      'IPv4-compatible ::/96': ['::127.0.0.1', '::7f00:1', '0:0:0:0:0:0:7f00:1', '::10.0.0.1', '::8.8.8.8'],
      'IPv4-translated ::ffff:0:0:0/96': ['::ffff:0:127.0.0.1', '::ffff:0:7f00:1', '0:0:0:0:ffff:0:a9fe:a9fe', '::ffff:0:8.8.8.8'],
      'IPv4-mapped ::ffff:0:0/96, private IPv4': ['0:0:0:0:0:ffff:7f00:1', '::FFFF:10.0.0.1', '::ffff:a9fe:a9fe'],
      'well-known NAT64 64:ff9b::/96, private IPv4': ['64:ff9b::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b:0:0:0:0:a00:1'],
      'local-use NAT64 64:ff9b:1::/48': ['64:ff9b:1::808:808', '64:ff9b:1:ffff::1'],
      '6to4 2002::/16': ['2002:7f00:1::', '2002:0808:0808::1', '2002::1'],
      'Teredo 2001::/32': ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001::1'],
      'IETF protocol assignments 2001::/23': ['2001:2::1', '2001:10::1', '2001:1ff::1'],
      'documentation 2001:db8::/32, 3fff::/20': ['2001:db8::1', '3fff::1', '3fff:fff::1'],
      'discard, site-local, multicast, unallocated': ['100::1', 'fec0::1', 'ff02::1', '4000::1', '5f00::1'],
      'zone ids': ['fe80::1%eth0', '::ffff:127.0.0.1%1'],
    };
    for (const [kind, addresses] of Object.entries(refused)) {
      for (const address of addresses) assert.equal(isAddressAllowed(address, production), false, `${kind}: ${address}`);
    }
    for (const address of ['64:ff9b::8.8.8.8', '64:ff9b::5db8:d822', '::ffff:5db8:d822', '2001:200::1', '2a00:1450:4001::200e', '3fff:1000::1']) {
      assert.equal(isAddressAllowed(address, production), true, address);
    }
    const allowing = addressPolicy({ NODE_ENV: 'production', KYC_WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/8' });
    assert.equal(isAddressAllowed('64:ff9b::10.0.0.1', allowing), true, 'an allowed IPv4 range covers its NAT64 spelling');
    assert.equal(isAddressAllowed('::10.0.0.1', allowing), false, 'the deprecated spellings stay refused');
  });

  test('when KYC_WEBHOOK_ALLOW_PRIVATE lists ranges, then only those private ranges are allowed; "true" allows all; outside production the default allows all', () => {
    const ranges = addressPolicy({ NODE_ENV: 'production', KYC_WEBHOOK_ALLOW_PRIVATE: '10.20.0.0/16, fd12::/16' });
    assert.equal(isAddressAllowed('10.20.5.5', ranges), true);
    assert.equal(isAddressAllowed('10.21.5.5', ranges), false);
    assert.equal(isAddressAllowed('fd12::5', ranges), true);
    assert.equal(isAddressAllowed('127.0.0.1', ranges), false);
    assert.equal(isAddressAllowed('127.0.0.1', addressPolicy({ NODE_ENV: 'production', KYC_WEBHOOK_ALLOW_PRIVATE: 'true' })), true);
    assert.equal(isAddressAllowed('127.0.0.1', addressPolicy({ NODE_ENV: 'development', KYC_WEBHOOK_ALLOW_PRIVATE: undefined })), true);
    assert.equal(isAddressAllowed('127.0.0.1', addressPolicy({ NODE_ENV: 'test', KYC_WEBHOOK_ALLOW_PRIVATE: 'false' })), false);
  });

  test('when a subscriber URL is checked, then the host is resolved and judged by every address; schemes other than http(s) and credentials are refused', async () => {
    const resolver = (addresses: string[]) => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    assert.deepEqual(await checkSubscriberUrl('https://hooks.example.com/x', production, resolver(['93.184.216.34'])), { ok: true });
    const rebinding = await checkSubscriberUrl('https://hooks.example.com/x', production, resolver(['93.184.216.34', '10.0.0.5']));
    assert.equal(rebinding.ok ? null : rebinding.rule, 'forbidden_address');
    const localhost = await checkSubscriberUrl('http://localhost:8000/hook', production);
    assert.equal(localhost.ok ? null : localhost.rule, 'forbidden_address');
    const literal = await checkSubscriberUrl('http://[::1]:8000/hook', production);
    assert.equal(literal.ok ? null : literal.rule, 'forbidden_address');
    const unresolvable = await checkSubscriberUrl('https://nowhere.invalid/', production, async () => Promise.reject(new Error('ENOTFOUND')));
    assert.equal(unresolvable.ok ? null : unresolvable.rule, 'unresolvable');
    const ftp = await checkSubscriberUrl('ftp://example.com/', production);
    assert.equal(ftp.ok ? null : ftp.rule, 'scheme');
    const credentials = await checkSubscriberUrl('https://user:pw@example.com/', production, resolver(['93.184.216.34']));
    assert.equal(credentials.ok ? null : credentials.rule, 'credentials');
  });

  test('when KYC_WEBHOOK_ALLOW_PRIVATE is neither true, false nor CIDR ranges, then the configuration is refused naming it', () => {
    assert.throws(() => loadConfig({ KYC_WEBHOOK_ALLOW_PRIVATE: 'yes please' }), /KYC_WEBHOOK_ALLOW_PRIVATE/);
  });
});

describe('webhook retry delays', () => {
  const policy = webhookRetryPolicy(loadConfig({}));

  test('then the defaults retry for three days, starting at five seconds, never waiting more than six hours', () => {
    assert.deepEqual(policy, { initialIntervalMs: 5_000, maximumIntervalMs: 6 * 3600_000, windowMs: 3 * 24 * 3600_000 });
  });

  test('when attempts keep failing, then each delay lies in the upper half of its doubling step, capped by the maximum', () => {
    for (let failures = 0; failures < 30; failures++) {
      const step = Math.min(policy.maximumIntervalMs, policy.initialIntervalMs * 2 ** failures);
      const delay = webhookRetryDelayMs(policy, failures, 'delivery-1:1');
      assert.ok(delay >= step / 2 && delay <= step, `${failures}: ${delay} outside [${step / 2}, ${step}]`);
    }
  });

  test('when many deliveries fail at once, then their retries spread out, and one delivery always gets the same delay (replays match)', () => {
    const delays = new Set(Array.from({ length: 100 }, (_, i) => webhookRetryDelayMs(policy, 3, `delivery-${i}:1`)));
    assert.ok(delays.size > 90, `only ${delays.size} distinct delays`);
    assert.equal(webhookRetryDelayMs(policy, 3, 'delivery-7:1'), webhookRetryDelayMs(policy, 3, 'delivery-7:1'));
  });
});

describe('the AsyncAPI document', () => {
  const document = asyncApiDocument('1.2.3') as {
    asyncapi: string;
    channels: Record<string, { address: string; messages: Record<string, unknown>; bindings: { amqp: { exchange: { name: string; type: string } } } }>;
    components: { messages: Record<string, { payload: { $ref: string } }>; schemas: Record<string, object> };
    operations: Record<string, { action: string; messages: unknown[] }>;
  };

  test('then it is AsyncAPI 3.0 with one channel, the topic exchange kyc.events, carrying every type of the catalogue', () => {
    assert.equal(document.asyncapi, '3.0.0');
    const channel = document.channels.kycEvents!;
    assert.equal(channel.address, 'kyc.events');
    assert.deepEqual(channel.bindings.amqp.exchange, { name: 'kyc.events', type: 'topic', durable: true, autoDelete: false, vhost: '/' });
    assert.deepEqual(Object.keys(channel.messages).sort(), [...EVENT_TYPES].sort());
    assert.deepEqual(Object.keys(document.components.schemas).sort(), [...EVENT_TYPES].sort());
    assert.equal(document.operations.publishKycEvents!.action, 'send');
    assert.equal(document.operations.publishKycEvents!.messages.length, EVENT_TYPES.length);
  });

  test("when each type's envelope is checked with ajv against the document's schema, then valid events pass and PII or a wrong type fails", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    for (const type of EVENT_TYPES) {
      const validate = ajv.compile(document.components.schemas[document.components.messages[type]!.payload.$ref.split('/').pop()!]!);
      const recordId = randomUUID();
      const { event } = toCloudEvent({ id: randomUUID(), type, source: '/kyc', subject: recordId, subjectSeq: 3, data: sampleEventData(type, recordId), createdAt: new Date() });
      assert.equal(validate(event), true, `${type}: ${ajv.errorsText(validate.errors)}`);
      assert.equal(validate({ ...event, data: { ...(event.data as object), dateOfBirth: '1990-01-01' } }), false, `${type} admits an undeclared field`);
      assert.equal(validate({ ...event, type: 'SOMETHING_ELSE' }), false);
    }
  });
});
