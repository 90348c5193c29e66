import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import express from 'express';
import { z } from 'zod';
import { type Config } from '../../domain/config';
import { classifyWebhook, decisionWebhookSchema, dedupeKeyOf, eventWebhookSchema } from '../../domain/veriff';
import { type VendorUpdate } from '../../domain/verification';
import { type PiiCipher } from '../../infra/crypto';
import { type Db } from '../../infra/db';
import { type Logger } from '../../infra/logger';
import { checkWebhookClient, verifySignature } from '../../infra/veriff/signature';
import { vendorUpdateSignal } from '../../workflows/kyc-verification';
import { type ApiRouter } from '../openapi';
import { Problem } from '../problem';

export interface WebhookDeps {
  db: Db;
  temporal: Client;
  cipher: PiiCipher;
  config: Pick<Config, 'VERIFF_WEBHOOK_SECRET' | 'VERIFF_API_KEY'>;
  logger: Logger;
  security: Logger;
}

const WEBHOOK_BODY_LIMIT = '1mb';

export const webhookReceiptResponseSchema = z.object({
  received: z.literal(true),
  receipt_id: z.uuid(),
  outcome: z.enum(['processed', 'duplicate', 'unknown_session', 'late', 'unrecognised']),
});

// Veriff's decision and event webhooks. The receipt (encrypted raw body, signature verdict, dedupe
// key) is stored before we answer, so nothing Veriff sends is lost; the workflow is signalled with
// ids and codes only. A 200 is sent only once the receipt is stored and the workflow has it.
export function veriffWebhookRoutes(api: ApiRouter, deps: WebhookDeps): void {
  const { db, temporal, cipher, config, logger, security } = deps;

  api.route(
    {
      method: 'post',
      path: '/',
      operationId: 'veriffWebhook',
      summary: "Veriff's decision and event webhooks",
      description: 'Signed by Veriff: X-HMAC-SIGNATURE is the hex HMAC-SHA256 of the raw body with the shared secret. Every call is stored (encrypted) before it is answered.',
      tags: ['seed 000: Veriff webhook'],
      access: { public: 'called by Veriff; authenticated by the HMAC signature of the body, not by a token' },
      // Documented, not restricted: every call is stored before it is judged, whatever it carries.
      headers: z.object({ 'x-hmac-signature': z.string().optional().describe('hex HMAC-SHA256 of the raw body'), 'x-auth-client': z.string().optional().describe('the API key of our Veriff integration') }),
      body: { schema: z.union([decisionWebhookSchema, eventWebhookSchema]), validate: false },
      before: [express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT })],
      responses: { 200: { description: 'Stored (and delivered to its verification when it names one)', schema: webhookReceiptResponseSchema } },
      problems: ['invalid_signature', 'malformed_json', 'payload_too_large', 'upstream_unavailable'],
    },
    async (req) => {
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = req.header('x-hmac-signature') ?? req.header('vrf-hmac-signature');
      const rawBodyEnc = cipher.encrypt(raw.toString('utf8'));

      if (!verifySignature(raw, signature, config.VERIFF_WEBHOOK_SECRET)) {
        const receipt = await db.webhookReceipt.create({
          data: { kind: 'unverified', rawBodyEnc, signatureVerdict: signature ? 'invalid' : 'missing', outcome: 'rejected_signature', processedAt: new Date() },
        });
        security.warn('webhook signature rejected', { event: 'webhook_signature_failure', receiptId: receipt.id, verdict: signature ? 'invalid' : 'missing', ip: req.ip });
        throw new Problem('invalid_signature', 'X-HMAC-SIGNATURE must be the HMAC-SHA256 of the raw body with the shared secret');
      }
      if (!checkWebhookClient(req.header('x-auth-client') ?? req.header('vrf-auth-client'), config.VERIFF_API_KEY)) throw new Problem('invalid_signature', 'X-AUTH-CLIENT must be the API key of our Veriff integration');

      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        await db.webhookReceipt.create({ data: { kind: 'malformed', rawBodyEnc, signatureVerdict: 'valid', outcome: 'malformed', processedAt: new Date() } });
        throw new Problem('malformed_json', 'The webhook body is not valid JSON');
      }

      const webhook = classifyWebhook(json);
      if (webhook.kind === 'unknown') {
        // Answer 200: a payload we cannot read now will not be readable on Veriff's retries either.
        const receipt = await db.webhookReceipt.create({ data: { kind: 'unknown', rawBodyEnc, signatureVerdict: 'valid', outcome: 'unrecognised', processedAt: new Date() } });
        logger.warn('unrecognised webhook stored', { receiptId: receipt.id, reason: webhook.reason.slice(0, 300) });
        return { status: 200, body: { received: true, receipt_id: receipt.id, outcome: 'unrecognised' } };
      }

      const sessionId = webhook.kind === 'decision' ? webhook.payload.verification.id : webhook.payload.id;
      const attemptId = (webhook.kind === 'decision' ? webhook.payload.verification.attemptId : webhook.payload.attemptId) ?? '';
      const vendorData = webhook.kind === 'decision' ? webhook.payload.verification.vendorData : webhook.payload.vendorData;
      const statusOrAction = webhook.kind === 'decision' ? webhook.payload.verification.status : webhook.payload.action;
      const dedupeKey = dedupeKeyOf(webhook);

      const receipt =
        (await db.webhookReceipt.findUnique({ where: { dedupeKey } })) ??
        (await db.webhookReceipt.upsert({
          where: { dedupeKey },
          create: { kind: webhook.kind, sessionId, attemptId, statusOrAction, dedupeKey, rawBodyEnc, signatureVerdict: 'valid' },
          update: {},
        }));
      if (receipt.processedAt) {
        return { status: 200, body: { received: true, receipt_id: receipt.id, outcome: 'duplicate' } };
      }

      const record = await db.kycRecord.findFirst({
        where: { OR: [{ veriffSessionId: sessionId }, ...(vendorData && /^[0-9a-f-]{36}$/i.test(vendorData) ? [{ id: vendorData }] : [])] },
        select: { id: true, workflowId: true, workflowRunId: true },
      });
      if (!record) {
        await db.webhookReceipt.update({ where: { id: receipt.id }, data: { outcome: 'unknown_session', processedAt: new Date() } });
        logger.warn('webhook for an unknown session stored and flagged', { receiptId: receipt.id, kind: webhook.kind });
        return { status: 200, body: { received: true, receipt_id: receipt.id, outcome: 'unknown_session' } };
      }

      const update: VendorUpdate =
        webhook.kind === 'decision'
          ? { kind: 'decision', receiptId: receipt.id, sessionId, attemptId, status: webhook.payload.verification.status, reasonCode: webhook.payload.verification.reasonCode ?? null }
          : { kind: 'event', receiptId: receipt.id, sessionId, attemptId, action: webhook.payload.action };
      try {
        await temporal.workflow.getHandle(record.workflowId, record.workflowRunId).signal(vendorUpdateSignal, update);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          // The verification already ended (expired, decided): keep the receipt, flag it, stop the retries.
          await db.webhookReceipt.update({ where: { id: receipt.id }, data: { kycRecordId: record.id, outcome: 'late', processedAt: new Date() } });
          logger.warn('webhook arrived after its verification ended', { receiptId: receipt.id, recordId: record.id });
          return { status: 200, body: { received: true, receipt_id: receipt.id, outcome: 'late' } };
        }
        // Stored but not delivered: Veriff retries a non-200, and the retry finds this receipt unprocessed.
        logger.error('could not signal the verification workflow', { receiptId: receipt.id, recordId: record.id, error: (err as Error).name });
        throw new Problem('upstream_unavailable', 'Stored; delivery to the workflow will be retried');
      }
      await db.webhookReceipt.update({ where: { id: receipt.id }, data: { kycRecordId: record.id, outcome: 'processed', processedAt: new Date() } });
      return { status: 200, body: { received: true, receipt_id: receipt.id, outcome: 'processed' } };
    },
  );
}
