import { z } from 'zod';
import { type ApplicationAddress, type KycApplication } from '../domain/kyc-application';
import { type RiskAssessment, type RiskInput } from '../domain/risk';
import { type KnownIdentity } from '../domain/screening';
import { allowsMove, applicationStatus, kycStatusSchema, type MoveKind, ROLLED_BACK_TEXT, statusesMovingTo, type ApplicationStatus, type KycStatus } from '../domain/status';
import { type EventData, type EventType } from '../domain/events';
import { Prisma, type KycRecord } from '../generated/prisma/client';
import { type PiiCipher } from '../infra/crypto';
import { type Db, runStatement } from '../infra/db';
import { alreadyRecorded, appendEvent, type AuditEvent, insertEventSql, type Tx } from './audit';
import { enqueueEvent, insertOutboxEventSql } from './outbox';
import { type PersonalData } from './personal-data';
import { admitRead, PersonalDataUnavailable, type Reader, SERVICE_READER } from './restricted-access';
import { clearRunSql, type ScreeningRunInput, writeScreeningRun } from './screening';
import { rollBackUpgrade } from './wallets';

// The record store: the one owner of kyc_records and of the personal data in them. It alone
// creates, reads and amends records, and seals and opens their PII columns with the customer's data
// key (store/personal-data.ts; every column holding ciphertext ends in _enc, `grep -n '_enc"'
// prisma/schema.prisma` lists them all). Every change appends its audit event and enqueues its
// domain events in the same transaction. A record whose personal data was erased, or is kept
// restricted under anti-money-laundering rules, is no longer read here (PersonalDataUnavailable),
// but by the auditor with a reason, through the gate of store/restricted-access.ts (logged).

export type { KycRecord } from '../generated/prisma/client';

// The address is kept as one encrypted JSON document of this shape.
const storedAddressSchema = z.object({
  address_line_1: z.string(),
  address_line_2: z.string().nullable(),
  city: z.string(),
  state_province: z.string().nullable(),
  postal_code: z.string(),
});


export interface TransitionInput {
  recordId: string;
  from: KycStatus;
  to: KycStatus;
  reason: string;
  nextAction: string;
  eventType: string;
  dedupeKey: string;
  data?: Prisma.InputJsonObject;
}

// The events a customer is told about (the outbox carries them to subscribers), by the status they report.
const NOTIFY_ON = {
  approved: 'KYC_VERIFIED',
  rejected: 'KYC_REJECTED',
  resubmission_required: 'KYC_RESUBMISSION_REQUESTED',
} as const satisfies Partial<Record<KycStatus, EventType>>;
type NotifiedStatus = keyof typeof NOTIFY_ON;
const isNotified = (status: KycStatus): status is NotifiedStatus => Object.hasOwn(NOTIFY_ON, status);


/** What a customer submitted, or how the API sealed it for the workflow's history (KycVerificationInput.sealedApplication). */
export type ApplicationSource = { application: KycApplication } | { sealedApplication: string };

/** What the vendor is asked to verify, decrypted for the session request. */
export interface SessionApplicant {
  recordId: string;
  userId: string;
  attempt: number;
  session: { id: string; url: string } | null;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  documentNumber: string;
  documentType: KycApplication['document_type'];
  nationality: string;
  country: string;
}

export interface ApplicationFilter {
  userId?: string;
  status?: ApplicationStatus;
  country?: string;
  createdAt?: Prisma.DateTimeFilter;
  after?: { createdAt: Date; id: string };
  limit: number;
}

const ROLLBACK_EVENT = 'KYC_ROLLBACK';
const applicationInclude = {
  user: { select: { email: true } },
  events: { where: { eventType: ROLLBACK_EVENT }, select: { id: true }, take: 1 },
  // The files an application references (what they are, never their bytes).
  documents: { select: { id: true, kind: true }, orderBy: { createdAt: 'asc' } },
} as const;
export type ApplicationRow = Prisma.KycRecordGetPayload<{ include: typeof applicationInclude }> & { applicationStatus: ApplicationStatus };

