// Refusals of the input itself, before any check runs. `code` is stable for programs (the API maps
// it to a status and a problem type), `field` names the form field at fault, `message` says the
// rule for people.

export type DocumentImageErrorCode = 'not_an_image' | 'unsupported_image_type' | 'corrupt_image' | 'image_too_large' | 'too_many_pixels' | 'metadata_unreadable' | 'metadata_too_large';

export class DocumentImageError extends Error {
  constructor(
    readonly code: DocumentImageErrorCode,
    message: string,
    // The form field of the file: id_image on /api/v1/verify, file on the upload endpoints.
    readonly field: string = 'id_image',
  ) {
    super(message);
    this.name = 'DocumentImageError';
  }
}
