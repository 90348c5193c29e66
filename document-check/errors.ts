// Refusals of the input itself, before any check runs. `code` is stable for programs (the API maps
// it to a status and a problem type), `field` names the form field at fault, `message` says the
// rule for people.

export type DocumentImageErrorCode = 'not_an_image' | 'unsupported_image_type' | 'corrupt_image' | 'image_too_large';

export class DocumentImageError extends Error {
  readonly field = 'id_image';

  constructor(
    readonly code: DocumentImageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DocumentImageError';
  }
}
