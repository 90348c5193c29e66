import { ServiceError } from '@temporalio/client';
import { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { describeDatabaseError, isDatabaseUnavailable } from '../store/errors';
import { fieldErrorSchema, type FieldError } from '../domain/field-error';
import { type Logger } from '../infra/logger';
import { PersonalDataUnavailable, RestrictedReadReasonRequired } from '../store/restricted-access';
import { SubjectErased } from '../store/subject-keys';
import { type SecurityEventInput, type SecurityLog } from './security-log';

// RFC 7807 problem details. The closed set of problems the API can answer with, and the only
// place that writes an error response. A 5xx never carries an internal message.
export const PROBLEMS = {
  validation_failed: { status: 422, title: 'The request has invalid fields' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  bad_request: { status: 400, title: 'The request is not acceptable' },
  reason_required: { status: 400, title: 'A reason is required to read restricted personal data' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  invalid_credentials: { status: 401, title: 'Wrong username or password' },
  invalid_token: { status: 401, title: 'The token is invalid or expired' },
  invalid_signature: { status: 401, title: 'The webhook signature does not match' },
  forbidden: { status: 403, title: 'Not allowed for this role' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'This method is not allowed on this resource' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  gone: { status: 410, title: 'This personal data is no longer available' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body is not of the media type this endpoint takes' },
  image_type_unsupported: { status: 415, title: 'The file must be a JPEG or PNG image' },
  image_not_accepted: { status: 422, title: 'The file is not an image that can be read' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  upstream_unavailable: { status: 503, title: 'A service we depend on is unavailable; retry later' },
  busy: { status: 503, title: 'Too many requests are waiting for this service; retry later' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

// The body of every error response; problem-specific members (record_id, retry_after, checks) ride along.
export const problemSchema = z
  .looseObject({
    type: z.string().describe('A URI reference naming the problem, e.g. /problems/not-found'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional().describe('The request path (without the query string)'),
    errors: z.array(fieldErrorSchema).optional().describe('One entry per invalid field'),
    message: z.string().optional().describe('The detail again, on endpoints whose clients read errors there (POST /api/v1/verify)'),
  })
  .meta({ title: 'Problem (RFC 7807)' });

// Refusals that go to the security log (api/security-log.ts), by problem code.
const SECURITY_EVENT_OF: Partial<Record<ProblemCode, SecurityEventInput['type']>> = {
  invalid_signature: 'signature_failure',
  invalid_credentials: 'auth_failure',
  invalid_token: 'auth_failure',
  forbidden: 'forbidden',
  rate_limited: 'rate_limited',
};

export class Problem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
    /** Facts for the security log (never sent to the client, never personal data). */
    readonly securityDetails?: Record<string, string | number | boolean>,
  ) {
    super(detail ?? PROBLEMS[code].title);
  }
}

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  const { status, title } = PROBLEMS[problem.code];
  const body: z.input<typeof problemSchema> = {
    type: `/problems/${problem.code.replaceAll('_', '-')}`,
    title,
    status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    ...(instance ? { instance } : {}),
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extra,
    ...(res.locals[PROBLEM_MESSAGE_LOCAL] === true ? { message: problem.detail ?? title } : {}),
  };
  // Clients and proxies read the wait from the header (RFC 9110), people from the body.
  if (typeof problem.extra?.retry_after === 'number') res.setHeader('Retry-After', String(problem.extra.retry_after));
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

/** Where the auditor gives the reason of a restricted read, on every endpoint that may read restricted data (api/restricted-read.ts). */
export const RESTRICTED_READ_REASON_FIELD = 'query.reason';

// Set by api/openapi.ts for endpoints whose clients read the error text from a `message` member
// (the /api/v1/verify contract): their problems carry it beside `detail`.
export const PROBLEM_MESSAGE_LOCAL = 'problemMessage';

// The query string may carry anything a client put there (tokens, e-mail addresses): never echoed.
const instanceOf = (req: Request): string => req.originalUrl.split('?')[0]!.slice(0, 500);

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new Problem('not_found', `No route for ${req.method} ${req.path.slice(0, 200)}`), instanceOf(req));
};

interface BodyParserError {
  type?: string;
  status?: number;
}

// The route pattern of the request (/api/kyc/records/:id/status/), set by api/openapi.ts; the
// security log and error log name routes by pattern, so no id or query string ends up there.
export const ROUTE_PATTERN_LOCAL = 'routePattern';

function problemOf(err: unknown): Problem | null {
  if (err instanceof Problem) return err;
  const parserError = err as BodyParserError;
  if (parserError.type === 'entity.parse.failed') return new Problem('malformed_json');
  if (parserError.type === 'entity.too.large') return new Problem('payload_too_large');
  if (parserError.type === 'encoding.unsupported' || parserError.type === 'charset.unsupported') return new Problem('unsupported_media_type');
  // A unique constraint lost to a concurrent request is a conflict, not a crash.
  if ((err as { code?: unknown }).code === 'P2002') return new Problem('conflict');
  // The customer's personal data was erased, or is kept restricted for the auditor: never processed again.
  if (err instanceof PersonalDataUnavailable) return new Problem('gone', err.state === 'erased' ? 'This personal data was erased' : 'This personal data is restricted: kept under anti-money-laundering rules, readable by the auditor only');
  if (err instanceof SubjectErased) return new Problem('gone', 'This personal data was erased');
  // Every endpoint that reads restricted data takes the auditor's reason in the same query field.
  if (err instanceof RestrictedReadReasonRequired) {
    return new Problem('reason_required', 'This personal data is restricted: the auditor reads it with a reason, which goes on the privacy audit trail', [
      { field: RESTRICTED_READ_REASON_FIELD, rule: 'required', message: 'required to read restricted data: why (a case or request number)' },
    ]);
  }
  // A dependency that is down (restarting, failing over) is a retry-later, not a crash.
  if (isDatabaseUnavailable(err) || isTemporalUnavailable(err)) return new Problem('upstream_unavailable', 'A service we depend on is restarting; retry in a few seconds', undefined, { retry_after: 5 });
  if (parserError.status && parserError.status >= 400 && parserError.status < 500) return new Problem('bad_request');
  return null;
}

// The Temporal frontend cannot be reached (restarting, overloaded): gRPC UNAVAILABLE (14) or
// DEADLINE_EXCEEDED (4), wrapped by the client (ServiceError) or as the gRPC error itself.
const GRPC_UNAVAILABLE = new Set([14, 4]);
function isTemporalUnavailable(err: unknown): boolean {
  const grpc = err instanceof ServiceError ? err.cause : err;
  const status = (grpc as { code?: unknown; metadata?: unknown } | undefined)?.code;
  return typeof status === 'number' && GRPC_UNAVAILABLE.has(status) && (err instanceof ServiceError || (grpc as { metadata?: unknown }).metadata !== undefined);
}

// Where an unexpected error came from, without its message: messages of database and library
// errors can quote the values involved (names, document numbers). A database error is named by
// its code, SQLSTATE and constraint, so the next unmapped one can be diagnosed from the log.
function originOf(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: typeof err };
  const frame = err.stack?.split('\n').find((line) => line.trim().startsWith('at '));
  const { code, sqlState, constraint } = describeDatabaseError(err);
  return { error: err.name, code, sqlState, constraint, at: frame?.trim().slice(3, 300) };
}

export function errorHandler(logger: Logger, securityLog?: SecurityLog): ErrorRequestHandler {
  return async (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const route = typeof res.locals[ROUTE_PATTERN_LOCAL] === 'string' ? (res.locals[ROUTE_PATTERN_LOCAL] as string) : req.path.slice(0, 200);
    const problem = problemOf(err);
    if (!problem) logger.error('unhandled error', { route, method: req.method, ...originOf(err) });
    else if (problem.code === 'upstream_unavailable' && !(err instanceof Problem)) logger.warn('dependency unavailable', { route, method: req.method, ...originOf(err) });
    const answer = problem ?? new Problem('internal_error');
    // Nothing below may throw past this handler: Express's fallback handler would answer with an
    // HTML page quoting the stack trace.
    try {
      const securityEvent = SECURITY_EVENT_OF[answer.code];
      if (securityEvent && securityLog) {
        await securityLog.record({ type: securityEvent, ip: req.ip ?? null, userId: req.principal?.userId ?? null, method: req.method, route, status: PROBLEMS[answer.code].status, ...(answer.securityDetails ? { details: answer.securityDetails } : {}) });
      }
    } catch (recordError) {
      logger.error('security event not recorded', { route, ...originOf(recordError) });
    }
    sendProblem(res, answer, instanceOf(req));
  };
}
