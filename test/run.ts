import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { dynamicConfigFlags } from '../scripts/temporal-dev-server';
import { bundleKycWorkflows } from '../worker/workflow-bundle';
import { KYC_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { NEEDS, needsOfRun, type Need, type NeedName } from './needs';

// Prepares what the chosen test files need (test/needs.ts: each file's `// needs:` line), then
// runs them in child processes of node's test runner. Of Temporal it starts at most one real dev
// server (the official CLI, passed as an existing path: the SDK's own download never runs) and
// one workflow bundle for the whole run; test files reach both through the environment.

const ROOT = path.resolve(__dirname, '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
/** The tiers `npm test` runs when given no files, in this order. */
const TIERS = ['unit', 'workflows', 'integration', 'e2e', 'browser'];

async function testFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir)).catch(() => []);
  return entries.filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f));
}

/** The files named (a folder stands for its test files), or every tier's. */
async function testFiles(args: string[]): Promise<string[]> {
  if (!args.length) return (await Promise.all(TIERS.map((tier) => testFilesIn(path.join('test', tier))))).flat();
  const files: string[] = [];
  for (const arg of args) {
    const isDir = await stat(path.resolve(ROOT, arg)).then((s) => s.isDirectory(), () => false);
    files.push(...(isDir ? await testFilesIn(path.relative(ROOT, path.resolve(ROOT, arg))) : [arg]));
  }
  return files;
}

/** Runs the ensure script of each need that has one; returns the variables they printed. */
function prepare(needs: NeedName[]): Record<string, string> {
  const env: Record<string, string> = {};
  const ran = new Set<string>();
  for (const name of needs) {
    const need: Need = NEEDS[name];
    if (!need.script || ran.has(need.script)) continue;
    ran.add(need.script);
    const started = Date.now();
    const printed = execFileSync('bash', [path.join(ROOT, 'scripts', need.script)], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } }).trim();
    const variable = need.env[0];
    if (variable) {
      if (!printed) throw new Error(`scripts/${need.script} printed nothing: ${variable} is unknown`);
      env[variable] = printed;
    }
    console.log(`# ${name}: ${need.what}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return env;
}

async function main() {
  const started = Date.now();
  // Options (`--test-name-pattern=review`) go to node's test runner; the other arguments are files or folders.
  const args = process.argv.slice(2);
  const options = args.filter((arg) => arg.startsWith('-'));
  const files = await testFiles(args.filter((arg) => !arg.startsWith('-')));
  const needs = needsOfRun(files, ROOT);
  console.log(`# ${files.length} test file${files.length === 1 ? '' : 's'}; preparing: ${needs.join(', ') || 'nothing'}`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...prepare(needs) };
  await mkdir(ARTIFACTS, { recursive: true });

  let server: TestWorkflowEnvironment | undefined;
  if (needs.includes('temporal')) {
    const serverStarted = Date.now();
    server = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: env.TEMPORAL_CLI_PATH! },
        ip: '127.0.0.1',
        searchAttributes: [...KYC_SEARCH_ATTRIBUTES],
        log: { format: 'json', level: 'warn' },
        extraArgs: dynamicConfigFlags(),
      },
    });
    env.TEMPORAL_ADDRESS = server.address;
    console.log(`# Temporal dev server at ${server.address}, started in ${Date.now() - serverStarted} ms`);
  }
  if (needs.includes('workflow-bundle')) {
    const bundleStarted = Date.now();
    const bundlePath = path.join(ARTIFACTS, 'workflow-bundle.js');
    await writeFile(bundlePath, await bundleKycWorkflows(new DefaultLogger('WARN')));
    env.WORKFLOW_BUNDLE_PATH = bundlePath;
    console.log(`# workflows bundled in ${Date.now() - bundleStarted} ms`);
  }
  console.log(`# prepared in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const exitCode = await new Promise<number>((resolve) => {
    // No test file may wait forever: node applies this timeout to each file as a whole (and to
    // each test without a timeout of its own), so a hang fails that file and the run goes on.
    const testTimeout = `--test-timeout=${Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000)}`;
    // test/declared-needs.mjs runs first in each file's process: the file sees only the variables of its own needs.
    const preload = ['--import', 'tsx', '--import', path.join(ROOT, 'test', 'declared-needs.mjs')];
    const child = spawn(process.execPath, [...preload, '--test', '--test-concurrency=2', testTimeout, '--test-reporter=spec', ...options, ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      detached: true,
      // Metrics servers of spawned APIs and workers on free ports: test files run in parallel.
      env: { ...env, NODE_ENV: 'test', METRICS_PORT: '0', WORKER_METRICS_PORT: '0' },
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
      // A test file that died before its teardown leaves its servers behind (a time-skipping test
      // server, a worker): they are in the test files' process group.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // nothing left
      }
      resolve(code ?? 1);
    });
  });
  await server?.teardown();
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
