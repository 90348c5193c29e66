import pino from 'pino';
import { currentLogContext } from './log-context';

// Structured JSON logs (pino), one object per line: time, level, the logger's base fields, the
// correlation ids of the current request (infra/log-context.ts), then the call's fields.
// Callers pass ids, statuses and codes only: never names, dates of birth, document numbers or
// addresses; the redaction below is a safety net for the applicant fields if one slips through.
// The security channel records signature, auth and access failures.
type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const APPLICANT_FIELDS = ['first_name', 'last_name', 'date_of_birth', 'document_number', 'address_line_1', 'address_line_2', 'postal_code', 'firstName', 'lastName', 'dateOfBirth', 'documentNumber'];
const REDACT_PATHS = APPLICANT_FIELDS.flatMap((field) => [field, `*.${field}`]);

function wrap(logger: pino.Logger): Logger {
  const at = (level: Level) => (msg: string, fields?: Record<string, unknown>) => (fields ? logger[level](fields, msg) : logger[level](msg));
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(logger.child(fields)),
  };
}

// `write` receives each line without its newline (tests collect them); by default, stdout.
export function createLogger(level: Level = 'info', base: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Logger {
  const destination = { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
  const logger = pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...currentLogContext() }),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
  return wrap(logger);
}
