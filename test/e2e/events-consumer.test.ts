// needs: postgres, temporal, workflow-bundle, rabbitmq, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { EVENT_TYPES, type EventType } from '../../domain/events';
import { webhookRetryPolicy } from '../../domain/webhooks';
import { WebhookDispatcher } from '../../events/dispatch';
import { OutboxRelay } from '../../events/relay';
import { createLogger } from '../../infra/logger';
import { consumeEvents, firstArrivalsBySubject, sharedBrokerUrl, type EventConsumer } from '../support/broker';
import { writeEvent } from '../support/events';
import { decide } from '../support/veriff';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// A consumer of kyc.events, as another team would write it from /asyncapi.json alone: it reads
// the events that real verifications produce (approved, declined, resubmission, manual review)
// plus the types whose writers live elsewhere, and checks every message against the schema the
// document gives for its routing key.

interface AsyncApi {
  channels: { kycEvents: { address: string; messages: Record<string, { $ref: string }> } };
  components: { messages: Record<string, { payload: { $ref: string } }>; schemas: Record<string, object> };
}

describe('a consumer of kyc.events validating against the AsyncAPI document', () => {
  let system: TestSystem;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  const subjects = new Set<string>();

  before(async () => {
    system = await startTestSystem();
    // Everything on the shared broker is kept: a record's first event is out before its id is known.
    consumer = await consumeEvents(sharedBrokerUrl());
    const dispatcher = new WebhookDispatcher({ db: system.db, temporal: system.client, taskQueue: system.config.TEMPORAL_TASK_QUEUE, policy: webhookRetryPolicy(system.config) });
    relay = new OutboxRelay({ db: system.db, databaseUrl: system.config.DATABASE_URL!, brokerUrl: sharedBrokerUrl(), dispatcher, logger: createLogger('error', {}, () => undefined), pollIntervalMs: 100 });
    relay.start();
  });
  after(async () => {
    await relay?.stop();
    await consumer?.close();
    await system?.stop();
  });

  async function verification(customer: TestUser, decision: Record<string, unknown>): Promise<string> {
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(started.status, 201, started.text);
    const recordId = started.json.id as string;
    subjects.add(recordId);
    await decide(system, recordId, decision as { status: string });
    return recordId;
  }

  test('when verifications run and every other event type is written, then each message on kyc.events matches its schema in /asyncapi.json, in order per subject', async () => {
    await createUser(system, 'reviewer');
    const flows: [Record<string, unknown>, EventType][] = [
      [{ status: 'approved' }, 'KYC_VERIFIED'],
      [{ status: 'declined', reasonCode: 102 }, 'KYC_REJECTED'],
      [{ status: 'resubmission_requested', reasonCode: 204 }, 'KYC_RESUBMISSION_REQUESTED'],
      [{ status: 'review' }, 'REVIEW_ASSIGNED'],
    ];
    const waitingFor: [string, EventType][] = [];
    for (const [decision, type] of flows) waitingFor.push([await verification(await createUser(system), decision), type]);
    const elsewhere = randomUUID();
    subjects.add(elsewhere);
    const written = ['REVIEW_ESCALATED', 'REVIEW_DECIDED', 'OPS_ALERT', 'SCREENING_HIT', 'SCREENING_CLEARED', 'DOCUMENT_CHECKED', 'KYC_ROLLBACK'] as const;
    for (const type of written) waitingFor.push([elsewhere, type]);
    for (const type of written) await writeEvent(system.db, type, elsewhere);

    const mine = () => consumer.received.filter((m) => subjects.has(m.event.subject));
    const has = (subject: string, type: EventType) => mine().some((m) => m.event.subject === subject && m.event.type === type);
    await eventually(async () => waitingFor.filter(([subject, type]) => !has(subject, type)), (missing) => missing.length === 0, 60_000, 'every expected event on kyc.events');

    const document = (await api(system, 'GET', '/asyncapi.json')).json as unknown as AsyncApi;
    assert.equal(document.channels.kycEvents.address, 'kyc.events');
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validators = new Map<string, ValidateFunction>();
    for (const [name, { $ref }] of Object.entries(document.channels.kycEvents.messages)) {
      const message = document.components.messages[$ref.split('/').pop()!]!;
      validators.set(name, ajv.compile(document.components.schemas[message.payload.$ref.split('/').pop()!]!));
    }
    const invalid: string[] = [];
    const received = mine();
    for (const { event, routingKey } of received) {
      const validate = validators.get(routingKey);
      if (!validate) invalid.push(`${routingKey}: no message of that name in the document`);
      else if (!validate(event)) invalid.push(`${routingKey}: ${ajv.errorsText(validate.errors)}`);
    }
    assert.deepEqual(invalid, []);
    assert.deepEqual(new Set(received.map((m) => m.event.type)), new Set(EVENT_TYPES));

    for (const [subject, sequence] of firstArrivalsBySubject(received)) {
      assert.deepEqual(sequence, Array.from({ length: sequence.length }, (_, i) => i + 1), `subject ${subject} arrived out of order or with a gap`);
    }
    const approved = waitingFor[0]![0];
    assert.deepEqual(received.filter((m) => m.event.subject === approved).map((m) => m.event.type), ['KYC_CREATED', 'SCREENING_CLEARED', 'KYC_VERIFIED']);
  });
});
