import { type LogLevel, type LogMetadata } from '@temporalio/common';
import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { type Logger } from './logger';

// The Temporal worker runtime of a process: its logs (the SDK's, Core's, and those of workflows
// and activities through their `log`, which carry workflowId, runId, workflowType, activityType)
// go to our JSON logger, and its metrics (task latencies, poll results, slots, activity and
// workflow outcomes, prefixed temporal_) are served for Prometheus at
// http://<bindAddress>/metrics. Once per process, before any NativeConnection or Worker.

const TO_OURS: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
const FROM_OURS: Record<'debug' | 'info' | 'warn' | 'error', LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

// Error messages can quote the values involved (database errors do): a log names the error and
// where it was raised, never its message (the same rule as api/problem.ts).
function withoutErrorMessages(meta: LogMetadata | undefined): Record<string, unknown> | undefined {
  if (!meta) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (value instanceof Error) {
      const frame = value.stack?.split('\n').find((line) => line.trim().startsWith('at '));
      out[key] = { name: value.name, at: frame?.trim().slice(3, 300) };
    } else out[key] = value;
  }
  return out;
}

export function installWorkerRuntime(options: { logger: Logger; level: 'debug' | 'info' | 'warn' | 'error'; metricsBindAddress: string }): void {
  const { logger } = options;
  Runtime.install({
    logger: new DefaultLogger(FROM_OURS[options.level], (entry: LogEntry) => logger[TO_OURS[entry.level]](entry.message, withoutErrorMessages(entry.meta))),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress: options.metricsBindAddress } },
    },
  });
}
