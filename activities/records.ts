import { Context, log } from '@temporalio/activity';
import { type FieldError } from '../domain/field-error';
import { type KycApplication, validateKycApplication } from '../domain/kyc-application';
import { canTransition, ROLLED_BACK_TEXT, type KycStatus } from '../domain/status';
import { WALLET_TIERS } from '../domain/wallet';
import { type PiiCipher } from '../infra/crypto';
import { encryptAddress } from '../store/stored-application';
import { type Db } from '../infra/db';
import { type Prisma } from '../generated/prisma/client';

export type ValidationResult = { ok: true; value: KycApplication } | { ok: false; errors: FieldError[] };

export interface TransitionInput {
  recordId: string;
  from: KycStatus;
  to: KycStatus;
  reason: string;
  nextAction: string;
  eventType: string;
  dedupeKey: string;
  data?: Record<string, unknown>;
}

// Domain events (seed 002's CloudEvents types) and the customer notifications they drive, written
// to the outbox in the same transaction as the change.
const NOTIFY_ON: Partial<Record<KycStatus, string>> = {
  approved: 'KYC_VERIFIED',
  rejected: 'KYC_REJECTED',
  resubmission_required: 'KYC_RESUBMISSION_REQUESTED',
};

export function createRecordActivities(db: Db, cipher: PiiCipher, now: () => Date) {
  return {
    // A service task of its own, so the verdict is recorded in history and replays never re-judge it.
    async validateApplication(application: unknown): Promise<ValidationResult> {
      const result = validateKycApplication(application, now());
      return result.ok ? { ok: true, value: result.value } : { ok: false, errors: result.errors };
    },

    async createKycRecord(input: { recordId: string; userId: string; application: KycApplication }): Promise<void> {
      const a = input.application;
      const execution = Context.current().info.workflowExecution;
      if (!execution) throw new Error('createKycRecord runs only as a workflow activity');
      const { workflowId, runId } = execution;
      await db.$transaction(async (tx) => {
        const existing = await tx.kycRecord.findUnique({ where: { id: input.recordId }, select: { id: true } });
        if (existing) return;
        await tx.kycRecord.create({
          data: {
            id: input.recordId,
            userId: input.userId,
            workflowId,
            workflowRunId: runId,
            status: 'pending',
            firstNameEnc: cipher.encrypt(a.first_name),
            lastNameEnc: cipher.encrypt(a.last_name),
            dateOfBirthEnc: cipher.encrypt(a.date_of_birth),
            documentNumberEnc: cipher.encrypt(a.document_number),
            documentNumberHash: cipher.documentHash(a.document_number),
            addressEnc: encryptAddress(a, cipher),
            nationality: a.nationality,
            country: a.country,
            documentType: a.document_type,
          },
        });
        await tx.kycEvent.create({
          data: {
            kycRecordId: input.recordId,
            eventType: 'KYC_CREATED',
            toStatus: 'pending',
            actorType: 'customer',
            actorId: input.userId,
            reason: 'Verification requested',
            dedupeKey: `${input.recordId}:created`,
          },
        });
        await tx.outboxEvent.create({
          data: {
            kycRecordId: input.recordId,
            type: 'KYC_CREATED',
            source: '/kyc/records',
            subject: input.recordId,
            data: { recordId: input.recordId, userId: input.userId, country: a.country, documentType: a.document_type },
            dedupeKey: `${input.recordId}:KYC_CREATED`,
          },
        });
      });
    },

    // Moves the record and appends the audit event in one transaction. The dedupe key makes a
    // retried activity a no-op; a move the status machine forbids is refused, not written.
    async transition(input: TransitionInput): Promise<{ applied: boolean }> {
      return db.$transaction(async (tx) => {
        const already = await tx.kycEvent.findUnique({ where: { dedupeKey: input.dedupeKey }, select: { id: true } });
        if (already) return { applied: false };
        const record = await tx.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { status: true } });
        if (record.status !== input.to && !canTransition(record.status, input.to)) {
          log.warn('refused status transition', { recordId: input.recordId, from: record.status, to: input.to });
          throw new Error(`transition ${record.status} -> ${input.to} is not allowed`);
        }
        await tx.kycRecord.update({
          where: { id: input.recordId },
          data: {
            status: input.to,
            statusReason: input.reason,
            nextAction: input.nextAction,
            ...(input.to === 'approved' ? { verifiedAt: now() } : {}),
            ...(typeof input.data?.vendorStatus === 'string' ? { vendorStatus: input.data.vendorStatus } : {}),
            ...(typeof input.data?.reasonCode === 'number' ? { vendorReasonCode: input.data.reasonCode } : {}),
          },
        });
        await tx.kycEvent.create({
          data: {
            kycRecordId: input.recordId,
            eventType: input.eventType,
            fromStatus: record.status,
            toStatus: input.to,
            actorType: 'system',
            reason: input.reason,
            data: (input.data ?? {}) as Prisma.InputJsonValue,
            dedupeKey: input.dedupeKey,
          },
        });
        const notification = NOTIFY_ON[input.to];
        if (notification) {
          await tx.outboxEvent.create({
            data: {
              kycRecordId: input.recordId,
              type: notification,
              source: '/kyc/records',
              subject: input.recordId,
              data: { recordId: input.recordId, status: input.to, reason: input.reason, nextAction: input.nextAction },
              dedupeKey: `${input.dedupeKey}:notify`,
            },
          });
        }
        return { applied: true };
      });
    },

    // The saga's compensation for an approval whose wallet upgrade failed for good.
    async rollbackApproval(input: { recordId: string; failure: string; dedupeKey: string }): Promise<{ applied: boolean }> {
      return db.$transaction(async (tx) => {
        const already = await tx.kycEvent.findUnique({ where: { dedupeKey: input.dedupeKey }, select: { id: true } });
        if (already) return { applied: false };
        const record = await tx.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { status: true, userId: true } });
        // Only what this approval changed is undone; an upgrade from an earlier verification stays.
        await tx.wallet.updateMany({
          where: { userId: record.userId, upgradedByRecordId: input.recordId },
          data: { walletType: 'basic', isKycVerified: false, dailyLimit: WALLET_TIERS.basic.dailyLimit, monthlyLimit: WALLET_TIERS.basic.monthlyLimit, upgradedAt: null, upgradedByRecordId: null },
        });
        await tx.kycRecord.update({
          where: { id: input.recordId },
          data: { status: 'error', statusReason: ROLLED_BACK_TEXT.reason, nextAction: ROLLED_BACK_TEXT.nextAction, verifiedAt: null },
        });
        await tx.kycEvent.create({
          data: {
            kycRecordId: input.recordId,
            eventType: 'KYC_ROLLBACK',
            fromStatus: record.status,
            toStatus: 'error',
            actorType: 'system',
            reason: 'Wallet upgrade failed after approval; approval rolled back',
            data: { failure: input.failure },
            dedupeKey: input.dedupeKey,
          },
        });
        await tx.outboxEvent.create({
          data: {
            kycRecordId: input.recordId,
            type: 'KYC_ROLLBACK',
            source: '/kyc/records',
            subject: input.recordId,
            data: { recordId: input.recordId, status: 'error', reason: ROLLED_BACK_TEXT.reason, nextAction: ROLLED_BACK_TEXT.nextAction, failure: input.failure },
            dedupeKey: `${input.dedupeKey}:notify`,
          },
        });
        return { applied: true };
      });
    },
  };
}
