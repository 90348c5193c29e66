import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';

// The stack's processes: each in its own process group (so the terminal's Ctrl-C reaches only the
// supervisor, which then stops them in order), its output appended to a log file it keeps writing
// to even if the supervisor dies. A process is named by pid *and* start time, so a `stop` from
// another terminal never signals an unrelated process that reused a pid.

export interface ProcessRecord {
  name: string;
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat), null where /proc is unavailable. */
  startTicks: string | null;
  log: string;
}

export interface ManagedProcess extends ProcessRecord {
  child: ChildProcess;
  /** Settles when the process exits: exit code or signal name. */
  exited: Promise<string>;
}

export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logDir: string;
}

export function spawnLogged(spec: SpawnSpec): ManagedProcess {
  const log = path.join(spec.logDir, `${spec.name}.log`);
  const fd = openSync(log, 'a', 0o600);
  writeSync(fd, `--- ${new Date().toISOString()} starting ${spec.name}: ${path.basename(spec.command)} ${spec.args.join(' ')}\n`);
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`));
    child.once('error', (error) => resolve(`spawn error ${error.message}`));
  });
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  return { name: spec.name, pid: child.pid, startTicks: startTicks(child.pid), log, child, exited };
}

function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: fields start after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function startTicks(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

export function isRunning(record: Pick<ProcessRecord, 'pid' | 'startTicks'>): boolean {
  const fields = procStat(record.pid);
  if (fields) return fields[0] !== 'Z' && (record.startTicks === null || fields[19] === record.startTicks);
  try {
    process.kill(record.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(record: ProcessRecord, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole process group the stack created for it.
    process.kill(-record.pid, signal);
  } catch {
    try {
      process.kill(record.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, then SIGKILL after the grace period. Resolves once the process is gone. */
export async function stopProcess(record: ProcessRecord, graceMs: number): Promise<'stopped' | 'killed' | 'not running'> {
  if (!isRunning(record)) return 'not running';
  signalGroup(record, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(record)) return 'stopped';
    await sleep(100);
  }
  signalGroup(record, 'SIGKILL');
  while (isRunning(record)) await sleep(50);
  return 'killed';
}

export function currentProcess(name: string): ProcessRecord {
  return { name, pid: process.pid, startTicks: startTicks(process.pid), log: '' };
}

export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
