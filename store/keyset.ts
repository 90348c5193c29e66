// Keyset pagination over (created_at desc, id desc): a page starts after the last row of the one
// before, so it stays stable while rows are being added and is cheap at any depth. The API turns
// the position into an opaque cursor; the stores read limit + 1 rows so the caller can tell whether
// there is a next page.

export interface PageRequest {
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** The Prisma condition "after this row" in (created_at desc, id desc) order. */
export function afterKey(after: PageRequest['after']) {
  return after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {};
}
