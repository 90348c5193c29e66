import express from 'express';
import { z } from 'zod';
import { decisionWebhookSchema, eventWebhookSchema } from '../../vendors/veriff/contract';
import { type ApiRouter } from '../openapi';
import { type UseCaseDeps } from '../use-cases/deps';
import { receiveVeriffWebhook } from '../use-cases/receive-veriff-webhook';

// Veriff's decision and event webhooks: the raw bytes (signatures are over them) go to the use case.

// Decisions carry a person, a document and risk labels: a few kB. Anything much larger is not Veriff.
const WEBHOOK_BODY_LIMIT = '32kb';

export const webhookReceiptResponseSchema = z.object({
  received: z.literal(true),
  receipt_id: z.uuid(),
  outcome: z.enum(['accepted', 'ignored', 'duplicate', 'unknown_session', 'late', 'unrecognised']).describe(
    'accepted: stored, and news to its verification, which it is handed to right after the answer (again, until it is processed, if that fails); ignored: changes nothing (an earlier attempt, an event the verification is past); duplicate: already received; unknown_session: no verification has this session (kept and flagged); late: the verification had ended; unrecognised: a signed body of an unknown shape (kept)',
  ),
});

export function veriffWebhookRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  api.route(
    {
      method: 'post',
      path: '/',
      operationId: 'veriffWebhook',
      summary: "Veriff's decision and event webhooks",
      description:
        'Signed by Veriff: X-HMAC-SIGNATURE is the hex HMAC-SHA256 of the raw body with the shared secret, X-AUTH-CLIENT our integration key. Signed calls are stored (encrypted) before they are answered, and handed to their verification after the answer; others are refused (401) and only their size and hash are logged.',
      tags: ['Veriff webhook'],
      access: { public: 'called by Veriff; authenticated by the HMAC signature of the body and the integration key, not by a token' },
      headers: z.object({
        'x-hmac-signature': z.string().optional().describe('hex HMAC-SHA256 of the raw body'),
        'x-auth-client': z.string().optional().describe('our Veriff integration (API) key'),
      }),
      body: { schema: z.union([decisionWebhookSchema, eventWebhookSchema]), validate: false },
      before: [express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT })],
      responses: { 200: { description: 'Stored (and, when it is news to a verification, queued for it)', schema: webhookReceiptResponseSchema } },
      problems: ['invalid_signature', 'malformed_json', 'payload_too_large', 'rate_limited', 'upstream_unavailable'],
    },
    async (req) => {
      const received = await receiveVeriffWebhook(deps, {
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        signature: req.header('x-hmac-signature') ?? req.header('vrf-hmac-signature'),
        authClient: req.header('x-auth-client'),
        clientIp: req.ip ?? 'unknown',
      });
      return { status: 200, body: { received: true, receipt_id: received.receiptId, outcome: received.outcome } };
    },
  );
}
