import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { dynamicConfigFlags } from '../scripts/temporal-dev-server';
import { bundleKycWorkflows } from '../worker/workflow-bundle';
import { KYC_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

// One real Temporal dev server (the official CLI, passed as an existing path: the SDK's own
// download never runs) and one workflow bundle for the whole run; test files run in child
// processes of node's test runner and reach both through the environment.

const ROOT = path.resolve(__dirname, '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

async function testFiles(args: string[]): Promise<string[]> {
  if (args.length) return args;
  const found: string[] = [];
  for (const dir of ['unit', 'integration', 'e2e', 'browser']) {
    const full = path.join(ROOT, 'test', dir);
    const entries = await readdir(full).catch(() => []);
    found.push(...entries.filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test', dir, f)));
  }
  return found;
}

async function main() {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set: run the tests with `npm test`');
  await mkdir(ARTIFACTS, { recursive: true });
  const started = Date.now();

  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cliPath },
      ip: '127.0.0.1',
      searchAttributes: [...KYC_SEARCH_ATTRIBUTES],
      log: { format: 'json', level: 'warn' },
      extraArgs: dynamicConfigFlags(),
    },
  });
  const code = await bundleKycWorkflows(new DefaultLogger('WARN'));
  const bundlePath = path.join(ARTIFACTS, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  console.log(`# Temporal dev server at ${env.address}, workflows bundled in ${Date.now() - started} ms`);

  const files = await testFiles(process.argv.slice(2));
  const exitCode = await new Promise<number>((resolve) => {
    // No test file may wait forever: node applies this timeout to each file as a whole (and to
    // each test without a timeout of its own), so a hang fails that file and the run goes on.
    const testTimeout = `--test-timeout=${Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000)}`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', testTimeout, '--test-reporter=spec', ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      detached: true,
      // Metrics servers of spawned APIs and workers on free ports: test files run in parallel.
      env: { ...process.env, TEMPORAL_ADDRESS: env.address, WORKFLOW_BUNDLE_PATH: bundlePath, NODE_ENV: 'test', METRICS_PORT: '0', WORKER_METRICS_PORT: '0' },
    });
    const watchdog = startWatchdog(child.pid!, started);
    // The test files run in their own process group (so the deadline can stop them all): pass on
    // an interrupt.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      });
    }
    child.on('exit', (code) => {
      clearInterval(watchdog);
      resolve(code ?? 1);
    });
  });
  await env.teardown();
  console.log(`# suite wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(exitCode);
}

// The spec reporter prints files in order, so a file that hangs hides every later one. Every
// few minutes the runner names the test files still running and for how long; past the suite
// deadline it stops them all, so a hang fails the run with its name instead of timing it out.
const REPORT_EVERY_MS = Number(process.env.TEST_REPORT_EVERY_MS ?? 5 * 60_000);
const SUITE_DEADLINE_MS = Number(process.env.TEST_SUITE_DEADLINE_MS ?? 50 * 60_000);

/** The test files still running under the runner's process `root` (not another run's on this machine). */
function runningTestFiles(root: number): string[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-eo', 'pid=,ppid=,etimes=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const rows = out
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map(([, pid, ppid, seconds, args]) => ({ pid: Number(pid), ppid: Number(ppid), seconds: Number(seconds), args: args ?? '' }));
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) if (mine.has(row.ppid) && !mine.has(row.pid)) grew = Boolean(mine.add(row.pid));
  }
  // A test file's process: node with the file as its last argument (the runner itself has --test).
  return rows
    .filter((row) => mine.has(row.pid) && row.pid !== root)
    .map((row) => ({ row, file: row.args.match(/^\S*node\s(?!.*\s--test\s).*\s(\S+\.test\.ts)$/)?.[1] }))
    .filter((x): x is { row: (typeof rows)[number]; file: string } => x.file !== undefined)
    .map(({ row, file }) => `${path.relative(ROOT, path.resolve(ROOT, file))} (${row.seconds} s)`);
}

function startWatchdog(pid: number, started: number): NodeJS.Timeout {
  return setInterval(() => {
    const running = runningTestFiles(pid);
    const elapsed = Date.now() - started;
    console.log(`# ${Math.round(elapsed / 1000)} s in, still running: ${running.join(', ') || 'none'}`);
    if (elapsed > SUITE_DEADLINE_MS) {
      console.log(`# the suite passed its deadline of ${SUITE_DEADLINE_MS / 60_000} min: stopping the test files above`);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, REPORT_EVERY_MS).unref();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
