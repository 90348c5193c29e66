import net from 'node:net';
import os from 'node:os';
import { Connection, type TLSConfig } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connect } from 'amqplib';
import { type TemporalConnectionOptions } from '../../infra/temporal';
import { logTail, type ManagedProcess } from './processes';

// "Ready" means serving, not merely started: each check asks the component itself.

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it holds. Fails at once when the process exits first (with its last log
 * lines), when the stack is being stopped, or after the timeout.
 */
export async function waitUntilReady(proc: ManagedProcess, what: string, check: () => Promise<boolean>, options: { timeoutMs: number; signal: AbortSignal }): Promise<void> {
  let exited: string | null = null;
  void proc.exited.then((how) => {
    exited = how;
  });
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.signal.aborted) throw new Interrupted();
    if (exited !== null) throw new Error(`${proc.name} exited (${exited}) before ${what}; last lines of ${proc.log}:\n${logTail(proc.log)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${proc.name}: no ${what} after ${options.timeoutMs / 1000} s; last lines of ${proc.log}:\n${logTail(proc.log)}`);
    await pause(250);
  }
}

export async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.status === 200;
}

/** The broker accepts an AMQP connection (login included). */
export async function brokerServing(url: string): Promise<boolean> {
  const connection = await connect(url, { timeout: 2000 });
  await connection.close();
  return true;
}

/**
 * A process's check as `status` runs it: an HTTP URL answering 200, an AMQP URL accepting a login,
 * a Temporal frontend (`temporal://host:port`) answering a call over `tls`, or `running` (no probe:
 * alive is all it shows).
 */
export async function serving(check: string, tls?: () => TLSConfig | undefined): Promise<boolean> {
  if (check === RUNNING_ONLY) return true;
  if (check.startsWith('amqp:')) return brokerServing(check);
  if (check.startsWith(TEMPORAL_CHECK)) return temporalServing({ address: check.slice(TEMPORAL_CHECK.length), tls: tls?.() });
  return answers200(check);
}

export const RUNNING_ONLY = 'running';
export const TEMPORAL_CHECK = 'temporal://';

export async function temporalServing(options: TemporalConnectionOptions): Promise<boolean> {
  const connection = await Connection.connect({ ...options, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/** The worker process polls its task queue (the SDK names a worker `<pid>@<host>`). */
export async function workerPolling(connection: Connection, namespace: string, taskQueue: string, pid: number): Promise<boolean> {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).some((poller) => poller.identity === `${pid}@${os.hostname()}`);
}

/** Ports already taken, with what the stack wanted them for. */
export async function takenPorts(host: string, ports: { port: number; owner: string }[]): Promise<{ port: number; owner: string }[]> {
  const taken: { port: number; owner: string }[] = [];
  for (const entry of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(entry.port, host, () => server.close(() => resolve(true)));
    });
    if (!free) taken.push(entry);
  }
  return taken;
}
