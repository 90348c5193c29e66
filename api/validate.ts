import { type RequestHandler } from 'express';
import { type z } from 'zod';
import { type FieldError } from '../domain/field-error';
import { Problem } from './problem';

/** The issues as field errors; `at` names the part of the body that was parsed (else the whole body). */
export function zodFieldErrors(error: z.ZodError, at?: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [...(at ? [at] : []), ...issue.path].join('.') || '(body)',
    rule: issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.code,
    message: issue.message,
  }));
}

// Replaces req.body / req.params with the parsed output, so handlers never parse again.
export function body<T extends z.ZodType>(schema: T): RequestHandler {
  return (req, _res, next) => {
    const parsed = schema.safeParse(req.body ?? {});
    if (!parsed.success) return next(new Problem('validation_failed', 'See errors for each field', zodFieldErrors(parsed.error)));
    req.body = parsed.data;
    next();
  };
}

export function params<T extends z.ZodType>(schema: T): RequestHandler {
  return (req, _res, next) => {
    const parsed = schema.safeParse(req.params);
    // An id that cannot exist is answered like one that does not: no hint about the id space.
    if (!parsed.success) return next(new Problem('not_found'));
    Object.defineProperty(req, 'params', { value: parsed.data, writable: true });
    next();
  };
}
