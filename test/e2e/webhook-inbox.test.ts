// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { createDb } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { WebhookReceiptStore } from '../../store/webhook-receipts';
import { signPayload } from '../../vendors/veriff/signature';
import { vendorMediaWorkflowId } from '../../workflows/vendor-media.contract';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { sessionOf } from '../support/veriff';

// The webhook inbox: Veriff is answered once its webhook is stored; the receipt is handed to its
// verification after the answer, and again by the redelivery loop when that did not happen (the
// process died, Temporal was unreachable). Nothing stored is lost; nothing has two effects.

describe('the webhook inbox', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    await system?.stop();
  });

  const signed = (body: string) => ({ 'content-type': 'application/json', 'x-hmac-signature': signPayload(body, system.config.VERIFF_WEBHOOK_SECRET), 'x-auth-client': system.config.VERIFF_API_KEY });

  /** A verification waiting for Veriff, and the decision Veriff would send for it (not sent). */
  const waitingVerification = async (status: 'approved' | 'declined') => {
    const customer = await createUser(system);
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(started.status, 201, started.text);
    const recordId = started.json.id as string;
    const sessionId = await sessionOf(system, recordId);
    const response = await fetch(`${system.simulator.url}/control/sessions/${sessionId}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status, withEvents: false, deliver: false }) });
    assert.equal(response.status, 200);
    const { decision } = (await response.json()) as { decision: unknown };
    return { recordId, sessionId, body: JSON.stringify(decision) };
  };

  test('when the process that stored a decision cannot reach Temporal, then Veriff is answered, the receipt waits out its lease and the redelivery loop delivers it once', async () => {
    // A second API process over the same database whose Temporal connection is gone.
    const connection = await Connection.connect({ address: system.config.TEMPORAL_ADDRESS });
    const unreachable = new Client({ connection, namespace: system.config.TEMPORAL_NAMESPACE });
    await connection.close();
    const logs: string[] = [];
    const app = createApp({ db: system.db, keyStore: system.keyStore, temporal: unreachable, cipher: system.cipher, config: system.config, logger: createLogger('info', { service: 'cut-off-api' }, (line) => logs.push(line)) });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { recordId, sessionId, body } = await waitingVerification('approved');
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/kyc/webhook/veriff/`, { method: 'POST', headers: signed(body), body });
      assert.equal(answer.status, 200, 'stored, so answered: Veriff does not wait for Temporal');
      const { outcome, receipt_id: receiptId } = (await answer.json()) as { outcome: string; receipt_id: string };
      assert.equal(outcome, 'accepted');
      await app.vendorUpdates.stop(); // its one try at handing the receipt over has failed
      assert.ok(logs.some((line) => line.includes('it will be redelivered') && line.includes(receiptId)), 'the failed hand-over is logged with the receipt');

      const kept = await system.db.webhookReceipt.findUniqueOrThrow({ where: { id: receiptId } });
      assert.equal(kept.outcome, 'received');
      assert.equal(kept.processedAt, null);
      assert.ok(kept.dispatchAfter && kept.dispatchAfter > new Date(), 'leased to the process that stored it');
      // Veriff's redelivery of the same fact: a duplicate, delivered with the first copy, not on its own.
      const again = await api(system, 'POST', '/api/kyc/webhook/veriff/', { body, headers: signed(body) });
      assert.equal(again.json.outcome, 'duplicate');
      assert.notEqual((await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } })).status, 'approved');

      // The lease runs out (moved, rather than waited for): the redelivery loop takes the receipt.
      await system.db.webhookReceipt.update({ where: { id: receiptId }, data: { dispatchAfter: new Date(Date.now() - 1000) } });
      await system.vendorUpdates.redeliverDue();
      await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'approved', 30_000, 'approval after redelivery');
      const delivered = await eventually(() => system.db.webhookReceipt.findUniqueOrThrow({ where: { id: receiptId } }), (r) => r.processedAt !== null, 10_000, 'the receipt closed');
      assert.equal(delivered.outcome, 'processed');
      assert.equal(delivered.dispatchAttempts, 1);
      assert.equal(delivered.dispatchAfter, null);
      assert.equal(await system.db.webhookReceipt.count({ where: { sessionId } }), 1, 'one receipt for the fact');
      assert.equal(await system.db.kycEvent.count({ where: { kycRecordId: recordId, eventType: 'KYC_APPROVED' } }), 1);
      // The session's images are kept for the reviewers, as for a webhook delivered at once.
      const media = await system.client.workflow.getHandle(vendorMediaWorkflowId(sessionId)).describe();
      assert.equal(media.type, 'fetchVendorMedia');
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });

  test('when two API processes look for due receipts at once, then each receipt goes to one of them, leased for twice as long', async () => {
    // This test's own loops only: the system's would take the receipts too.
    await system.vendorUpdates.stop();
    const { recordId, sessionId } = await waitingVerification('declined');
    const ids: string[] = Array.from({ length: 30 }, () => randomUUID());
    await system.db.webhookReceipt.createMany({
      data: ids.map((id, i) => ({ id, kind: 'event', kycRecordId: recordId, sessionId, attemptId: 'inbox-test', statusOrAction: 'started', dedupeKey: `inbox-test:${id}`, signatureVerdict: 'valid' as const, dispatchAfter: new Date(Date.now() - 60_000 + i) })),
    });
    const processes = [createDb(system.config.DATABASE_URL!, 2), createDb(system.config.DATABASE_URL!, 2)];
    try {
      const stores = processes.map((db) => new WebhookReceiptStore(db, system.stores.personalData));
      const taken = await Promise.all(
        stores.map(async (store) => {
          const mine: string[] = [];
          for (let batch = await store.takeDue(4); batch.length; batch = await store.takeDue(4)) mine.push(...batch.filter((r) => ids.includes(r.id)).map((r) => r.id));
          return mine;
        }),
      );
      const all = taken.flat();
      assert.equal(all.length, ids.length, 'every due receipt was taken');
      assert.equal(new Set(all).size, ids.length, 'none was taken twice');
      const leased = await system.db.webhookReceipt.findMany({ where: { id: { in: ids } } });
      assert.ok(leased.every((r) => r.dispatchAttempts === 1 && r.dispatchAfter! > new Date(Date.now() + 50_000)), 'leased about a minute ahead after the first redelivery');
      assert.deepEqual(await stores[0]!.takeDue(100), [], 'nothing is due while leased');
    } finally {
      await Promise.all(processes.map((db) => db.$disconnect()));
    }
  });
});
