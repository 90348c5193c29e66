import { acceptImage } from './image-input';
import { checkImageIntegrity } from './image-integrity-check';
import { readJpegStructure } from './jpeg-structure';
import { checkMetadata } from './metadata-check';
import { checkOcr, skippedOcr } from './ocr-check';
import type { OcrReader } from './ocr-pool';
import { decide } from './decide';
import { documentSubmissionSchema, type DocumentCheckResult } from './schemas';
import { documentCheckSettingsSchema, type DocumentCheckSettings, type DocumentCheckSettingsInput } from './settings';

// The document check: pure computation over the image in memory (nothing is written to disk)
// plus the shared OCR workers. It throws DocumentImageError for input that is not a usable image,
// and zod's error (naming the field and the rule) for a submission that breaks its schema.

export interface CheckDocumentOptions {
  ocr: OcrReader;
  settings?: DocumentCheckSettings | DocumentCheckSettingsInput;
  // The day expiry is judged on; defaults to now.
  now?: Date;
}

export async function checkDocument(image: Buffer, submitted: unknown, options: CheckDocumentOptions): Promise<DocumentCheckResult> {
  const settings = documentCheckSettingsSchema.parse(options.settings ?? {});
  const submission = documentSubmissionSchema.parse(submitted);
  const now = options.now ?? new Date();
  const accepted = await acceptImage(image, settings.image);
  const structure = accepted.format === 'jpeg' ? readJpegStructure(image) : null;

  const [metadata, integrity] = await Promise.all([
    checkMetadata(image, accepted.format, structure, settings.metadata, now),
    checkImageIntegrity(image, accepted, structure, settings),
  ]);
  // Reading an unreadable photo would only produce misreadings to judge by.
  const ocr = integrity.retake ? skippedOcr('The photo is too small or blurred to read.') : await checkOcr(image, submission, options.ocr, settings.ocr, now);

  const outcome = decide(ocr, metadata, integrity);
  return { ...outcome, details: { ocr, metadata, image_integrity: integrity } };
}
