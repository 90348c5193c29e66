import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type ReviewerRole } from '../../domain/review';
import { type ExtractedIdentity } from '../../domain/risk';
import { claimUpdate, decideUpdate, reviewStateQuery, reviewWorkflowId, type ReviewDecisionInput, type ReviewFailure, type ReviewState } from '../../workflows/kyc-review.contract';
import { type Principal } from '../auth';
import { Problem, type ProblemCode } from '../problem';
import { type UseCaseDeps } from './deps';

// Manual review for reviewers: the case file, and claims and decisions, which go to the review
// workflow as updates (its validators apply the rules of domain/review.ts).

// Refusals of the review workflow, as HTTP problems: a map over the contract's closed list.
const PROBLEM_OF: Record<ReviewFailure, ProblemCode> = {
  NotAssignee: 'forbidden',
  NotAllowed: 'forbidden',
  FourEyes: 'conflict',
  ReviewClosed: 'conflict',
  DecisionInProgress: 'conflict',
  AlreadyEscalated: 'conflict',
  ReasonCodeRequired: 'validation_failed',
};

function reviewCallProblem(err: Error, logger: UseCaseDeps['logger']): Problem {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return new Problem(PROBLEM_OF[err.cause.type as ReviewFailure] ?? 'conflict', err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return new Problem('conflict', 'This review is closed');
  logger.error('review workflow call failed', { error: err.name });
  return new Problem('upstream_unavailable', 'The review service is temporarily unavailable; retry in a minute');
}

async function openTask(deps: Pick<UseCaseDeps, 'stores'>, taskId: string) {
  const task = await deps.stores.reviewTasks.task(taskId);
  if (!task) throw new Problem('not_found', 'No such review task');
  if (task.status !== 'open') throw new Problem('conflict', `This review task is ${task.status}`);
  return task;
}

export async function claimReviewTask(deps: UseCaseDeps, principal: Principal, taskId: string): Promise<ReviewState> {
  const task = await openTask(deps, taskId);
  return deps.temporal.workflow
    .getHandle(task.workflowId)
    .executeUpdate(claimUpdate, { args: [{ taskId: task.id, actorId: principal.userId, actorRole: principal.role as ReviewerRole }] })
    .catch((err: Error) => {
      throw reviewCallProblem(err, deps.logger);
    });
}

export async function decideReviewTask(deps: UseCaseDeps, principal: Principal, taskId: string, decision: Pick<ReviewDecisionInput, 'decision' | 'reasonCode' | 'notes'>): Promise<ReviewState> {
  const task = await openTask(deps, taskId);
  const { notes, ...rest } = decision;
  // Free text may name people: sealed with the customer's key before it enters the review's history.
  const sealedNotes = notes ? await deps.stores.personalData.seal(await deps.stores.records.subjectOf(task.kycRecordId), notes) : undefined;
  const result = await deps.temporal.workflow
    .getHandle(task.workflowId)
    .executeUpdate(decideUpdate, { args: [{ taskId: task.id, actorId: principal.userId, actorRole: principal.role as ReviewerRole, ...rest, ...(sealedNotes ? { sealedNotes } : {}) }] })
    .catch((err: Error) => {
      throw reviewCallProblem(err, deps.logger);
    });
  return result.state;
}

interface StoredExtraction {
  identity?: ExtractedIdentity | null;
  document?: Record<string, string | null> | null;
  riskLabels?: string[];
}

/** A case file: the submission next to what the vendor read, the risk reasons, the tasks, the timeline and the review's live state. */
export async function reviewCaseFile(deps: Pick<UseCaseDeps, 'stores' | 'temporal'>, recordId: string) {
  const { records } = deps.stores;
  const record = await records.caseFile(recordId);
  if (!record) throw new Problem('not_found', 'No such KYC record');
  const application = await records.submittedApplication(record);
  const extracted = await records.extractedData<StoredExtraction>(record);
  const identity = extracted?.identity ?? null;
  const pairs: [string, string, string | null | undefined][] = [
    ['first_name', application.first_name, identity?.firstName],
    ['last_name', application.last_name, identity?.lastName],
    ['date_of_birth', application.date_of_birth, identity?.dateOfBirth],
    ['document_number', application.document_number, identity?.documentNumber],
  ];
  const review = await deps.temporal.workflow
    .getHandle(reviewWorkflowId(record.workflowId, record.attempt))
    .query(reviewStateQuery)
    .catch(() => null);
  return {
    record,
    submitted: {
      first_name: application.first_name,
      last_name: application.last_name,
      date_of_birth: application.date_of_birth,
      document_number: application.document_number,
      document_type: application.document_type,
      nationality: application.nationality,
      country: application.country,
      address: {
        address_line_1: application.address_line_1,
        address_line_2: application.address_line_2 ?? null,
        city: application.city,
        state_province: application.state_province ?? null,
        postal_code: application.postal_code,
      },
    },
    extracted,
    comparison: pairs.map(([field, mine, theirs]) => ({ field, submitted: mine, extracted: theirs ?? null, match: theirs == null ? null : mine.trim().toLowerCase() === theirs.trim().toLowerCase() })),
    review,
  };
}
