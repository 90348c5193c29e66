import { rmSync } from 'node:fs';
import { loadStackSettings, stackLayout, type StackLayout } from './layout';
import { backendServers } from './load-balancer';
import { isRunning, stopProcess } from './processes';
import { serving } from './readiness';
import { readState, releaseLock, runningSupervisor } from './state';
import { graceOf, startStack } from './start';
import { stackTemporalConnection } from './tls';

// `npm run stack` (start, in the foreground), `npm run stack -- stop`, `npm run stack -- status`.

const USAGE = 'usage: npm run stack [-- start | stop | status]';

async function stop(layout: StackLayout): Promise<number> {
  const supervisor = runningSupervisor(layout);
  if (supervisor) {
    console.log(`stopping the stack (supervisor pid ${supervisor.pid})...`);
    process.kill(supervisor.pid, 'SIGTERM');
    // The supervisor stops its processes in order; the longest grace is a worker's.
    const deadline = Date.now() + 120_000;
    while (isRunning(supervisor) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    if (isRunning(supervisor)) {
      console.error(`the supervisor (pid ${supervisor.pid}) is still stopping; see its terminal`);
      return 1;
    }
  }
  // What a supervisor that died without cleaning up left behind.
  const state = readState(layout);
  let stopped = 0;
  for (const leftover of [...(state?.processes ?? [])].reverse()) {
    const outcome = await stopProcess(leftover, graceOf(leftover.name));
    if (outcome !== 'not running') {
      stopped += 1;
      console.log(`${leftover.name} (pid ${leftover.pid}) ${outcome}`);
    }
  }
  if (state) {
    rmSync(layout.stateFile, { force: true });
    releaseLock(layout, state.supervisor);
  }
  console.log(supervisor || stopped ? 'stack stopped' : 'no stack running');
  return 0;
}

async function status(layout: StackLayout): Promise<number> {
  const supervisor = runningSupervisor(layout);
  const state = readState(layout);
  if (!supervisor || !state) {
    const leftovers = state?.processes.filter(isRunning) ?? [];
    console.log(leftovers.length ? `no supervisor, but ${leftovers.map((p) => p.name).join(', ')} still run: \`npm run stack -- stop\` ends them` : 'no stack running');
    return leftovers.length ? 3 : 1;
  }
  console.log(`stack ${state.phase} since ${state.startedAt} (supervisor pid ${supervisor.pid}, ${layout.dir})`);
  let healthy = state.phase === 'up';
  const rows = await Promise.all(
    state.processes.map(async (p) => {
      const running = isRunning(p);
      const serves = running && (await serving(p.check, () => stackTemporalConnection(layout).tls).catch(() => false));
      healthy &&= serves;
      return [p.name, String(p.pid), running ? 'running' : 'exited', serves ? 'serving' : 'not serving', String(p.restarts), p.address];
    }),
  );
  const widths = [16, 8, 8, 12, 9];
  for (const row of [['process', 'pid', 'state', 'check', 'restarts', 'address'], ...rows]) console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' ')}`);
  const servers = await backendServers(layout).catch(() => []);
  if (servers.length) console.log(`  load balancer rotation: ${servers.map((s) => `${s.name} ${s.status}`).join(', ')}`);
  if (state.summary.length) console.log(['', ...state.summary].join('\n'));
  return healthy ? 0 : 3;
}

async function main(): Promise<number> {
  const settings = loadStackSettings(process.env);
  const layout = stackLayout(settings);
  const command = process.argv[2] ?? 'start';
  switch (command) {
    case 'start':
      return startStack(settings, layout);
    case 'stop':
      return stop(layout);
    case 'status':
      return status(layout);
    default:
      console.error(USAGE);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
