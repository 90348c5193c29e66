import { DocumentImageError, normaliseImage } from '../../document-check';
import { type Config } from '../../domain/config';
import { type ImageFacts } from '../../store/documents';
import { Problem, type ProblemCode } from '../problem';

// What an uploaded file must be before anything else happens to it: a JPEG or PNG whose first
// bytes say so and that decodes to the end (the declared content type and file name are the
// sender's word, not evidence), within the size and pixel limits. What is kept is the engine's copy
// of it (document-check/normalise-image.ts): the picture alone, with what the checks read of the
// original. A refusal names the form field and the rule.

const PROBLEM_OF: Record<DocumentImageError['code'], ProblemCode> = {
  not_an_image: 'image_not_accepted',
  corrupt_image: 'image_not_accepted',
  unsupported_image_type: 'image_type_unsupported',
  image_too_large: 'payload_too_large',
  too_many_pixels: 'payload_too_large',
  metadata_unreadable: 'image_not_accepted',
  metadata_too_large: 'image_not_accepted',
};

export function imageProblem(err: DocumentImageError): Problem {
  return new Problem(PROBLEM_OF[err.code], err.message, [{ field: err.field, rule: err.code, message: err.message }]);
}

/** The limits every image the service takes in is held to (uploads, kept vendor images, POST /api/v1/verify). */
export const imageLimits = (config: Pick<Config, 'KYC_DOCUMENT_MAX_BYTES' | 'KYC_DOCUMENT_MAX_PIXELS'>) => ({ maxBytes: config.KYC_DOCUMENT_MAX_BYTES, maxPixels: config.KYC_DOCUMENT_MAX_PIXELS });

/** The copy of an upload to keep, and what it is; a refusal is the problem naming `field` and the rule. */
export async function keptImage(bytes: Buffer, config: Pick<Config, 'KYC_DOCUMENT_MAX_BYTES' | 'KYC_DOCUMENT_MAX_PIXELS'>, field: string): Promise<{ content: Buffer; image: ImageFacts }> {
  try {
    const kept = await normaliseImage(bytes, imageLimits(config), field);
    return { content: kept.image, image: { contentType: kept.format === 'png' ? 'image/png' : 'image/jpeg', width: kept.width, height: kept.height } };
  } catch (err) {
    if (err instanceof DocumentImageError) throw imageProblem(err);
    throw err;
  }
}
