import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { type VendorDecisionStatus } from '../../domain/decision';
import { vendorEventAdvances } from '../../domain/decision';
import { isTerminal } from '../../domain/status';
import { classifyWebhook, dedupeKeyOf } from '../../vendors/veriff/contract';
import { checkWebhookClient, verifySignature } from '../../vendors/veriff/signature';
import { vendorUpdateSignal, type VendorUpdate } from '../../workflows/kyc-verification.contract';
import type { fetchVendorMedia } from '../../workflows/vendor-media';
import { VENDOR_MEDIA_WORKFLOW_TYPE, vendorMediaWorkflowId } from '../../workflows/vendor-media.contract';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// A Veriff webhook, from the bytes received to the verification it is about. The signature is
// checked first (it is cheap): only what Veriff signed is stored (sealed with the customer's key) and acted on; what
// fails is answered 401, counted per address, and recorded in the security log as a size and a
// hash, never stored. A signed webhook is stored before it is answered and signalled to its
// verification with ids and codes only, so nothing Veriff sends is lost and each fact has one
// effect however often Veriff redelivers it.

/** What happened to a webhook, as the answer says it. */
export type WebhookOutcome = 'processed' | 'ignored' | 'duplicate' | 'unknown_session' | 'late' | 'unrecognised';

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

// Decisions after which Veriff holds the applicant's photos (expired and abandoned sessions have none worth keeping).
const DECISIONS_WITH_MEDIA: readonly VendorDecisionStatus[] = ['approved', 'declined', 'resubmission_requested', 'review'];

/**
 * The session's images are fetched and kept for the reviewers by a workflow of their own, once per
 * session. Started before the receipt is closed: if Temporal is unreachable the webhook is answered
 * 503, Veriff redelivers, and the redelivery (a duplicate for the verification) starts it.
 */
async function keepSessionMedia(deps: Pick<UseCaseDeps, 'temporal' | 'config'>, recordId: string, sessionId: string): Promise<void> {
  try {
    await deps.temporal.workflow.start<typeof fetchVendorMedia>(VENDOR_MEDIA_WORKFLOW_TYPE, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: vendorMediaWorkflowId(sessionId),
      args: [{ recordId, sessionId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

// Unsigned calls from one address: a few mistakes are a misconfiguration, many are a probe.
const FAILURE_LIMIT = 20;
const FAILURE_WINDOW_SECONDS = 600;

export async function receiveVeriffWebhook(deps: Pick<UseCaseDeps, 'stores' | 'temporal' | 'config' | 'logger' | 'rateLimiter'>, request: WebhookRequest): Promise<ReceivedWebhook> {
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

  const sessionId = webhook.kind === 'decision' ? webhook.payload.verification.id : webhook.payload.id;
  const attemptId = (webhook.kind === 'decision' ? webhook.payload.verification.attemptId : webhook.payload.attemptId) ?? '';
  const vendorData = webhook.kind === 'decision' ? webhook.payload.verification.vendorData : webhook.payload.vendorData;
  const statusOrAction = webhook.kind === 'decision' ? webhook.payload.verification.status : webhook.payload.action;
  // The verification first: its customer's key seals the body (a body about no known session gets a key of its own).
  const record = await stores.records.findBySession(sessionId, vendorData);
  const receipt = await stores.receipts.storeRecognised({ kind: webhook.kind, sessionId, attemptId, statusOrAction, dedupeKey: dedupeKeyOf(webhook), rawBody: text, record });
  if (receipt.processedAt) return { receiptId: receipt.id, outcome: 'duplicate' };
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

  const update: VendorUpdate =
    webhook.kind === 'decision'
      ? { kind: 'decision', receiptId: receipt.id, sessionId, attemptId, status: webhook.payload.verification.status, reasonCode: webhook.payload.verification.reasonCode ?? null }
      : { kind: 'event', receiptId: receipt.id, sessionId, attemptId, action: webhook.payload.action };
  try {
    await deps.temporal.workflow.getHandle(record.workflowId, record.workflowRunId).signal(vendorUpdateSignal, update);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // The verification already ended (expired, decided): keep the receipt, flag it, stop the retries.
      await stores.receipts.close(receipt.id, 'late', record.id);
      logger.warn('webhook arrived after its verification ended', { receiptId: receipt.id, recordId: record.id });
      return { receiptId: receipt.id, outcome: 'late' };
    }
    // Stored but not delivered: Veriff retries a non-200, and the retry finds this receipt unprocessed.
    logger.error('could not signal the verification workflow', { receiptId: receipt.id, recordId: record.id, error: (err as Error).name });
    throw new Problem('upstream_unavailable', 'Stored; delivery to the workflow will be retried');
  }
  if (update.kind === 'decision' && DECISIONS_WITH_MEDIA.includes(update.status)) {
    await keepSessionMedia(deps, record.id, sessionId).catch((err: Error) => {
      logger.error('could not start keeping the session media', { receiptId: receipt.id, recordId: record.id, error: err.name });
      throw new Problem('upstream_unavailable', 'Stored; delivery will be retried');
    });
  }
  await stores.receipts.close(receipt.id, 'processed', record.id);
  return { receiptId: receipt.id, outcome: 'processed' };
}
