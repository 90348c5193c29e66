import { assessRisk, type RiskAssessment } from '../domain/risk';
import { classifyWebhook } from '../vendors/veriff/contract';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { type Prisma } from '../generated/prisma/client';

export function createRiskActivities(db: Db, cipher: PiiCipher, settings: { reviewThreshold: number; highRiskCountries: readonly string[] }) {
  return {
    // Scores the decision Veriff sent (kept encrypted in its receipt) against what the customer
    // submitted. Stores the score, the reasons and the extracted data for the reviewers.
    async assessRisk(input: { recordId: string; receiptId: string; attempt: number }): Promise<RiskAssessment> {
      const record = await db.kycRecord.findUniqueOrThrow({ where: { id: input.recordId } });
      const receipt = await db.webhookReceipt.findUniqueOrThrow({ where: { id: input.receiptId } });
      const webhook = classifyWebhook(JSON.parse(cipher.decrypt(receipt.rawBodyEnc)));
      if (webhook.kind !== 'decision') throw new Error(`receipt ${receipt.id} is not a decision`);
      const verification = webhook.payload.verification;
      const duplicates = await db.kycRecord.findMany({
        where: { documentNumberHash: record.documentNumberHash, userId: { not: record.userId } },
        distinct: ['userId'],
        select: { userId: true },
      });
      const assessment = assessRisk({
        submitted: {
          firstName: cipher.decrypt(record.firstNameEnc),
          lastName: cipher.decrypt(record.lastNameEnc),
          dateOfBirth: cipher.decrypt(record.dateOfBirthEnc),
          documentNumber: cipher.decrypt(record.documentNumberEnc),
          country: record.country,
          nationality: record.nationality,
        },
        extracted: { person: verification.person ?? null, document: verification.document ?? null },
        vendorStatus: verification.status,
        riskLabels: verification.riskLabels ?? [],
        duplicateDocumentOnOtherCustomers: duplicates.length,
        highRiskCountries: settings.highRiskCountries,
        reviewThreshold: settings.reviewThreshold,
      });
      await db.$transaction([
        db.kycRecord.update({
          where: { id: record.id },
          data: {
            riskScore: assessment.score,
            riskReasons: assessment.reasons as unknown as Prisma.InputJsonValue,
            extractedDataEnc: cipher.encryptJson({ person: verification.person ?? null, document: verification.document ?? null, riskLabels: verification.riskLabels ?? [] }),
          },
        }),
        db.kycEvent.createMany({
          data: [{
            kycRecordId: record.id,
            eventType: 'RISK_ASSESSED',
            actorType: 'system',
            reason: assessment.needsReview ? 'Manual review required' : 'Automatic processing',
            data: { score: assessment.score, codes: assessment.reasons.map((r) => r.code), needsReview: assessment.needsReview },
            dedupeKey: `${record.id}:${input.attempt}:RISK_ASSESSED`,
          }],
          skipDuplicates: true,
        }),
      ]);
      return assessment;
    },
  };
}
