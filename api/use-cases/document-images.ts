import { acceptImage, DocumentImageError } from '../../document-check';
import { type ImageFacts } from '../../store/documents';
import { Problem, type ProblemCode } from '../problem';

// What an uploaded file must be before anything else happens to it: a JPEG or PNG whose first
// bytes say so and that decodes to the end (the declared content type and file name are the
// sender's word, not evidence), within the size limit. A refusal names the form field and the rule.

const PROBLEM_OF: Record<DocumentImageError['code'], ProblemCode> = {
  not_an_image: 'image_not_accepted',
  corrupt_image: 'image_not_accepted',
  unsupported_image_type: 'image_type_unsupported',
  image_too_large: 'payload_too_large',
};

// The engine's own ceiling on pixels (a small file can decode to a huge picture).
const MAX_PIXELS = 40_000_000;

export function imageProblem(err: DocumentImageError): Problem {
  return new Problem(PROBLEM_OF[err.code], err.message, [{ field: err.field, rule: err.code, message: err.message }]);
}

export async function inspectImage(bytes: Buffer, maxBytes: number, field: string): Promise<ImageFacts> {
  try {
    const image = await acceptImage(bytes, { maxBytes, maxPixels: MAX_PIXELS }, field);
    return { contentType: image.format === 'png' ? 'image/png' : 'image/jpeg', width: image.width, height: image.height };
  } catch (err) {
    if (err instanceof DocumentImageError) throw imageProblem(err);
    throw err;
  }
}
