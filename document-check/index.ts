// The self-hosted document-check engine: OCR of the visual and machine-readable zones, metadata,
// error level analysis, one decision. See README.md beside this file.
export { checkDocument, type CheckDocumentOptions } from './check-document';
export { DocumentImageError, type DocumentImageErrorCode } from './errors';
export { acceptImage, type AcceptedImage, type ImageFormat } from './image-input';
export { OcrLane, OcrLaneFullError, OcrPool, OcrPoolClosedError, type OcrLaneOptions, type OcrPoolOptions, type OcrReader } from './ocr-pool';
export { normaliseImage, type NormalisedImage } from './normalise-image';
export { DEFAULT_DOCUMENT_CHECK_SETTINGS, documentCheckSettingsFrom, documentCheckSettingsSchema, withImageLimits, type DocumentCheckSettings, type DocumentCheckSettingsInput } from './settings';
export * from './schemas';
