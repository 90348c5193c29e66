import { z } from 'zod';
import { type Db } from '../infra/db';
import { isCountryCode } from './countries';
import { explanationSchema } from './match';
import { screenPerson } from './screen-person';
import { ENTRY_KINDS, SCREENING_SOURCES } from './types';

// The ad-hoc search staff run from the console: one name, optionally a date of birth and a
// country, answered with the closest entries and why. The route that serves it validates the body
// with the request schema and answers with the response schema.

function isCalendarDate(value: string): boolean {
  if (/^\d{4}$/.test(value)) return true;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const screeningSearchRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    date_of_birth: z
      .string()
      .regex(/^\d{4}(-\d{2}-\d{2})?$/, { message: 'must be YYYY-MM-DD or YYYY', abort: true })
      .refine(isCalendarDate, 'must be a real calendar date')
      .optional(),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 code', abort: true })
      .refine(isCountryCode, 'is not an ISO 3166-1 alpha-2 country code')
      .optional(),
    limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(50, 'must be at most 50').default(10),
  })
  .strict();
export type ScreeningSearchRequest = z.input<typeof screeningSearchRequestSchema>;

export const screeningSearchHitSchema = z.object({
  entry_id: z.string(),
  source: z.enum(SCREENING_SOURCES),
  kind: z.enum(ENTRY_KINDS),
  name: z.string(),
  matched_name: z.string(),
  score: z.number().min(0).max(1),
  match: z.boolean(),
  explanation: explanationSchema,
});

export const screeningSearchResponseSchema = z.object({ hits: z.array(screeningSearchHitSchema) });
export type ScreeningSearchResponse = z.infer<typeof screeningSearchResponseSchema>;

export async function searchScreening(db: Db, request: z.output<typeof screeningSearchRequestSchema>, threshold: number): Promise<ScreeningSearchResponse> {
  const result = await screenPerson(
    db,
    {
      names: [request.name],
      ...(request.date_of_birth ? { dateOfBirth: request.date_of_birth } : {}),
      ...(request.country ? { countries: [request.country] } : {}),
    },
    { threshold, limit: request.limit },
  );
  return {
    hits: result.hits.map((hit) => ({
      entry_id: hit.entryId,
      source: hit.source,
      kind: hit.kind,
      name: hit.entryName,
      matched_name: hit.matchedName,
      score: hit.score,
      match: hit.match,
      explanation: hit.explanation,
    })),
  };
}
