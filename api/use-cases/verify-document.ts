import { checkDocument, DocumentImageError, OcrLaneFullError, toVerifyResponse, verifyFormSchema, type VerifyResponse } from '../../document-check';
import { type FieldError } from '../../domain/field-error';
import { type Principal } from '../auth';
import { zodFieldErrors } from '../validate';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';
import { imageProblem } from './document-images';
import { countAgainst } from './hourly-limits';

// POST /api/v1/verify: the document-check engine behind its own contract, for staff and service
// accounts. Stateless: the image and the details are answered, never stored or logged (the caller
// holds them already); a refused field or image is named with its rule. Each check is seconds of
// OCR: a caller has an hourly allowance, and the check runs on the API's lane of the OCR pool, whose
// queue is bounded (a request over it is answered 503 at once instead of holding its image in memory).

// The engine's rules speak of its own field names; the contract's are these.
const FORM_NAMES: Record<string, string> = { fullName: 'full_name', dateOfBirth: 'dob', nationality: 'nationality', idNumber: 'id_number' };
const inFormWords = (text: string) => text.replace(/\b(fullName|dateOfBirth|idNumber)\b/g, (name) => FORM_NAMES[name] ?? name);

function formErrors(errors: FieldError[]): FieldError[] {
  return errors.map((error) => ({ ...error, field: FORM_NAMES[error.field] ?? error.field, message: inFormWords(error.message) }));
}

function busyProblem(err: OcrLaneFullError): Problem {
  const message = `${err.limits.running} checks are running and ${err.limits.waiting} waiting (KYC_VERIFY_QUEUE_MAX); retry in ${err.retryAfterSeconds} s`;
  return new Problem('busy', `The document check is at capacity: ${message}`, undefined, { retry_after: err.retryAfterSeconds, rule: 'verify_queue_full' });
}

export async function verifyDocument(deps: Pick<UseCaseDeps, 'documentCheck' | 'logger' | 'config' | 'rateLimiter'>, principal: Principal, form: Record<string, unknown>, image: Buffer): Promise<VerifyResponse> {
  const submission = verifyFormSchema.safeParse(form);
  if (!submission.success) throw new Problem('validation_failed', 'See errors for each field', formErrors(zodFieldErrors(submission.error)));
  // Counted once the form is valid: every request from here on costs a decode at least.
  await countAgainst(deps, [{ rule: 'verify_per_caller', subject: principal.userId, max: deps.config.KYC_VERIFY_PER_HOUR, what: 'document checks (POST /api/v1/verify) from one caller' }]);
  try {
    const result = await deps.documentCheck.ocr.run((ocr) => checkDocument(image, submission.data, { ocr, settings: deps.documentCheck.settings }));
    deps.logger.info('document verified', { decision: result.decision, retake: result.retake, checks: result.checks });
    return toVerifyResponse(result, { includeDetails: true });
  } catch (err) {
    if (err instanceof DocumentImageError) throw imageProblem(err);
    if (err instanceof OcrLaneFullError) throw busyProblem(err);
    throw err;
  }
}
