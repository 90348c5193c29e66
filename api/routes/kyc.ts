import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { type Config } from '../../domain/config';
import { validateKycApplication } from '../../domain/kyc-application';
import { DEFAULT_STATUS_TEXT, isTerminal } from '../../domain/status';
import { type KycWorkflowInput } from '../../domain/verification';
import { type Db } from '../../infra/db';
import { type Logger } from '../../infra/logger';
import { kycVerification, retryUpdate, startSessionUpdate } from '../../workflows/kyc-verification';
import { allow, principalOf, STAFF_ROLES, type Principal, type TokenService } from '../auth';
import { Problem } from '../problem';
import { params } from '../validate';

export interface KycRouteDeps {
  db: Db;
  temporal: Client;
  tokens: TokenService;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'KYC_SESSION_TIMEOUT' | 'KYC_MAX_RETRIES' | 'KYC_RESUBMISSION_WINDOW'>;
  logger: Logger;
  now: () => Date;
}

const recordParams = z.object({ id: z.string().uuid() });

// One workflow per customer: its id is how "one active verification per customer" is enforced.
export const verificationWorkflowId = (userId: string) => `kyc-${userId}`;

export function kycRouter(deps: KycRouteDeps): Router {
  const { db, temporal, tokens, config, logger } = deps;
  const router = Router();
  const anyone = allow(tokens, 'customer', ...STAFF_ROLES);

  // A customer sees only their own records; another customer's id answers 404, as if it did not exist.
  const findVisibleRecord = async (principal: Principal, id: string) => {
    const record = await db.kycRecord.findUnique({ where: { id } });
    if (!record || (principal.role === 'customer' && record.userId !== principal.userId)) throw new Problem('not_found', 'No such KYC record');
    return record;
  };

  router.post('/records/start_verification/', allow(tokens, 'customer'), async (req, res) => {
    const principal = principalOf(req);
    const validation = validateKycApplication(req.body, deps.now());
    if (!validation.ok) throw new Problem('validation_failed', 'See errors for each field', validation.errors);
    const verified = await db.kycRecord.findFirst({ where: { userId: principal.userId, status: 'approved' }, select: { id: true } });
    if (verified) throw new Problem('conflict', 'Your identity is already verified', undefined, { record_id: verified.id });

    const input: KycWorkflowInput = {
      recordId: randomUUID(),
      userId: principal.userId,
      application: validation.value,
      settings: { sessionTimeoutSeconds: config.KYC_SESSION_TIMEOUT, maxRetries: config.KYC_MAX_RETRIES, resubmissionWindowSeconds: config.KYC_RESUBMISSION_WINDOW },
    };
    const workflowId = verificationWorkflowId(principal.userId);
    // Update-with-start: the caller gets the session URL synchronously; a second start while one is
    // active attaches to it (USE_EXISTING) and gets the same record and URL back.
    const startOperation = new WithStartWorkflowOperation(kycVerification, {
      workflowId,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const result = await temporal.workflow.executeUpdateWithStart(startSessionUpdate, { startWorkflowOperation: startOperation }).catch((err: Error) => {
      logger.error('could not start the verification workflow', { workflowId, error: err.name });
      throw new Problem('upstream_unavailable', 'The verification service is temporarily unavailable; retry in a minute');
    });
    logger.info('verification started', { recordId: result.recordId, workflowId, status: result.status });

    if (result.status === 'validation_failed') throw new Problem('validation_failed', 'See errors for each field', result.validationErrors);
    if (result.status === 'error') throw new Problem('upstream_unavailable', result.reason, undefined, { record_id: result.recordId, next_action: result.nextAction });
    const created = result.recordId === input.recordId;
    res.status(created ? 201 : 200).json({
      id: result.recordId,
      status: result.status,
      reason: result.reason,
      next_action: result.nextAction,
      session_url: result.sessionUrl,
      workflow_id: workflowId,
      created,
    });
  });

  // After Veriff asks for a resubmission: a new attempt with a new session, capped by KYC_MAX_RETRIES.
  router.post('/records/:id/retry/', allow(tokens, 'customer'), params(recordParams), async (req, res) => {
    const record = await findVisibleRecord(principalOf(req), (req.params as z.infer<typeof recordParams>).id);
    if (record.status !== 'resubmission_required') {
      throw new Problem('conflict', `A retry is possible only when a resubmission is required; this verification is ${record.status}`);
    }
    const handle = temporal.workflow.getHandle(record.workflowId, record.workflowRunId);
    const result = await handle.executeUpdate(retryUpdate).catch((err: Error) => {
      if (err instanceof WorkflowUpdateFailedError) throw new Problem('conflict', err.cause?.message ?? 'The retry was refused');
      if (err instanceof WorkflowNotFoundError) throw new Problem('conflict', 'This verification has ended; start a new one');
      logger.error('could not deliver the retry to the workflow', { recordId: record.id, error: err.name });
      throw new Problem('upstream_unavailable', 'The verification service is temporarily unavailable; retry in a minute');
    });
    if (result.status === 'error') throw new Problem('upstream_unavailable', result.reason, undefined, { record_id: result.recordId, next_action: result.nextAction });
    res.json({ id: result.recordId, status: result.status, reason: result.reason, next_action: result.nextAction, session_url: result.sessionUrl });
  });

  router.get('/records/:id/status/', anyone, params(recordParams), async (req, res) => {
    const record = await findVisibleRecord(principalOf(req), (req.params as z.infer<typeof recordParams>).id);
    const text = DEFAULT_STATUS_TEXT[record.status];
    res.json({
      id: record.id,
      status: record.status,
      reason: record.statusReason ?? text.reason,
      next_action: record.nextAction ?? text.nextAction,
      session_url: isTerminal(record.status) ? null : record.veriffSessionUrl,
      attempt: record.attempt,
      country: record.country,
      document_type: record.documentType,
      risk_score: record.riskScore,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      verified_at: record.verifiedAt,
    });
  });

  router.get('/records/:id/events/', anyone, params(recordParams), async (req, res) => {
    const record = await findVisibleRecord(principalOf(req), (req.params as z.infer<typeof recordParams>).id);
    const events = await db.kycEvent.findMany({ where: { kycRecordId: record.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    res.json({
      record_id: record.id,
      count: events.length,
      events: events.map((e) => ({
        id: e.id,
        event_type: e.eventType,
        from_status: e.fromStatus,
        to_status: e.toStatus,
        actor_type: e.actorType,
        actor_id: e.actorId,
        reason: e.reason,
        data: e.data,
        created_at: e.createdAt,
      })),
    });
  });

  router.get('/summary/', anyone, async (req, res) => {
    const principal = principalOf(req);
    if (principal.role !== 'customer') {
      const byStatus = await db.kycRecord.groupBy({ by: ['status'], _count: { _all: true } });
      res.json({ scope: 'all', by_status: Object.fromEntries(byStatus.map((g) => [g.status, g._count._all])), total: byStatus.reduce((n, g) => n + g._count._all, 0) });
      return;
    }
    const [wallet, records] = await Promise.all([
      db.wallet.findUnique({ where: { userId: principal.userId } }),
      db.kycRecord.findMany({ where: { userId: principal.userId }, orderBy: { createdAt: 'desc' } }),
    ]);
    const latest = records[0];
    res.json({
      scope: 'own',
      kyc_verified: records.some((r) => r.status === 'approved'),
      latest_record: latest
        ? { id: latest.id, status: latest.status, reason: latest.statusReason, next_action: latest.nextAction, created_at: latest.createdAt, verified_at: latest.verifiedAt }
        : null,
      records_count: records.length,
      wallet: wallet
        ? {
            wallet_type: wallet.walletType,
            is_kyc_verified: wallet.isKycVerified,
            daily_limit: wallet.dailyLimit.toFixed(2),
            monthly_limit: wallet.monthlyLimit.toFixed(2),
            upgraded_at: wallet.upgradedAt,
          }
        : null,
    });
  });

  return router;
}
