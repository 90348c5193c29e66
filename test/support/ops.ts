import { randomUUID } from 'node:crypto';
import { type WorkflowStartOptions } from '@temporalio/client';
import { type Workflow } from '@temporalio/common';
import { type KycStatus } from '../../domain/status';
import { type TestSystem } from './system';
import { basicLimits } from '../../store/wallets';

// Helpers of the operations tests (issue 6).

/** Runs a workflow on the system's task queue and waits for its result (the ops workflows, without their schedules). */
export function runWorkflow<W extends Workflow>(system: TestSystem, workflow: W, ...args: Parameters<W>): Promise<Awaited<ReturnType<W>>> {
  // The SDK's options type distinguishes workflows with and without arguments, which a generic W cannot.
  const options = { taskQueue: system.config.TEMPORAL_TASK_QUEUE, workflowId: `ops-test-${randomUUID()}`, args } as unknown as WorkflowStartOptions<W>;
  return system.client.workflow.execute(workflow, options) as Promise<Awaited<ReturnType<W>>>;
}

// Records written straight into the database, with the timestamps a test needs (three hours
// ago, last Tuesday): the ops checks and statistics look at age, which the API cannot fake.
// Their workflow ids name no workflow, unless the test passes real ones.

export interface DirectRecord {
  id: string;
  userId: string;
  workflowId: string;
  workflowRunId: string;
}

export interface DirectRecordOptions {
  userId?: string;
  status?: KycStatus;
  country?: string;
  documentNumber?: string;
  createdAt?: Date;
  updatedAt?: Date;
  verifiedAt?: Date | null;
  workflowId?: string;
  workflowRunId?: string;
}

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

export async function insertCustomer(system: TestSystem): Promise<string> {
  const user = await system.db.user.create({ data: { username: `direct-${randomUUID().slice(0, 12)}`, role: 'customer', wallet: { create: basicLimits() } } });
  return user.id;
}

export async function insertRecord(system: TestSystem, options: DirectRecordOptions = {}): Promise<DirectRecord> {
  const { cipher, db } = system;
  const userId = options.userId ?? (await insertCustomer(system));
  const createdAt = options.createdAt ?? new Date();
  const id = randomUUID();
  const workflowId = options.workflowId ?? `kyc-direct-${id}`;
  const workflowRunId = options.workflowRunId ?? randomUUID();
  const documentNumber = options.documentNumber ?? `BP${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
  await db.kycRecord.create({
    data: {
      id,
      userId,
      status: options.status ?? 'pending',
      firstNameEnc: cipher.encrypt('John'),
      lastNameEnc: cipher.encrypt('Doe'),
      dateOfBirthEnc: cipher.encrypt('1990-01-01'),
      documentNumberEnc: cipher.encrypt(documentNumber),
      documentNumberHash: cipher.documentHash(documentNumber),
      addressEnc: cipher.encryptJson({ address_line_1: '123 Main St', address_line_2: null, city: 'Gaborone', state_province: null, postal_code: '00000' }),
      nationality: options.country ?? 'BW',
      country: options.country ?? 'BW',
      documentType: 'passport',
      workflowId,
      workflowRunId,
      createdAt,
      updatedAt: options.updatedAt ?? createdAt,
      verifiedAt: options.verifiedAt ?? null,
    },
  });
  return { id, userId, workflowId, workflowRunId };
}

/** The SESSION_CREATED event the workflow writes when Veriff opens a session, dated as the test needs. */
export async function insertSessionEvent(system: TestSystem, recordId: string, at: Date): Promise<void> {
  await system.db.kycEvent.create({
    data: { kycRecordId: recordId, eventType: 'SESSION_CREATED', actorType: 'system', reason: 'Veriff session opened (attempt 1)', data: { sessionId: randomUUID(), attempt: 1 }, createdAt: at },
  });
}
