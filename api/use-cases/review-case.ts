import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type ReviewerRole } from '../../domain/review';
import { type ExtractedIdentity } from '../../domain/risk';
import { type HitResolution, screeningIdentitiesOf } from '../../domain/screening';
import { type Reader } from '../../store/restricted-access';
import { claimUpdate, decideUpdate, resolveHitUpdate, reviewStateQuery, type ReviewDecisionInput, type ReviewFailure, type ReviewState } from '../../workflows/kyc-review.contract';
import { type Principal } from '../auth';
import { Problem, type ProblemCode } from '../problem';
import { type UseCaseDeps } from './deps';

// Manual review for reviewers: the case file, and claims, decisions and resolutions of sanctions
// and PEP hits, which go to the review workflow as updates. Every rule and every effect of them is
// the workflow's (workflows/kyc-review.ts, with domain/review.ts and domain/screening.ts): this
// use case seals the reviewer's free text with the customer's key and sends the update, nothing more.

// Refusals of the review workflow, as HTTP problems: a map over the contract's closed list.
const PROBLEM_OF: Record<ReviewFailure, ProblemCode> = {
  NotAssignee: 'forbidden',
  NotAllowed: 'forbidden',
  FourEyes: 'conflict',
  ReviewClosed: 'conflict',
  DecisionInProgress: 'conflict',
  AlreadyEscalated: 'conflict',
  ReasonCodeRequired: 'validation_failed',
  DecisionNotOffered: 'conflict',
  ScreeningUnresolved: 'conflict',
  HitNotFound: 'not_found',
  HitAlreadyResolved: 'conflict',
  ActorNotAllowed: 'forbidden',
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

/** The review a record's tasks belong to: its latest one (a verification's own review, or a case opened by ongoing screening). */
function reviewWorkflowOf(tasks: readonly { workflowId: string; createdAt: Date }[]): string | null {
  return [...tasks].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0]?.workflowId ?? null;
}

const queryReview = (deps: Pick<UseCaseDeps, 'temporal'>, workflowId: string | null) =>
  workflowId
    ? deps.temporal.workflow
        .getHandle(workflowId)
        .query(reviewStateQuery)
        .catch(() => null)
    : Promise.resolve(null);

/** A case file: the submission next to what the vendor read, the risk reasons, the screening hits, the tasks, the timeline and the review's live state. */
export async function reviewCaseFile(deps: Pick<UseCaseDeps, 'stores' | 'temporal'>, reader: Reader, recordId: string) {
  const { records, screening } = deps.stores;
  const record = await records.caseFile(recordId, reader);
  if (!record) throw new Problem('not_found', 'No such KYC record');
  const application = await records.submittedApplication(record, reader);
  const extracted = await records.extractedData<StoredExtraction>(record, reader);
  const identity = extracted?.identity ?? null;
  const pairs: [string, string, string | null | undefined][] = [
    ['first_name', application.first_name, identity?.firstName],
    ['last_name', application.last_name, identity?.lastName],
    ['date_of_birth', application.date_of_birth, identity?.dateOfBirth],
    ['document_number', application.document_number, identity?.documentNumber],
  ];
  const [review, hits, runs] = await Promise.all([queryReview(deps, reviewWorkflowOf(record.reviewTasks)), screening.caseHits(recordId, reader), screening.runsOf(recordId, reader)]);
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
    screening: {
      // The identities the applicant was screened under, to read next to each entry.
      applicant: screeningIdentitiesOf({
        submitted: { firstName: application.first_name, lastName: application.last_name, dateOfBirth: application.date_of_birth, nationality: application.nationality, country: application.country },
        extracted: identity,
      }),
      hits,
      runs,
    },
  };
}

/**
 * A reviewer resolves one sanctions or PEP hit of a case (the review workflow's resolveHit
 * update): false positive (with a reason; it becomes a clearance once a second reviewer approves
 * the case), or true match (ops alert, wallet restricted, the case rejected with the reason code
 * sanctions_hit, whose customer text is neutral).
 */
export async function resolveScreeningHit(deps: UseCaseDeps, principal: Principal, recordId: string, caseHitId: string, input: { resolution: HitResolution; reason: string | null }) {
  const [task] = await deps.stores.reviewTasks.openTasksOf(recordId);
  if (!task) {
    if (!(await deps.stores.records.get(recordId))) throw new Problem('not_found', 'No such KYC record');
    throw new Problem('conflict', 'No review is open on this case: its hits can no longer be resolved');
  }
  // Free text may name people: sealed with the customer's key before it enters the review's history.
  const sealedReason = input.reason ? await deps.stores.personalData.seal(await deps.stores.records.subjectOf(recordId), input.reason) : undefined;
  const result = await deps.temporal.workflow
    .getHandle(task.workflowId)
    .executeUpdate(resolveHitUpdate, { args: [{ taskId: task.id, actorId: principal.userId, actorRole: principal.role as ReviewerRole, caseHitId, resolution: input.resolution, ...(sealedReason ? { sealedReason } : {}) }] })
    .catch((err: Error) => {
      throw reviewCallProblem(err, deps.logger);
    });
  return { status: result.status, openLeft: result.openLeft, review: result.state };
}
