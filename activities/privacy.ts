import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type Config } from '../domain/config';
import { daysBefore, type RetentionCounts, type RetentionPolicy } from '../domain/privacy';
import { type PgRateLimiter } from '../infra/rate-limiter';
import { type Stores } from '../store';
import { VendorRequestRejected, type IdentityVendor } from '../vendors/identity-vendor';
import { verificationWorkflowId } from '../workflows/kyc-verification.contract';
import { type PrivacyFailure, type RingKeyUsage } from '../workflows/privacy.contract';

// The I/O of the privacy workflows (workflows/privacy.ts): Temporal (cancel the customer's
// verification, delete their histories), the stores (erase, retention, key rotation) and the vendor
// (delete its sessions within its rate limit).

export interface PrivacyActivityDeps {
  stores: Pick<Stores, 'privacy' | 'retention' | 'keyRotation'>;
  temporal: Client;
  vendor: IdentityVendor;
  rateLimiter: PgRateLimiter;
  config: Pick<Config, 'TEMPORAL_NAMESPACE' | 'KYC_VENDOR_DELETIONS_PER_HOUR'>;
  now?: () => Date;
}

const failure = (type: PrivacyFailure, message: string, nextRetryDelaySeconds?: number) =>
  ApplicationFailure.create({ type, message, nonRetryable: type === 'VendorDeletionRefused', ...(nextRetryDelaySeconds ? { nextRetryDelay: `${nextRetryDelaySeconds} seconds` } : {}) });

const VENDOR_DELETION_BUCKET = 'vendor-session-deletions';
const HOUR_SECONDS = 3600;
const CLOSE_POLL_MS = 250;
// gRPC status NOT_FOUND.
const NOT_FOUND = 5;

export function createPrivacyActivities(deps: PrivacyActivityDeps) {
  const { privacy, retention, keyRotation } = deps.stores;
  const { temporal } = deps;
  const now = deps.now ?? (() => new Date());

  async function isRunning(workflowId: string): Promise<boolean> {
    try {
      return (await temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return {
    /** Cancels the customer's running verification and waits until it has closed (it withdraws its record). */
    async cancelVerifications(input: { userId: string }): Promise<{ cancelled: boolean }> {
      const workflowId = verificationWorkflowId(input.userId);
      if (!(await isRunning(workflowId))) return { cancelled: false };
      await temporal.workflow.getHandle(workflowId).cancel();
      while (await isRunning(workflowId)) {
        Context.current().heartbeat();
        await Context.current().sleep(CLOSE_POLL_MS);
      }
      return { cancelled: true };
    },

    async eraseSubjectNow(input: { requestId: string }): Promise<{ vendorSessionIds: string[]; recordIds: string[] }> {
      return privacy.eraseNow(input.requestId);
    },

    /**
     * Deletes every Temporal execution of the customer's verifications and reviews (found by the
     * verification's workflow id and the records' search attribute) and waits until the server no
     * longer has them. Visibility lists a deleted execution for a while longer: what it lists is
     * checked against the execution store, so a retry skips what is already gone.
     */
    async deleteWorkflowHistories(input: { userId: string; recordIds: string[] }): Promise<{ deleted: number }> {
      const namespace = deps.config.TEMPORAL_NAMESPACE;
      const quoted = (ids: string[]) => ids.map((id) => `'${id.replaceAll("'", '')}'`).join(', ');
      const query = [`WorkflowId = ${quoted([verificationWorkflowId(input.userId)])}`, ...(input.recordIds.length ? [`KycRecordId IN (${quoted(input.recordIds)})`] : [])].join(' OR ');
      const exists = async (workflowExecution: { workflowId: string; runId: string }) => {
        try {
          await temporal.workflowService.describeWorkflowExecution({ namespace, execution: workflowExecution });
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === NOT_FOUND) return false;
          throw err;
        }
      };
      const deleted: { workflowId: string; runId: string }[] = [];
      for await (const { workflowId, runId } of temporal.workflow.list({ query })) {
        Context.current().heartbeat();
        if (!(await exists({ workflowId, runId }))) continue;
        await temporal.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId, runId } });
        deleted.push({ workflowId, runId });
      }
      // The server deletes in the background: done when none of them is found any more.
      for (const execution of deleted) {
        while (await exists(execution)) {
          Context.current().heartbeat();
          await Context.current().sleep(CLOSE_POLL_MS);
        }
      }
      log.info('workflow histories deleted', { deleted: deleted.length });
      return { deleted: deleted.length };
    },

    async recordVendorDeletions(input: { requestId: string; deleted: number; total: number }): Promise<void> {
      await privacy.recordVendorDeletions(input.requestId, input.deleted, input.total);
    },

    async completeErasure(input: { requestId: string }): Promise<void> {
      await privacy.completeErasure(input.requestId);
    },

    /** One session deleted at the vendor, within its rate limit (counted across all workers). */
    async deleteVendorSession(input: { sessionId: string }): Promise<'deleted' | 'not_found'> {
      const slot = await deps.rateLimiter.hit(VENDOR_DELETION_BUCKET, deps.config.KYC_VENDOR_DELETIONS_PER_HOUR, HOUR_SECONDS);
      if (!slot.allowed) throw failure('VendorDeletionDeferred', `vendor deletions are spent for this hour; next window in ${slot.retryAfterSeconds} s`, slot.retryAfterSeconds);
      try {
        return await deps.vendor.deleteSession(input.sessionId);
      } catch (err) {
        if (err instanceof VendorRequestRejected) throw failure('VendorDeletionRefused', err.message);
        throw err;
      }
    },

    async applyRetention(input: { kind: RetentionPolicy['kind']; days: number; limit: number }): Promise<{ removed: number }> {
      return { removed: await retention.apply(input.kind, daysBefore(now(), input.days), input.limit) };
    },

    async endAmlRetention(input: { limit: number }): Promise<{ erased: number; vendorSessionIds: string[] }> {
      return privacy.endAmlRetention(input.limit);
    },

    async reapplyErasures(input: { after: string | null; limit: number }): Promise<{ reapplied: number; next: string | null }> {
      return privacy.reapplyErasures(input.after, input.limit);
    },

    async reapplyKeyDestructions(input: { after: string | null; limit: number }): Promise<{ destroyed: number; next: string | null }> {
      return privacy.reapplyKeyDestructions(input.after, input.limit);
    },

    /** The run's counts (never personal data) to the privacy audit trail, an ops alert and the log; the daily report reads them back. */
    async reportRetention(input: { removed: RetentionCounts; day: string }): Promise<void> {
      await retention.report(input.removed, input.day);
      log.info('retention run', { day: input.day, ...input.removed });
    },

    async resealServiceKeyData(input: { limit: number }): Promise<number> {
      return keyRotation.resealServiceKeyData(input.limit);
    },

    async rewrapDataKeys(input: { limit: number }): Promise<number> {
      return keyRotation.rewrapDataKeys(input.limit);
    },

    async reencryptSecrets(input: { limit: number }): Promise<number> {
      return keyRotation.reencryptSecrets(input.limit);
    },

    async ringKeyUsage(input: { record: { resealed: number; rewrapped: number; secrets: number } }): Promise<RingKeyUsage[]> {
      return keyRotation.usage(input.record);
    },
  };
}
