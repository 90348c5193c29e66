import { createHash } from 'node:crypto';
import { vendorEventAdvances } from '../../domain/decision';
import { isTerminal } from '../../domain/status';
import { classifyWebhook, dedupeKeyOf } from '../../vendors/veriff/contract';
import { checkWebhookClient, verifySignature } from '../../vendors/veriff/signature';
import { Problem } from '../problem';
import { vendorUpdateOf } from './deliver-vendor-update';
import { type UseCaseDeps } from './deps';

// A Veriff webhook, from the bytes received to the verification it is about. The signature is
// checked first (it is cheap): only what Veriff signed is stored (sealed with the customer's key) and acted on; what
// fails is answered 401, counted per address, and recorded in the security log as a size and a
// hash, never stored. A signed webhook is stored before it is answered, then handed to its
// verification (ids and codes only) by the webhook inbox (api/vendor-update-inbox.ts), so nothing
// Veriff sends is lost, a slow Temporal holds up no answer, and each fact has one effect however
// often Veriff redelivers it.

/** What happened to a webhook, as the answer says it. */
export type WebhookOutcome = 'accepted' | 'ignored' | 'duplicate' | 'unknown_session' | 'late' | 'unrecognised';

export interface ReceivedWebhook {
  receiptId: string;
  outcome: WebhookOutcome;
}

export interface WebhookRequest {
  rawBody: Buffer;
  signature: string | undefined;
  authClient: string | undefined;
  clientIp: string;
}

// Unsigned calls from one address: a few mistakes are a misconfiguration, many are a probe.
const FAILURE_LIMIT = 20;
const FAILURE_WINDOW_SECONDS = 600;

export async function receiveVeriffWebhook(deps: Pick<UseCaseDeps, 'stores' | 'config' | 'logger' | 'rateLimiter' | 'vendorUpdates'>, request: WebhookRequest): Promise<ReceivedWebhook> {
  const { stores, config, logger } = deps;
  const { rawBody } = request;

  const signed = verifySignature(rawBody, request.signature, config.VERIFF_WEBHOOK_SECRET);
  if (!signed || !checkWebhookClient(request.authClient, config.VERIFF_API_KEY)) {
    const failures = await deps.rateLimiter.hit(`webhook-refused:${request.clientIp}`, FAILURE_LIMIT, FAILURE_WINDOW_SECONDS);
    if (!failures.allowed) throw new Problem('rate_limited', `Too many refused webhooks from this address; retry in ${failures.retryAfterSeconds} s`, undefined, { retry_after: failures.retryAfterSeconds });
    const verdict = !signed ? (request.signature ? 'invalid_signature' : 'missing_signature') : request.authClient ? 'wrong_client' : 'missing_client';
    throw new Problem('invalid_signature', 'X-HMAC-SIGNATURE must be the HMAC-SHA256 of the raw body with the shared secret, and X-AUTH-CLIENT our integration key', undefined, undefined, {
      verdict,
      bodyBytes: rawBody.length,
      bodySha256: createHash('sha256').update(rawBody).digest('hex'),
    });
  }

  const text = rawBody.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    await stores.receipts.storeUnreadable({ kind: 'malformed', rawBody: text });
    throw new Problem('malformed_json', 'The webhook body is not valid JSON');
  }

  const webhook = classifyWebhook(json);
  if (webhook.kind === 'unknown') {
    // Answered 200: a payload we cannot read now will not be readable on Veriff's retries either.
    const receipt = await stores.receipts.storeUnreadable({ kind: 'unknown', rawBody: text });
    logger.warn('unrecognised webhook stored', { receiptId: receipt.id, reason: webhook.reason.slice(0, 300) });
    return { receiptId: receipt.id, outcome: 'unrecognised' };
  }

  const { sessionId, attemptId } = vendorUpdateOf(webhook, '');
  const vendorData = webhook.kind === 'decision' ? webhook.payload.verification.vendorData : webhook.payload.vendorData;
  const statusOrAction = webhook.kind === 'decision' ? webhook.payload.verification.status : webhook.payload.action;
  // The verification first: its customer's key seals the body (a body about no known session gets a key of its own).
  const record = await stores.records.findBySession(sessionId, vendorData);
  const receipt = await stores.receipts.storeRecognised({ kind: webhook.kind, sessionId, attemptId, statusOrAction, dedupeKey: dedupeKeyOf(webhook), rawBody: text, record });
  // A fact already stored is delivered (or due for delivery) on its own: a redelivery changes nothing.
  if (!receipt.fresh) return { receiptId: receipt.id, outcome: 'duplicate' };
  if (!record) {
    await stores.receipts.close(receipt.id, 'unknown_session');
    logger.warn('webhook for an unknown session stored and flagged', { receiptId: receipt.id, kind: webhook.kind });
    return { receiptId: receipt.id, outcome: 'unknown_session' };
  }
  // What the record already shows decides whether the webhook is news: a session of an earlier
  // attempt, an event the record is past, or anything after the verification ended changes nothing.
  const news =
    record.veriffSessionId === sessionId &&
    !isTerminal(record.status) &&
    (webhook.kind === 'decision' || vendorEventAdvances(record.status, webhook.payload.action) !== null);
  if (!news) {
    await stores.receipts.close(receipt.id, isTerminal(record.status) ? 'late' : 'ignored', record.id);
    return { receiptId: receipt.id, outcome: isTerminal(record.status) ? 'late' : 'ignored' };
  }

  // News: stored, so answered now; handed to the workflow right after, in the order it came.
  deps.vendorUpdates.hand({ receiptId: receipt.id, recordId: record.id, workflowId: record.workflowId, workflowRunId: record.workflowRunId, update: vendorUpdateOf(webhook, receipt.id) });
  return { receiptId: receipt.id, outcome: 'accepted' };
}
