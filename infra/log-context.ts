import { AsyncLocalStorage } from 'node:async_hooks';

// Correlation ids carried by every log line written while a request (or any other unit of work)
// is being served, without passing a logger through each call: the API's request-id middleware
// opens a context, infra/logger.ts reads it. Ids only, never PII.
export interface LogContext {
  requestId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
