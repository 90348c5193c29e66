import { type RequestHandler } from 'express';
import multer, { MulterError } from 'multer';
import { Problem } from './problem';

// multipart/form-data bodies (file uploads): text fields and one file, held in memory (nothing is
// written to disk: the images are personal data) under hard limits, so a large or malformed form
// is refused as a problem naming the part at fault before any handler runs.

export interface MultipartSpec {
  /** The one file part. */
  file: { name: string; description: string; required: boolean };
  /** Largest file accepted, in bytes. */
  maxFileBytes: number;
}

// A form of a few short fields and one file; anything more is not one of ours.
const LIMITS = { fields: 10, fieldSize: 1024, fieldNameSize: 100, files: 1, parts: 12, headerPairs: 100 };

function problemOf(err: unknown, spec: MultipartSpec): Problem {
  if (!(err instanceof MulterError)) return new Problem('bad_request', 'The multipart/form-data body could not be read');
  const field = err.field ?? spec.file.name;
  switch (err.code) {
    case 'LIMIT_FILE_SIZE':
      return new Problem('payload_too_large', `${spec.file.name} must be at most ${spec.maxFileBytes} bytes`, [{ field: spec.file.name, rule: 'max_size', message: `must be at most ${spec.maxFileBytes} bytes` }]);
    case 'LIMIT_UNEXPECTED_FILE':
    case 'LIMIT_FILE_COUNT':
      return new Problem('validation_failed', `Send one file, in the ${spec.file.name} field`, [{ field, rule: 'unexpected_file', message: `only one file is accepted, in the ${spec.file.name} field` }]);
    default:
      return new Problem('bad_request', `The form breaks a limit (${err.code}): at most ${LIMITS.fields} short text fields and one file`);
  }
}

/** Parses the form into req.body (text fields) and req.file; refuses other media types when a body is sent. */
export function multipartBody(spec: MultipartSpec): RequestHandler[] {
  const parse = multer({ storage: multer.memoryStorage(), limits: { ...LIMITS, fileSize: spec.maxFileBytes } }).single(spec.file.name);
  return [
    (req, _res, next) => {
      const sent = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
      if (sent && !req.is('multipart/form-data')) return next(new Problem('unsupported_media_type', 'Send the form as multipart/form-data'));
      next();
    },
    (req, res, next) => parse(req, res, (err: unknown) => next(err ? problemOf(err, spec) : undefined)),
    (req, _res, next) => {
      // Fields arrive on an object without a prototype; validation expects a plain one (or nothing: {}).
      req.body = { ...(req.body ?? {}) };
      if (spec.file.required && !req.file) return next(new Problem('validation_failed', `${spec.file.name} is required`, [{ field: spec.file.name, rule: 'required', message: `${spec.file.name} is required: ${spec.file.description}` }]));
      next();
    },
  ];
}