export class RecordStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: PiiCipher,
    private readonly personalData: PersonalData,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The customer a record belongs to: the subject whose key seals its personal data. */
  async subjectOf(recordId: string): Promise<string> {
    return (await this.db.kycRecord.findUniqueOrThrow({ where: { id: recordId }, select: { userId: true } })).userId;
  }

  /** Whose a record is and its current attempt (a kept vendor image is theirs, of that attempt); null when there is no such record. */
  async ownerAndAttempt(recordId: string): Promise<{ userId: string; attempt: number } | null> {
    // On the driver: every kept vendor image asks it.
    const [row] = await runStatement<{ userId: string; attempt: number }>(this.db, Prisma.sql`SELECT user_id::text AS "userId", attempt FROM kyc_records WHERE id = ${recordId}::uuid`);
    return row ?? null;
  }

  // ---------------------------------------------------------------------------------------------
  // Changes (called by activities, on behalf of the verification workflow)

  /** Creates the record of a validated application, once: a retry finds it there. */
  async create(input: { recordId: string; userId: string; workflowId: string; runId: string } & ApplicationSource): Promise<void> {
    // A retry finds the record before it seals anything again (on the driver: every start asks it).
    if ((await runStatement(this.db, Prisma.sql`SELECT 1 FROM kyc_records WHERE id = ${input.recordId}::uuid`)).length) return;
    const { userId } = input;
    const a = 'application' in input ? input.application : await this.personalData.openJson<KycApplication>(userId, input.sealedApplication);
    const seal = (value: string) => this.personalData.seal(userId, value);
    const sealed = {
      firstNameEnc: await seal(a.first_name),
      lastNameEnc: await seal(a.last_name),
      dateOfBirthEnc: await seal(a.date_of_birth),
      documentNumberEnc: await seal(a.document_number),
      addressEnc: await this.sealAddress(userId, a),
    };
    // The record, its audit event and its domain event in one statement; a record already there
    // (a retry, or a concurrent first try) is left as it is, with nothing recorded twice.
    const at = this.now();
    const created = Prisma.sql`FROM created`;
    await runStatement(this.db, Prisma.sql`
      WITH created AS (
        INSERT INTO kyc_records (id, user_id, workflow_id, workflow_run_id, status, first_name_enc, last_name_enc, date_of_birth_enc, document_number_enc, address_enc,
                                 document_number_hash, nationality, country, document_type, created_at, updated_at)
        VALUES (${input.recordId}::uuid, ${userId}::uuid, ${input.workflowId}, ${input.runId}, 'pending', ${sealed.firstNameEnc}, ${sealed.lastNameEnc}, ${sealed.dateOfBirthEnc},
                ${sealed.documentNumberEnc}, ${sealed.addressEnc}, ${this.cipher.documentHash(a.document_number)}, ${a.nationality}, ${a.country}, ${a.document_type}, ${at}::timestamptz, ${at}::timestamptz)
        ON CONFLICT (id) DO NOTHING
        RETURNING id
      ),
      audit AS (${insertEventSql({ recordId: input.recordId, type: 'KYC_CREATED', to: 'pending', actor: { type: 'customer', id: userId }, reason: 'Verification requested', dedupeKey: `${input.recordId}:created` }, at, created)})
      ${insertOutboxEventSql({ type: 'KYC_CREATED', recordId: input.recordId, data: { recordId: input.recordId, userId, country: a.country, documentType: a.document_type }, dedupeKey: `${input.recordId}:KYC_CREATED` }, at, created)}`);
  }

  /**
   * Moves the record and appends the audit event in one transaction. The dedupe key makes a retried
   * activity a no-op; a move the status machine forbids is refused, not written.
   */
  async transition(input: TransitionInput): Promise<{ applied: boolean }> {
    const at = this.now();
    const { recordId, to } = input;
    // The move, its audit event and its domain event in one statement: a transition is on every
    // verification's path several times, and one statement is one round trip where a transaction
    // of reads and writes was seven. The record's row is locked while it is read and moved.
    const moved = Prisma.sql`FROM moved`;
    const notify = isNotified(to)
      ? Prisma.sql`, notice AS (${insertOutboxEventSql({ type: NOTIFY_ON[to], recordId, data: { recordId, status: to, reason: input.reason, nextAction: input.nextAction } as EventData<(typeof NOTIFY_ON)[NotifiedStatus]>, dedupeKey: `${input.dedupeKey}:notify` }, at, moved)})`
      : Prisma.empty;
    const vendorStatus = typeof input.data?.vendorStatus === 'string' ? input.data.vendorStatus : null;
    const vendorReasonCode = typeof input.data?.reasonCode === 'number' ? input.data.reasonCode : null;
    const [row] = await runStatement<{ status: KycStatus | null; recorded: boolean; moved: boolean }>(this.db, Prisma.sql`
      WITH current AS (SELECT status::text AS status FROM kyc_records WHERE id = ${recordId}::uuid FOR UPDATE),
      recorded AS (SELECT 1 FROM kyc_events WHERE dedupe_key = ${input.dedupeKey}),
      moved AS (
        UPDATE kyc_records
        SET status = ${to}::"KycStatus", status_reason = ${input.reason}, next_action = ${input.nextAction}, updated_at = ${at}::timestamptz
            ${to === 'approved' ? Prisma.sql`, verified_at = ${at}::timestamptz` : Prisma.empty}
            ${vendorStatus !== null ? Prisma.sql`, vendor_status = ${vendorStatus}` : Prisma.empty}
            ${vendorReasonCode !== null ? Prisma.sql`, vendor_reason_code = ${vendorReasonCode}::int` : Prisma.empty}
        WHERE id = ${recordId}::uuid AND NOT EXISTS (SELECT 1 FROM recorded) AND (SELECT status FROM current) = ANY(${statusesMovingTo(to, 'progress')}::text[])
        RETURNING id
      ),
      audit AS (${insertEventSql({ recordId, type: input.eventType, from: Prisma.sql`SELECT status FROM current`, to, actor: { type: 'system' }, reason: input.reason, ...(input.data ? { data: input.data } : {}), dedupeKey: input.dedupeKey }, at, moved)})
      ${notify}
      SELECT (SELECT status FROM current) AS status, EXISTS (SELECT 1 FROM recorded) AS recorded, EXISTS (SELECT 1 FROM moved) AS moved`);
    if (!row || row.status === null) throw new Error(`record ${recordId} does not exist`);
    if (row.recorded) return { applied: false };
    if (!row.moved) throw new Error(`transition ${row.status} -> ${to} is not allowed`);
    return { applied: true };
  }

  /**
   * The one write of a record's status besides transition()'s statement: a move of the given kind
   * (domain/status.ts: a compensation, a withdrawal), checked against the status machine with the
   * row locked, with its audit event, in the caller's transaction. Null when the record does not
   * exist or the machine does not allow this move from its status (nothing is written).
   */
  private async moveIn(
    tx: Tx,
    input: { recordId: string; to: KycStatus; kind: Exclude<MoveKind, 'progress'>; statusReason: string; nextAction: string; clearVerifiedAt?: boolean; event: Omit<AuditEvent, 'recordId' | 'from' | 'to'> },
  ): Promise<{ from: KycStatus } | null> {
    const [row] = await tx.$queryRaw<{ status: KycStatus }[]>`SELECT status::text AS status FROM kyc_records WHERE id = ${input.recordId}::uuid FOR UPDATE`;
    if (!row || !allowsMove(row.status, input.to, input.kind)) return null;
    await tx.kycRecord.update({
      where: { id: input.recordId },
      data: { status: input.to, statusReason: input.statusReason, nextAction: input.nextAction, ...(input.clearVerifiedAt ? { verifiedAt: null } : {}) },
    });
    await appendEvent(tx, { ...input.event, recordId: input.recordId, from: row.status, to: input.to });
    return { from: row.status };
  }

  /** The saga's compensation for an approval whose wallet upgrade failed for good. */
  async rollbackApproval(input: { recordId: string; failure: string; dedupeKey: string }): Promise<{ applied: boolean }> {
    return this.db.$transaction(async (tx) => {
      if (await alreadyRecorded(tx, input.dedupeKey)) return { applied: false };
      const { userId } = await tx.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { userId: true } });
      const moved = await this.moveIn(tx, {
        recordId: input.recordId,
        to: 'error',
        kind: 'compensation',
        statusReason: ROLLED_BACK_TEXT.reason,
        nextAction: ROLLED_BACK_TEXT.nextAction,
        clearVerifiedAt: true,
        event: { type: ROLLBACK_EVENT, actor: { type: 'system' }, reason: 'Wallet upgrade failed after approval; approval rolled back', data: { failure: input.failure }, dedupeKey: input.dedupeKey },
      });
      if (!moved) throw new Error(`record ${input.recordId} is not approved: there is no approval to roll back`);
      await rollBackUpgrade(tx, { userId, recordId: input.recordId });
      await enqueueEvent(tx, {
        type: 'KYC_ROLLBACK',
        recordId: input.recordId,
        data: { recordId: input.recordId, status: 'error', reason: ROLLED_BACK_TEXT.reason, nextAction: ROLLED_BACK_TEXT.nextAction, failure: input.failure },
        dedupeKey: `${input.dedupeKey}:notify`,
      });
      return { applied: true };
    });
  }

  /** The applicant as the vendor must be asked about them, decrypted, with the session of the current attempt if one is open. */
  async sessionApplicant(recordId: string): Promise<SessionApplicant> {
    // On the driver: every vendor session (a verification's start) reads it.
    const [record] = await runStatement<
      Pick<KycRecord, 'id' | 'userId' | 'attempt' | 'veriffSessionId' | 'veriffSessionUrl' | 'firstNameEnc' | 'lastNameEnc' | 'dateOfBirthEnc' | 'documentNumberEnc' | 'documentType' | 'nationality' | 'country' | 'piiErasedAt' | 'restrictedAt'>
    >(
      this.db,
      Prisma.sql`
        SELECT id::text AS id, user_id::text AS "userId", attempt, veriff_session_id AS "veriffSessionId", veriff_session_url AS "veriffSessionUrl",
               first_name_enc AS "firstNameEnc", last_name_enc AS "lastNameEnc", date_of_birth_enc AS "dateOfBirthEnc", document_number_enc AS "documentNumberEnc",
               document_type AS "documentType", nationality, country, pii_erased_at AS "piiErasedAt", restricted_at AS "restrictedAt"
        FROM kyc_records WHERE id = ${recordId}::uuid`,
    );
    if (!record) throw new Error(`record ${recordId} does not exist`);
    const open = await this.opener(record);
    return {
      recordId: record.id,
      userId: record.userId,
      attempt: record.attempt,
      session: record.veriffSessionId && record.veriffSessionUrl ? { id: record.veriffSessionId, url: record.veriffSessionUrl } : null,
      firstName: await open(record.firstNameEnc),
      lastName: await open(record.lastNameEnc),
      dateOfBirth: await open(record.dateOfBirthEnc),
      documentNumber: await open(record.documentNumberEnc),
      documentType: record.documentType as KycApplication['document_type'],
      nationality: record.nationality,
      country: record.country,
    };
  }

  async attachSession(input: { recordId: string; attempt: number; session: { id: string; url: string } }): Promise<void> {
    const at = this.now();
    await runStatement(this.db, Prisma.sql`
      WITH attached AS (
        UPDATE kyc_records SET veriff_session_id = ${input.session.id}, veriff_session_url = ${input.session.url}, attempt = ${input.attempt}::int, updated_at = ${at}::timestamptz
        WHERE id = ${input.recordId}::uuid
        RETURNING id
      )
      ${insertEventSql(
        {
          recordId: input.recordId,
          type: 'SESSION_CREATED',
          actor: { type: 'system' },
          reason: `Identity-verification session opened (attempt ${input.attempt})`,
          data: { sessionId: input.session.id, attempt: input.attempt },
          dedupeKey: `${input.recordId}:${input.attempt}:SESSION_CREATED`,
        },
        at,
        Prisma.sql`FROM attached`,
      )}`);
  }

  /** What the risk rules compare the vendor's extraction with: the submission, decrypted, and the duplicates of its document. */
  async riskContext(recordId: string): Promise<{ userId: string; submitted: RiskInput['submitted']; duplicateDocumentOnOtherCustomers: number }> {
    // The record and its document's other customers in one statement (this step is on every decision's path).
    const [record] = await runStatement<
      Pick<KycRecord, 'userId' | 'piiErasedAt' | 'restrictedAt' | 'firstNameEnc' | 'lastNameEnc' | 'dateOfBirthEnc' | 'documentNumberEnc' | 'country' | 'nationality'> & { duplicates: number }
    >(
      this.db,
      Prisma.sql`
      SELECT k.user_id::text AS "userId", k.pii_erased_at AS "piiErasedAt", k.restricted_at AS "restrictedAt",
             k.first_name_enc AS "firstNameEnc", k.last_name_enc AS "lastNameEnc", k.date_of_birth_enc AS "dateOfBirthEnc", k.document_number_enc AS "documentNumberEnc",
             k.country::text AS country, k.nationality::text AS nationality,
             (SELECT count(DISTINCT d.user_id) FROM kyc_records d WHERE d.document_number_hash = k.document_number_hash AND d.user_id <> k.user_id)::int AS duplicates
        FROM kyc_records k
       WHERE k.id = ${recordId}::uuid`,
    );
    if (!record) throw new Error(`record ${recordId} does not exist`);
    const open = await this.opener({ ...record, id: recordId });
    return {
      userId: record.userId,
      submitted: {
        firstName: await open(record.firstNameEnc),
        lastName: await open(record.lastNameEnc),
        dateOfBirth: await open(record.dateOfBirthEnc),
        documentNumber: await open(record.documentNumberEnc),
        country: record.country,
        nationality: record.nationality,
      },
      duplicateDocumentOnOtherCustomers: record.duplicates,
    };
  }

  /**
   * Stores the score, its reasons (codes, no personal data), what the vendor extracted (encrypted,
   * for the reviewers) and the sanctions and PEP screening behind it (the run, the case hits a
   * reviewer must resolve, its outbox event), once: a retry finds the assessment recorded.
   */
  async saveRiskAssessment(input: { recordId: string; attempt: number; assessment: RiskAssessment; extracted: unknown; screening: Omit<ScreeningRunInput, 'recordId' | 'trigger'> }): Promise<void> {
    const { assessment } = input;
    const dedupeKey = `${input.recordId}:${input.attempt}:RISK_ASSESSED`;
    // The screening's subject is the record's owner (activities/risk.ts reads both from the record).
    const extractedDataEnc = await this.personalData.sealJson(input.screening.subjectId, input.extracted);
    const at = this.now();
    const eventOf = (screening: { runId: string; result: string; matches: number }): AuditEvent => ({
      recordId: input.recordId,
      type: 'RISK_ASSESSED',
      actor: { type: 'system' },
      reason: assessment.needsReview ? 'Manual review required' : 'Automatic processing',
      data: {
        score: assessment.score,
        codes: assessment.reasons.map((r) => r.code),
        needsReview: assessment.needsReview,
        needsFourEyes: assessment.needsFourEyes,
        screening: { ...screening, listVersionIds: input.screening.listVersionIds },
      },
      dedupeKey,
    });
    // A screening without a match (no case to open) is written with the assessment in one
    // statement: this step is on every decision's path to the customer's answer. Once: nothing is
    // written when the assessment's event exists, and a retry racing the first attempt fails as a
    // whole on the event's dedupe key (and finds the work done when retried).
    const clear = await clearRunSql(this.db, { ...input.screening, recordId: input.recordId, trigger: 'onboarding' }, at, Prisma.sql`WHERE NOT EXISTS (SELECT 1 FROM kyc_events WHERE dedupe_key = ${dedupeKey})`);
    if (clear) {
      await runStatement(this.db, Prisma.sql`
        WITH ${clear.ctes},
        assessed AS (
          UPDATE kyc_records SET risk_score = ${assessment.score}::int, risk_reasons = ${JSON.stringify(assessment.reasons)}::jsonb, extracted_data_enc = ${extractedDataEnc}, updated_at = ${at}::timestamptz
          WHERE id = ${input.recordId}::uuid AND EXISTS (SELECT 1 FROM screening_run)
          RETURNING id
        )
        ${insertEventSql(eventOf({ runId: clear.runId, result: 'clear', matches: 0 }), at, Prisma.sql`FROM assessed`, 'fail')}`);
      return;
    }
    await this.db.$transaction(async (tx) => {
      if (await alreadyRecorded(tx, dedupeKey)) return;
      const screening = await writeScreeningRun(tx, { ...input.screening, recordId: input.recordId, trigger: 'onboarding' }, this.now());
      await tx.kycRecord.update({
        where: { id: input.recordId },
        data: { riskScore: assessment.score, riskReasons: assessment.reasons as unknown as Prisma.InputJsonArray, extractedDataEnc },
      });
      await appendEvent(tx, eventOf({ runId: screening.runId, result: screening.result, matches: screening.openMatches.length }));
    });
  }

  /**
   * Amends the address of a pending application before its vendor session exists; 'refused' once
   * the session is open (the submitted details are then what the vendor checks).
   */
  async amendAddress(input: { recordId: string; actorId: string; fields: string[] } & ({ address: ApplicationAddress } | { sealedAddress: string })): Promise<'amended' | 'refused'> {
    const userId = await this.subjectOf(input.recordId);
    const address = 'address' in input ? input.address : await this.personalData.openJson<ApplicationAddress>(userId, input.sealedAddress);
    const addressEnc = await this.sealAddress(userId, address);
    return this.db.$transaction(async (tx) => {
      const updated = await tx.kycRecord.updateMany({
        where: { id: input.recordId, status: 'pending', veriffSessionId: null, piiErasedAt: null, restrictedAt: null },
        data: { addressEnc },
      });
      if (updated.count === 0) return 'refused';
      // Field names only: the audit trail says what changed, the encrypted record holds the values.
      await appendEvent(tx, { recordId: input.recordId, type: 'APPLICATION_UPDATED', actor: { type: 'customer', id: input.actorId }, reason: 'Address amended before the identity check', data: { fields: input.fields } });
      return 'amended';
    });
  }

  /** The daily cleanup's close of a verification whose workflow stopped while it waited for the customer (a withdrawal). */
  async expireAbandoned(input: { recordId: string; reason: string; nextAction: string; data: Prisma.InputJsonObject }): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const record = await tx.kycRecord.findUnique({ where: { id: input.recordId }, select: { status: true } });
      // Abandoned: still waiting for the customer; any other open verification is not the cleanup's.
      if (!record || (record.status !== 'pending' && record.status !== 'in_progress')) return false;
      const moved = await this.moveIn(tx, {
        recordId: input.recordId,
        to: 'expired',
        kind: 'withdrawal',
        statusReason: input.reason,
        nextAction: input.nextAction,
        event: {
          type: 'SESSION_EXPIRED_CLEANUP',
          actor: { type: 'system' },
          // The customer's words; why it was closed this way (its workflow had stopped) is in the data.
          reason: input.reason,
          data: { ...input.data, closedBy: 'expired-session cleanup' },
          dedupeKey: `${input.recordId}:ops-cleanup:expired`,
        },
      });
      return moved !== null;
    });
  }

  /**
   * Closes a verification whose workflow was cancelled (the customer's erasure cancels it): an open
   * record becomes `expired` with the given words and a VERIFICATION_WITHDRAWN event, whatever
   * status it had (a withdrawal); false when there is no record yet (the cancellation came first)
   * or it had ended.
   */
  async withdraw(input: { recordId: string; attempt: number; reason: string; nextAction: string }): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const moved = await this.moveIn(tx, {
        recordId: input.recordId,
        to: 'expired',
        kind: 'withdrawal',
        statusReason: input.reason,
        nextAction: input.nextAction,
        event: { type: 'VERIFICATION_WITHDRAWN', actor: { type: 'system' }, reason: input.reason, data: { attempt: input.attempt, cause: 'workflow cancelled' }, dedupeKey: `${input.recordId}:withdrawn` },
      });
      if (!moved) return false;
      await tx.reviewTask.updateMany({ where: { kycRecordId: input.recordId, status: 'open' }, data: { status: 'cancelled' } });
      return true;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Reads (the API's views, the webhook receipt's lookup)

  async get(id: string): Promise<KycRecord | null> {
    return this.db.kycRecord.findUnique({ where: { id } });
  }

  /**
   * A record the reader may see: customers their own only, staff every one; null otherwise (as if
   * it did not exist). A restricted record is the auditor's alone, with a reason (the gate).
   */
  async visibleTo(reader: Reader, id: string): Promise<KycRecord | null> {
    const record = await this.get(id);
    if (!record || (reader.role === 'customer' && record.userId !== reader.userId)) return null;
    await admitRead(this.db, reader, 'record', [record]);
    return record;
  }

  /** The application as the customer submitted it (or last amended it), decrypted: to resubmit or amend it, or for the reviewers. */
  async submittedApplication(record: KycRecord, reader: Reader = SERVICE_READER): Promise<KycApplication> {
    const open = await this.opener(record, reader);
    const address = storedAddressSchema.parse(JSON.parse(await open(record.addressEnc)));
    return {
      first_name: await open(record.firstNameEnc),
      last_name: await open(record.lastNameEnc),
      date_of_birth: await open(record.dateOfBirthEnc),
      nationality: record.nationality as KycApplication['nationality'],
      document_type: record.documentType as KycApplication['document_type'],
      document_number: await open(record.documentNumberEnc),
      address_line_1: address.address_line_1,
      address_line_2: address.address_line_2 ?? undefined,
      city: address.city,
      state_province: address.state_province ?? undefined,
      postal_code: address.postal_code,
      country: record.country as KycApplication['country'],
    };
  }

  /** What the vendor extracted from the document, decrypted, once a decision came. */
  async extractedData<T>(record: KycRecord, reader: Reader = SERVICE_READER): Promise<T | null> {
    return record.extractedDataEnc ? (JSON.parse(await (await this.opener(record, reader))(record.extractedDataEnc)) as T) : null;
  }

  async events(recordId: string) {
    return this.db.kycEvent.findMany({ where: { kycRecordId: recordId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** A reviewer's case file: the record, its review tasks and its timeline (a restricted one for the auditor only, through the gate). */
  async caseFile(recordId: string, reader: Reader) {
    const file = await this.db.kycRecord.findUnique({ where: { id: recordId }, include: { events: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }, reviewTasks: { orderBy: { createdAt: 'asc' } } } });
    if (file) await admitRead(this.db, reader, 'record', [file]);
    return file;
  }

  /** The record a vendor webhook is about: by its session id, or by the record id we sent as vendorData. */
  async findBySession(sessionId: string, vendorData: string | null | undefined): Promise<Pick<KycRecord, 'id' | 'userId' | 'workflowId' | 'workflowRunId' | 'status' | 'veriffSessionId'> | null> {
    // On every webhook's path: one statement written out (a query of the client's builder costs
    // several times its CPU), both unique indexes, the session's own record first.
    const recordId = vendorData && z.uuid().safeParse(vendorData).success ? vendorData : null;
    const [row] = await runStatement<{ id: string; user_id: string; workflow_id: string; workflow_run_id: string; status: KycStatus; veriff_session_id: string | null }>(
      this.db,
      Prisma.sql`
      SELECT id, user_id, workflow_id, workflow_run_id, status::text AS status, veriff_session_id FROM kyc_records
      WHERE veriff_session_id = ${sessionId} OR id = ${recordId}::uuid
      ORDER BY (veriff_session_id = ${sessionId}) DESC NULLS LAST
      LIMIT 1`,
    );
    return row ? { id: row.id, userId: row.user_id, workflowId: row.workflow_id, workflowRunId: row.workflow_run_id, status: row.status, veriffSessionId: row.veriff_session_id } : null;
  }

  /**
   * A page of approved verifications in record id order, decrypted for a rescreen: what the
   * customer submitted and what the vendor read. Held in memory by the caller only.
   */
  async approvedIdentities(page: { after: string | null; limit: number }): Promise<{ recordId: string; userId: string; identity: KnownIdentity }[]> {
    // Erased and restricted records are no longer screened: their personal data is gone or is kept
    // for the auditor only, and the customer relationship has ended.
    const records = await this.db.kycRecord.findMany({
      where: { status: 'approved', piiErasedAt: null, restrictedAt: null, ...(page.after ? { id: { gt: page.after } } : {}) },
      orderBy: { id: 'asc' },
      take: page.limit,
    });
    return Promise.all(records.map(async (record) => ({ recordId: record.id, userId: record.userId, identity: await this.knownIdentity(record) })));
  }

  /** What a record knows of its customer's identity, decrypted (as submitted, as the vendor read it): what screening screens. */
  async identityOf(recordId: string): Promise<{ userId: string; status: string; identity: KnownIdentity }> {
    const record = await this.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    return { userId: record.userId, status: record.status, identity: await this.knownIdentity(record) };
  }

  private async knownIdentity(record: KycRecord): Promise<KnownIdentity> {
    const open = await this.opener(record);
    const extracted = (await this.extractedData<{ identity?: KnownIdentity['extracted'] }>(record))?.identity ?? null;
    return {
      submitted: { firstName: await open(record.firstNameEnc), lastName: await open(record.lastNameEnc), dateOfBirth: await open(record.dateOfBirthEnc), nationality: record.nationality, country: record.country },
      extracted,
    };
  }


  async approvedRecordOf(userId: string): Promise<{ id: string } | null> {
    // On the driver: every verification start asks it.
    const [row] = await runStatement<{ id: string }>(this.db, Prisma.sql`SELECT id::text AS id FROM kyc_records WHERE user_id = ${userId}::uuid AND status = 'approved' LIMIT 1`);
    return row ?? null;
  }

  /** Applications in the application API's view, newest first, one page (limit + 1 rows tell whether there is a next page). */
  async listApplications(filter: ApplicationFilter): Promise<ApplicationRow[]> {
    const where: Prisma.KycRecordWhereInput = {
      AND: [
        filter.userId ? { userId: filter.userId } : {},
        filter.status ? applicationStatusFilter(filter.status) : {},
        filter.country ? { country: filter.country } : {},
        filter.createdAt ? { createdAt: filter.createdAt } : {},
        filter.after ? { OR: [{ createdAt: { lt: filter.after.createdAt } }, { createdAt: filter.after.createdAt, id: { lt: filter.after.id } }] } : {},
      ],
    };
    const rows = await this.db.kycRecord.findMany({ where, include: applicationInclude, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
    return rows.map(withApplicationStatus);
  }

  async application(id: string): Promise<ApplicationRow> {
    return withApplicationStatus(await this.db.kycRecord.findUniqueOrThrow({ where: { id }, include: applicationInclude }));
  }

  /** A customer's own records, newest first, and wallet. */
  async customerSummary(userId: string) {
    const [wallet, records] = await Promise.all([
      this.db.wallet.findUnique({ where: { userId } }),
      this.db.kycRecord.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, select: { id: true, status: true, statusReason: true, nextAction: true, createdAt: true, verifiedAt: true } }),
    ]);
    return { wallet, records };
  }

  async countsByStatus(): Promise<Partial<Record<KycStatus, number>>> {
    const groups = await this.db.kycRecord.groupBy({ by: ['status'], _count: { _all: true } });
    return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
  }

  /** Opens the PII columns of a record; refuses an erased one, and a restricted one to all but the auditor with a reason (the gate). */
  private async opener(record: Pick<KycRecord, 'id' | 'userId' | 'piiErasedAt' | 'restrictedAt'>, reader: Reader = SERVICE_READER): Promise<(sealed: string | null) => Promise<string>> {
    if (record.piiErasedAt) throw new PersonalDataUnavailable('erased');
    await admitRead(this.db, reader, 'record', [record]);
    return async (sealed) => {
      if (sealed === null) throw new PersonalDataUnavailable('erased');
      return this.personalData.open(record.userId, sealed);
    };
  }

  private async sealAddress(userId: string, application: ApplicationAddress): Promise<string> {
    const stored: z.infer<typeof storedAddressSchema> = {
      address_line_1: application.address_line_1,
      address_line_2: application.address_line_2 ?? null,
      city: application.city,
      state_province: application.state_province ?? null,
      postal_code: application.postal_code,
    };
    return this.personalData.sealJson(userId, stored);
  }
}

function withApplicationStatus(row: Prisma.KycRecordGetPayload<{ include: typeof applicationInclude }>): ApplicationRow {
  return { ...row, applicationStatus: applicationStatus(row.status, row.events.length > 0) };
}

// The inverse of applicationStatus: which of our statuses each application status stands for.
// ROLLED_BACK is an `error` record whose approval was compensated (a KYC_ROLLBACK event).
function applicationStatusFilter(status: ApplicationStatus): Prisma.KycRecordWhereInput {
  const rolledBack = { events: { some: { eventType: ROLLBACK_EVENT } } };
  if (status === 'ROLLED_BACK') return rolledBack;
  const ours = kycStatusSchema.options.filter((s) => applicationStatus(s, false) === status);
  return status === 'REJECTED' ? { status: { in: ours }, NOT: rolledBack } : { status: { in: ours } };
}

