// What a database error is, for logs and for deciding whether a retry can help. Only the error's
// code, SQLSTATE and constraint name are read: its message may quote the values of the row.

export interface DescribedDatabaseError {
  /** Prisma's error code (P2002, P2003, ...). */
  code: string | null;
  /** PostgreSQL's SQLSTATE (23503 foreign key violation, ...), when the driver reported one. */
  sqlState: string | null;
  constraint: string | null;
}

// Prisma codes a retry cannot change: the data is wrong, not the database's state of health.
// P2000 value too long, P2003 foreign key, P2004 constraint, P2005/P2006/P2007 invalid value,
// P2011 null constraint, P2012 missing value, P2014 relation violation, P2019/P2020 input/range.
const PERMANENT_PRISMA_CODES = new Set(['P2000', 'P2003', 'P2004', 'P2005', 'P2006', 'P2007', 'P2011', 'P2012', 'P2014', 'P2019', 'P2020']);
// SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation), but 23505 (unique
// violation) which our writers treat as "already done".
const isPermanentSqlState = (state: string) => (state.startsWith('22') || state.startsWith('23')) && state !== '23505';

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

export function describeDatabaseError(err: unknown): DescribedDatabaseError {
  const code = text(field(err, 'code'));
  // The pg driver adapter reports the original PostgreSQL error under meta.driverAdapterError.
  const cause = field(err, 'meta', 'driverAdapterError', 'cause');
  const sqlState = text(field(cause, 'originalCode')) ?? text(field(err, 'meta', 'code')) ?? (code && /^[0-9A-Z]{5}$/.test(code) && !/^P\d{4}$/.test(code) ? code : null);
  const constraint =
    text(field(err, 'meta', 'constraint')) ?? text(field(err, 'meta', 'field_name')) ?? text(field(cause, 'constraint')) ?? text(field(err, 'meta', 'target')) ?? null;
  return { code, sqlState, constraint };
}

export function isPermanentDatabaseError(err: unknown): boolean {
  const { code, sqlState } = describeDatabaseError(err);
  return (code !== null && PERMANENT_PRISMA_CODES.has(code)) || (sqlState !== null && isPermanentSqlState(sqlState));
}
