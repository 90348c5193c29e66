import { ApplicationFailure } from '@temporalio/activity';
import { veriffDocumentType } from '../domain/kyc-application';
import { webhookDedupeKey } from '../vendors/veriff/contract';
import { type VendorUpdate } from '../domain/verification';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { VeriffApiError, type VeriffClient } from '../vendors/veriff/client';

export function createVeriffActivities(db: Db, cipher: PiiCipher, veriff: VeriffClient, frontendUrl: string) {
  return {
    // Opens the Veriff session for one attempt. A retry after the session was stored returns the
    // stored one, so a retried activity does not open a second session.
    async openVeriffSession(input: { recordId: string; attempt: number }): Promise<{ sessionId: string; sessionUrl: string }> {
      const record = await db.kycRecord.findUniqueOrThrow({ where: { id: input.recordId } });
      if (record.veriffSessionId && record.veriffSessionUrl && record.attempt === input.attempt) {
        return { sessionId: record.veriffSessionId, sessionUrl: record.veriffSessionUrl };
      }
      // Passports and ID cards are issued by the country of nationality; the rest by the country of residence.
      const issuingCountry = record.documentType === 'passport' || record.documentType === 'id_card' ? record.nationality : record.country;
      let session;
      try {
        session = await veriff.createSession({
          verification: {
            callback: `${frontendUrl}/kyc/records/${record.id}`,
            person: {
              firstName: cipher.decrypt(record.firstNameEnc),
              lastName: cipher.decrypt(record.lastNameEnc),
              dateOfBirth: cipher.decrypt(record.dateOfBirthEnc),
            },
            document: {
              number: cipher.decrypt(record.documentNumberEnc),
              type: veriffDocumentType(record.documentType as Parameters<typeof veriffDocumentType>[0]),
              country: issuingCountry,
            },
            vendorData: record.id,
            endUserId: record.userId,
          },
        });
      } catch (err) {
        if (err instanceof VeriffApiError && !err.retryable) {
          throw ApplicationFailure.create({
            type: 'VeriffRequestRejected',
            message: `Veriff refused the session request (HTTP ${err.httpStatus ?? '-'}, code ${err.code ?? '-'})`,
            nonRetryable: true,
            details: [{ httpStatus: err.httpStatus ?? null, code: err.code ?? null }],
          });
        }
        throw err;
      }
      await db.$transaction([
        db.kycRecord.update({
          where: { id: record.id },
          data: { veriffSessionId: session.id, veriffSessionUrl: session.url, attempt: input.attempt },
        }),
        db.kycEvent.createMany({
          data: [{
            kycRecordId: record.id,
            eventType: 'SESSION_CREATED',
            actorType: 'system',
            reason: `Veriff session opened (attempt ${input.attempt})`,
            data: { sessionId: session.id, attempt: input.attempt },
            dedupeKey: `${record.id}:${input.attempt}:SESSION_CREATED`,
          }],
          skipDuplicates: true,
        }),
      ]);
      return { sessionId: session.id, sessionUrl: session.url };
    },

    // Asks Veriff for the decision when its webhook is overdue. The answer is stored as a receipt
    // under the webhook's dedupe key, so a webhook arriving later is recognised as a duplicate.
    async fetchVeriffDecision(input: { recordId: string; sessionId: string }): Promise<VendorUpdate | null> {
      const decision = await veriff.getDecision(input.sessionId);
      if (!decision) return null;
      const attemptId = decision.attemptId ?? '';
      const dedupeKey = webhookDedupeKey(decision.id, attemptId, decision.status);
      const receipt = await db.webhookReceipt.upsert({
        where: { dedupeKey },
        create: {
          source: 'veriff-poll',
          kind: 'decision',
          kycRecordId: input.recordId,
          sessionId: decision.id,
          attemptId,
          statusOrAction: decision.status,
          dedupeKey,
          rawBodyEnc: cipher.encryptJson({ status: 'success', verification: decision }),
          signatureVerdict: 'not_applicable',
          outcome: 'processed',
          processedAt: new Date(),
        },
        update: {},
      });
      return { kind: 'decision', receiptId: receipt.id, sessionId: decision.id, attemptId, status: decision.status, reasonCode: decision.reasonCode ?? null };
    },
  };
}
