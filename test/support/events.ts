import { randomUUID } from 'node:crypto';
import { EVENT_SOURCES, type EventData, type EventType } from '../../domain/events';
import { type Db } from '../../infra/db';

// Events for the tests: a valid `data` of every catalogue type, and outbox rows written the way
// the service's own writers write them (the insert trigger numbers them per subject).

export function sampleEventData<T extends EventType>(type: T, recordId: string): EventData<T> {
  const now = new Date().toISOString();
  const taskId = randomUUID();
  const samples: { [K in EventType]: EventData<K> } = {
    KYC_CREATED: { recordId, userId: randomUUID(), country: 'BW', documentType: 'passport' },
    KYC_VERIFIED: { recordId, status: 'approved', reason: 'Your identity is verified.', nextAction: 'Nothing to do.' },
    KYC_REJECTED: { recordId, status: 'rejected', reason: 'The document has expired.', nextAction: 'Start a new verification.', reasonCode: '102' },
    KYC_ROLLBACK: { recordId, status: 'error', reason: 'We could not finish.', nextAction: 'Contact support.', failure: 'WalletUpgradeRefused' },
    KYC_RESUBMISSION_REQUESTED: { recordId, status: 'resubmission_required', reason: 'The images were not sharp enough.', nextAction: 'Retry.' },
    REVIEW_ASSIGNED: { taskId, recordId, assigneeId: null, level: 'standard', dueAt: now },
    REVIEW_ESCALATED: { taskId, recordId, assigneeId: randomUUID(), dueAt: now },
    REVIEW_DECIDED: { taskId, recordId, decision: 'reject', reasonCode: 'document_invalid', decidedBy: randomUUID(), decidedAt: now },
    OPS_ALERT: { alert: 'review_sla_breached', taskId, recordId, overdueSince: now },
    SCREENING_HIT: { recordId, screeningId: randomUUID(), trigger: 'onboarding', lists: ['ofac-sdn'], matchCount: 2, topScore: 0.915, screenedAt: now },
    SCREENING_CLEARED: { recordId, screeningId: randomUUID(), trigger: 'onboarding', lists: ['ofac-sdn', 'un-sc'], screenedAt: now },
    DOCUMENT_CHECKED: { recordId, checkId: randomUUID(), verdict: 'review', retake: false, checks: { ocr: 'success', metadata: 'success', image_integrity: 'flag for review' }, reasonCodes: ['REGION_SUSPICIOUS'], checkedAt: now },
  };
  return samples[type];
}

/** Writes one event to the outbox (no record row: kyc_record_id stays empty) and returns its id. */
export async function writeEvent(db: Db, type: EventType, subject: string, data: unknown = sampleEventData(type, subject)): Promise<string> {
  const row = await db.outboxEvent.create({
    data: { type, source: EVENT_SOURCES[type], subject, data: data as object, dedupeKey: `test:${randomUUID()}` },
    select: { id: true },
  });
  return row.id;
}
