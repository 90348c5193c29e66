import { checkDocument, DocumentImageError, toVerifyResponse, verifyFormSchema, type VerifyResponse } from '../../document-check';
import { type FieldError } from '../../domain/field-error';
import { zodFieldErrors } from '../validate';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';
import { imageProblem } from './document-images';

// POST /api/v1/verify: the document-check engine behind its own contract, for staff and service
// accounts. Stateless: the image and the details are answered, never stored or logged (the caller
// holds them already); a refused field or image is named with its rule.

// The engine's rules speak of its own field names; the contract's are these.
const FORM_NAMES: Record<string, string> = { fullName: 'full_name', dateOfBirth: 'dob', nationality: 'nationality', idNumber: 'id_number' };
const inFormWords = (text: string) => text.replace(/\b(fullName|dateOfBirth|idNumber)\b/g, (name) => FORM_NAMES[name] ?? name);

function formErrors(errors: FieldError[]): FieldError[] {
  return errors.map((error) => ({ ...error, field: FORM_NAMES[error.field] ?? error.field, message: inFormWords(error.message) }));
}

export async function verifyDocument(deps: Pick<UseCaseDeps, 'documentCheck' | 'logger' | 'config'>, form: Record<string, unknown>, image: Buffer): Promise<VerifyResponse> {
  const submission = verifyFormSchema.safeParse(form);
  if (!submission.success) throw new Problem('validation_failed', 'See errors for each field', formErrors(zodFieldErrors(submission.error)));
  const settings = { ...deps.documentCheck.settings, image: { ...deps.documentCheck.settings.image, maxBytes: deps.config.KYC_DOCUMENT_MAX_BYTES } };
  try {
    const result = await checkDocument(image, submission.data, { ocr: deps.documentCheck.ocr, settings });
    deps.logger.info('document verified', { decision: result.decision, retake: result.retake, checks: result.checks });
    return toVerifyResponse(result, { includeDetails: true });
  } catch (err) {
    if (err instanceof DocumentImageError) throw imageProblem(err);
    throw err;
  }
}
