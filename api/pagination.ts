import { z } from 'zod';
import { Problem } from './problem';

// Keyset pagination over (created_at desc, id desc): stable while rows are being added, and
// cheap at any depth, unlike page/offset. The cursor is opaque to clients.

export const MAX_PAGE_SIZE = 100;

export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20).describe(`Items per page, at most ${MAX_PAGE_SIZE}`),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
};

const cursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  let parsed;
  try {
    parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw new Problem('validation_failed', 'See errors for each query parameter', [{ field: 'query.cursor', rule: 'invalid', message: 'Not a cursor this API issued' }]);
  return { createdAt: new Date(parsed.data[0]), id: parsed.data[1] };
}

/** The Prisma condition "after this cursor" in (created_at desc, id desc) order. */
/** Rows were fetched with take: limit + 1; the extra row says whether there is a next page. */
export function page<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
