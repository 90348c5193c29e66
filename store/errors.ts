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
    text(field(err, 'meta', 'constraint')) ?? text(field(err, 'meta', 'field_name')) ?? text(field(cause, 'constraint')) ?? text(field(err, 'meta', 'target')) ?? text(field(err, 'constraint')) ?? null;
  return { code, sqlState, constraint };
}

export function isPermanentDatabaseError(err: unknown): boolean {
  const { code, sqlState } = describeDatabaseError(err);
  return (code !== null && PERMANENT_PRISMA_CODES.has(code)) || (sqlState !== null && isPermanentSqlState(sqlState));
}

// Prisma codes of a database that is not there right now: not reachable (P1001), timed out (P1002,
// P1008), connection closed (P1017), no pool connection in time (P2024), no transaction started in
// time (P2028), too many connections (P2037). A retry a little later succeeds once it is back.
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
// SQLSTATE class 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (the server
// is shutting down, crashed, or is not accepting connections yet), 40001/40P01 (serialization
// failure, deadlock: the transaction may be run again).
const isUnavailableSqlState = (state: string) => state.startsWith('08') || state.startsWith('53') || ['57P01', '57P02', '57P03', '40001', '40P01'].includes(state);
// What the pg driver and its pool raise, without a code, when a connection dies under them or none
// can be had: fixed texts of the driver (they quote nothing of the data), matched, never logged.
const DRIVER_CONNECTION_FAILURES = ['Connection terminated', 'timeout exceeded when trying to connect', 'is not queryable', 'Cannot use a pool after calling end'];
// Node's codes of a socket that could not connect or was cut: what the pg driver raises itself
// for a statement sent past the client (infra/db.ts runStatement).
const SOCKET_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// What the driver adapter says of a connection it could not make or lost. A query the client
// builds reports these as P1001/P1017; a raw query reports P2010 with only this to tell.
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionWriteConflict']);

/** The database is down, restarting or overloaded: the request may succeed if repeated later (a 503, not a 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const { code, sqlState } = describeDatabaseError(err);
  if ((code !== null && UNAVAILABLE_PRISMA_CODES.has(code)) || (sqlState !== null && isUnavailableSqlState(sqlState))) return true;
  const adapterKind = text(field(err, 'meta', 'driverAdapterError', 'cause', 'kind'));
  if (adapterKind !== null && UNAVAILABLE_ADAPTER_KINDS.has(adapterKind)) return true;
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth += 1) {
    if (DRIVER_CONNECTION_FAILURES.some((text) => current instanceof Error && current.message.includes(text))) return true;
    const socketCode = text(field(current, 'code'));
    if (socketCode !== null && SOCKET_FAILURES.has(socketCode)) return true;
  }
  return false;
}
