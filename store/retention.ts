import { type AlertDraft } from '../domain/alerts';
import { LEGAL_BASES, type RetentionCounts, type RetentionPolicy } from '../domain/privacy';
import { TERMINAL_STATUSES, type KycStatus } from '../domain/status';
import { type Db } from '../infra/db';
import { raiseAlerts } from './alerts';
import { type PersonalData } from './personal-data';
import { type PrivacyStore } from './privacy';
import { recordPrivacyEvent } from './restricted-access';
import { receiptSubject } from './webhook-receipts';

// The retention policy applied, one kind of data at a time, in batches (the retention schedule's
// workflow calls `apply` until a batch comes back short). Records keep their rows and audit trail:
// their personal data is nulled; logs lose their rows. What a run removed is counted, never named.

const REJECTED: KycStatus[] = ['rejected', 'validation_failed', 'error'];
const EXPIRED: KycStatus[] = ['expired'];

export class RetentionStore {
  constructor(
    private readonly db: Db,
    private readonly personalData: PersonalData,
    private readonly privacy: PrivacyStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Removes up to `limit` items of the kind older than `cutoff`; answers how many. */
  async apply(kind: RetentionPolicy['kind'], cutoff: Date, limit: number): Promise<number> {
    switch (kind) {
      case 'webhook_bodies':
        return this.webhookBodies(cutoff, limit);
      case 'rejected_applications':
        return this.applications(REJECTED, cutoff, limit);
      case 'expired_applications':
        return this.applications(EXPIRED, cutoff, limit);
      case 'session_links': {
        const rows = await this.db.kycRecord.findMany({ where: { veriffSessionUrl: { not: null }, status: { in: [...TERMINAL_STATUSES] }, updatedAt: { lt: cutoff } }, select: { id: true }, take: limit });
        await this.db.kycRecord.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { veriffSessionUrl: null } });
        return rows.length;
      }
      case 'security_log': {
        const rows = await this.db.securityEvent.findMany({ where: { createdAt: { lt: cutoff } }, select: { id: true }, take: limit });
        return (await this.db.securityEvent.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } })).count;
      }
      case 'unattached_uploads': {
        // Uploads no application took up (the customer gave up, or uploaded again); their checks go with them.
        const rows = await this.db.document.findMany({ where: { kycRecordId: null, createdAt: { lt: cutoff } }, select: { id: true }, take: limit });
        await this.db.documentCheck.deleteMany({ where: { documentId: { in: rows.map((r) => r.id) } } });
        return (await this.db.document.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } })).count;
      }
      case 'delivery_logs': {
        // Finished deliveries only (their attempt log goes with them); pending ones are still at work.
        const rows = await this.db.webhookDelivery.findMany({ where: { status: { in: ['succeeded', 'failed'] }, completedAt: { lt: cutoff } }, select: { id: true }, take: limit });
        return (await this.db.webhookDelivery.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } })).count;
      }
    }
  }

  /** Bodies go, the receipts stay (dedupe keys, outcomes); a body about no customer had a key of its own, destroyed with it. */
  private async webhookBodies(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.db.webhookReceipt.findMany({ where: { rawBodyEnc: { not: null }, receivedAt: { lt: cutoff } }, select: { id: true, kycRecordId: true }, take: limit });
    await this.db.webhookReceipt.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { rawBodyEnc: null, bodyErasedAt: this.now() } });
    for (const row of rows.filter((r) => r.kycRecordId === null)) await this.personalData.destroy(receiptSubject(row.id), ['personal']);
    return rows.length;
  }

  /** Ended applications nobody reviewed (a reviewed one is a due-diligence record): their personal data goes, counted from their last change. */
  private async applications(statuses: KycStatus[], cutoff: Date, limit: number): Promise<number> {
    const rows = await this.db.kycRecord.findMany({
      where: { status: { in: statuses }, piiErasedAt: null, restrictedAt: null, updatedAt: { lt: cutoff }, reviewTasks: { none: { decidedAt: { not: null } } } },
      select: { id: true },
      take: limit,
    });
    for (const row of rows) await this.privacy.eraseRecord(row.id, { basis: LEGAL_BASES.retentionPolicy, at: this.now(), dedupe: 'retention' });
    return rows.length;
  }

  /** A run's counts: on the privacy audit trail (the daily report sums them) and, when it removed anything, as an ops alert of the day. */
  async report(removed: RetentionCounts, day: string): Promise<void> {
    await recordPrivacyEvent(this.db, { action: 'retention_run', actor: { id: null, role: 'system' }, details: { day, ...removed } });
    const total = Object.values(removed).reduce((sum, n) => sum + (n ?? 0), 0);
    if (total === 0) return;
    const alert: AlertDraft = { kind: 'retention_run', severity: 'info', conditionKey: `retention_run:${day}`, details: { day, removed, total } };
    await raiseAlerts(this.db, [alert]);
  }
}
