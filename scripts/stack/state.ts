import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { type StackLayout } from './layout';
import { isRunning, type ProcessRecord } from './processes';

// The running stack as files: a lock naming the supervisor (one stack per folder) and the list
// of its processes with what `status` shows, rewritten as processes start.

const processRecordSchema = z.object({ name: z.string(), pid: z.number().int(), startTicks: z.string().nullable(), log: z.string() });

// address: where it listens; check: what shows it serves (readiness.ts `serving`); restarts: how
// often the supervisor brought it back after it exited.
const stackProcessSchema = processRecordSchema.extend({ address: z.string(), check: z.string(), restarts: z.number().int().default(0) });

const stateSchema = z.object({
  supervisor: processRecordSchema,
  startedAt: z.string(),
  phase: z.enum(['starting', 'up', 'stopping']),
  processes: z.array(stackProcessSchema),
  // The start banner, for `status` to show again.
  summary: z.array(z.string()),
});

export type StackState = z.infer<typeof stateSchema>;
export type StackProcess = z.infer<typeof stackProcessSchema>;

export function readState(layout: StackLayout): StackState | null {
  try {
    return stateSchema.parse(JSON.parse(readFileSync(layout.stateFile, 'utf8')));
  } catch {
    return null;
  }
}

export function writeState(layout: StackLayout, state: StackState): void {
  const temporary = `${layout.stateFile}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, layout.stateFile);
}

function readLock(layout: StackLayout): ProcessRecord | null {
  try {
    return processRecordSchema.parse(JSON.parse(readFileSync(layout.lockFile, 'utf8')));
  } catch {
    return null;
  }
}

/** The supervisor that holds the lock, if it still runs. */
export function runningSupervisor(layout: StackLayout): ProcessRecord | null {
  const holder = readLock(layout);
  return holder && isRunning(holder) ? holder : null;
}

/** Takes the lock for this supervisor; returns the running holder instead when there is one. */
export function acquireLock(layout: StackLayout, me: ProcessRecord): ProcessRecord | null {
  // The lock appears complete or not at all (a hard link fails when the name exists), so two
  // starts racing cannot both win, and neither reads a half-written lock and takes it for stale.
  const mine = `${layout.lockFile}.${me.pid}`;
  writeFileSync(mine, JSON.stringify(me), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        linkSync(mine, layout.lockFile);
        return null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = runningSupervisor(layout);
        if (holder) return holder;
        // A supervisor that died without cleaning up (SIGKILL, power loss): its lock is stale.
        rmSync(layout.lockFile, { force: true });
      }
    }
    throw new Error(`could not take the stack lock ${layout.lockFile}`);
  } finally {
    rmSync(mine, { force: true });
  }
}

export function releaseLock(layout: StackLayout, me: ProcessRecord): void {
  if (readLock(layout)?.pid === me.pid) rmSync(layout.lockFile, { force: true });
}
