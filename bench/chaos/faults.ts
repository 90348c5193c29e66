import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { answers200, brokerServing, workerPolling } from '../../scripts/stack/readiness';
import { type PrivatePostgres } from './private-postgres';
import { type RunningStack } from './stack-control';

// The faults of a chaos run and how each one is known to be over. A fault's window runs from the
// kill to the moment its component serves again, checked from outside: a worker polls its task
// queue, an API answers its readiness probe, Temporal accepts a workflow start (frontend, history
// and matching all answered), PostgreSQL answers a query, RabbitMQ accepts an AMQP login.

export type FaultKind = 'worker' | 'api' | 'temporal' | 'postgres' | 'rabbitmq';

export interface FaultWindow {
  name: string;
  kind: FaultKind;
  /** Date.now() of the kill. */
  downAt: number;
  /** Date.now() when it served again. */
  backAt: number;
  /** The stack's process the fault killed (none for PostgreSQL, which the run stops itself). */
  killed: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RECOVERY_TIMEOUT_MS = 180_000;
// How long PostgreSQL stays down: long enough for every pool to notice, short like a failover.
const POSTGRES_DOWN_MS = 3_000;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come back within ${RECOVERY_TIMEOUT_MS / 1000} s`);
    await sleep(250);
  }
}

export class FaultInjector {
  readonly windows: FaultWindow[] = [];
  private connection: Connection | null = null;

  constructor(
    private readonly stack: RunningStack,
    private readonly postgres: PrivatePostgres,
    private readonly settings: { namespace: string; taskQueue: string },
  ) {}

  private async temporal(): Promise<Connection> {
    this.connection ??= await Connection.connect(this.stack.temporal);
    return this.connection;
  }

  /** Injects the fault and resolves once its component serves again. */
  async inject(kind: FaultKind, target?: string): Promise<FaultWindow> {
    const downAt = Date.now();
    let name: string;
    let killed: string | null = null;
    switch (kind) {
      case 'worker':
      case 'api':
      case 'temporal':
      case 'rabbitmq': {
        const processName = target ?? { worker: 'worker-1', api: 'api-1', temporal: 'temporal-server', rabbitmq: 'rabbitmq' }[kind];
        name = `${processName} SIGKILLed`;
        killed = processName;
        const pid = this.stack.kill(processName);
        const restarted = await this.stack.restarted(processName, pid, RECOVERY_TIMEOUT_MS);
        await until(`${processName}`, () => this.serving(kind, restarted.pid, processName));
        break;
      }
      case 'postgres':
        name = 'PostgreSQL crashed (immediate stop) and started';
        await this.postgres.crash();
        await sleep(POSTGRES_DOWN_MS);
        await this.postgres.start();
        await until('PostgreSQL', () => this.postgres.serving());
        break;
    }
    const window = { name, kind, downAt, backAt: Date.now(), killed };
    this.windows.push(window);
    return window;
  }

  private async serving(kind: FaultKind, pid: number, processName: string): Promise<boolean> {
    const { layout } = this.stack;
    switch (kind) {
      case 'worker':
        return workerPolling(await this.temporal(), this.settings.namespace, this.settings.taskQueue, pid);
      case 'api': {
        const index = Number(processName.split('-')[1] ?? '1') - 1;
        return answers200(`http://${layout.host}:${layout.ports.api[index]}/api/v1/ready`);
      }
      case 'temporal': {
        // A start reaches frontend, history (the shard of its id) and matching: the whole server serves.
        const client = new Client({ connection: await this.temporal(), namespace: this.settings.namespace });
        const handle = await client.workflow.start('chaosProbe', { taskQueue: `chaos-probe-${randomUUID()}`, workflowId: `chaos-probe-${randomUUID()}`, workflowExecutionTimeout: '1 minute' });
        await handle.terminate('probe');
        return true;
      }
      case 'rabbitmq':
        return brokerServing(this.stack.brokerUrl);
      case 'postgres':
        return this.postgres.serving();
    }
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }
}
