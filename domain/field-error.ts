import { z } from 'zod';

/**
 * One validation failure, shaped for API clients: `field` lets a form highlight
 * the input, `rule` lets code branch without parsing prose, `message` is for
 * humans and may be reworded at any time.
 */
export const fieldErrorSchema = z.object({
  /** Input key in the API's own spelling (snake_case); nested paths joined with '.'; '' is the payload as a whole. */
  field: z.string(),
  /** Stable machine code, e.g. required, min_age, format, iso_country, date, max_length, enum, type. */
  rule: z.string().regex(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/, 'Rule codes are snake_case'),
  message: z.string().min(1),
});

export type FieldError = z.infer<typeof fieldErrorSchema>;
