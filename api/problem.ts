import { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { type FieldError } from '../domain/field-error';
import { type Logger } from '../infra/logger';

// RFC 7807 problem details. The closed set of problems the API can answer with, and the only
// place that writes an error response. A 5xx never carries an internal message.
const PROBLEMS = {
  validation_failed: { status: 422, title: 'The request has invalid fields' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  bad_request: { status: 400, title: 'The request is not acceptable' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  invalid_credentials: { status: 401, title: 'Wrong username or password' },
  invalid_signature: { status: 401, title: 'The webhook signature does not match' },
  forbidden: { status: 403, title: 'Not allowed for this role' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be JSON' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  upstream_unavailable: { status: 503, title: 'A service we depend on is unavailable; retry later' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export class Problem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? PROBLEMS[code].title);
  }
}

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  const { status, title } = PROBLEMS[problem.code];
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `/problems/${problem.code.replaceAll('_', '-')}`,
        title,
        status,
        ...(problem.detail ? { detail: problem.detail } : {}),
        ...(instance ? { instance } : {}),
        ...(problem.errors ? { errors: problem.errors } : {}),
        ...problem.extra,
      }),
    );
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new Problem('not_found', `No route for ${req.method} ${req.path}`), req.originalUrl);
};

interface BodyParserError {
  type?: string;
  status?: number;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof Problem) return sendProblem(res, err, req.originalUrl);
    const parserError = err as BodyParserError;
    if (parserError.type === 'entity.parse.failed') return sendProblem(res, new Problem('malformed_json'), req.originalUrl);
    if (parserError.type === 'entity.too.large') return sendProblem(res, new Problem('payload_too_large'), req.originalUrl);
    if (parserError.type === 'encoding.unsupported' || parserError.type === 'charset.unsupported') {
      return sendProblem(res, new Problem('unsupported_media_type'), req.originalUrl);
    }
    // A unique constraint lost to a concurrent request is a conflict, not a crash.
    if ((err as { code?: unknown }).code === 'P2002') return sendProblem(res, new Problem('conflict'), req.originalUrl);
    if (parserError.status && parserError.status >= 400 && parserError.status < 500) {
      return sendProblem(res, new Problem('bad_request'), req.originalUrl);
    }
    logger.error('unhandled error', { route: req.route?.path, method: req.method, error: err instanceof Error ? err.name : typeof err, message: err instanceof Error ? err.message : undefined });
    sendProblem(res, new Problem('internal_error'), req.originalUrl);
  };
}
