import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { validateKycApplication } from '../../domain/kyc-application';
import { type KycStatus } from '../../domain/status';
import type { kycVerification } from '../../workflows/kyc-verification';
import { startSessionUpdate, VERIFICATION_WORKFLOW_TYPE, verificationSettings, verificationWorkflowId, type KycVerificationInput } from '../../workflows/kyc-verification.contract';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';
import { failedSessionProblem } from './verification-problems';

// Starting a verification, whichever API it comes through (KYC records, applications, passport
// verifications): they are views of one kyc_records row and one workflow, so they share this one
// use case. The application is validated here, once; the workflow takes it as valid.

export interface StartedVerification {
  recordId: string;
  status: KycStatus;
  reason: string;
  nextAction: string;
  sessionUrl: string | null;
  workflowId: string;
  /** False when an active verification already existed and the caller was attached to it. */
  created: boolean;
}

const RATE_LIMIT_WINDOW_SECONDS = 3600;
// How long a start waits for the vendor session before answering "retry" (load balancers time out at 60 s).
const START_WAIT_MS = 30_000;

export async function startVerification(deps: UseCaseDeps, principal: Principal, application: unknown, clientIp: string): Promise<StartedVerification> {
  const { temporal, config, logger } = deps;
  const validation = validateKycApplication(application, deps.now());
  if (!validation.ok) throw new Problem('validation_failed', 'See errors for each field', validation.errors);
  const verified = await deps.stores.records.approvedRecordOf(principal.userId);
  if (verified) throw new Problem('conflict', 'Your identity is already verified', undefined, { record_id: verified.id });

  // Counted once the request would reach the vendor: a customer fixing typos in a form is not
  // throttled, while every start that may open a paid vendor session is.
  const limit = await deps.rateLimiter.hit(`verification-start:${clientIp}`, config.KYC_RATE_LIMIT_PER_IP, RATE_LIMIT_WINDOW_SECONDS);
  if (!limit.allowed) {
    throw new Problem('rate_limited', `At most ${config.KYC_RATE_LIMIT_PER_IP} verification starts per hour from one address; retry in ${limit.retryAfterSeconds} s`, undefined, {
      retry_after: limit.retryAfterSeconds,
    });
  }

  // Sealed with the customer's data key before it enters the workflow's history (the contract says why).
  const sealedApplication = await deps.stores.personalData.sealJson(principal.userId, validation.value);
  const input: KycVerificationInput = { recordId: randomUUID(), userId: principal.userId, sealedApplication, country: validation.value.country, settings: verificationSettings(config) };
  const workflowId = verificationWorkflowId(principal.userId);
  // Update-with-start: the caller gets the session URL synchronously; a second start while one is
  // active attaches to it (USE_EXISTING) and gets the same record and URL back.
  const startOperation = new WithStartWorkflowOperation<typeof kycVerification>(VERIFICATION_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const starting = temporal.workflow.executeUpdateWithStart(startSessionUpdate, { startWorkflowOperation: startOperation });
  // The wait is bounded below the load balancer's timeout: when a worker died holding this
  // verification's step, the client hears "retry" at once, and the retry attaches to the same
  // verification (USE_EXISTING) and gets its session URL, instead of a gateway timeout.
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'too long'>((resolve) => {
    timer = setTimeout(() => resolve('too long'), START_WAIT_MS);
  });
  const result = await Promise.race([starting, waited])
    .catch((err: Error) => {
      logger.error('could not start the verification workflow', { workflowId, error: err.name });
      throw new Problem('upstream_unavailable', 'The verification service is temporarily unavailable; retry in a minute');
    })
    .finally(() => clearTimeout(timer));
  if (result === 'too long') {
    starting.catch(() => undefined);
    logger.warn('verification session not ready in time', { workflowId, waitedMs: START_WAIT_MS });
    throw new Problem('upstream_unavailable', 'Your verification is starting; retry in a few seconds to get its session', undefined, { retry_after: 5 });
  }
  logger.info('verification started', { recordId: result.recordId, workflowId, status: result.status });
  if (result.status === 'error') throw failedSessionProblem(result);
  return {
    recordId: result.recordId,
    status: result.status,
    reason: result.reason,
    nextAction: result.nextAction,
    sessionUrl: result.sessionUrl,
    workflowId,
    created: result.recordId === input.recordId,
  };
}
