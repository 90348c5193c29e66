import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
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
    },
  });
  const code = await bundleKycWorkflows(new DefaultLogger('WARN'));
  const bundlePath = path.join(ARTIFACTS, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  console.log(`# Temporal dev server at ${env.address}, workflows bundled in ${Date.now() - started} ms`);

  const files = await testFiles(process.argv.slice(2));
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      // Metrics servers of spawned APIs and workers on free ports: test files run in parallel.
      env: { ...process.env, TEMPORAL_ADDRESS: env.address, WORKFLOW_BUNDLE_PATH: bundlePath, NODE_ENV: 'test', METRICS_PORT: '0', WORKER_METRICS_PORT: '0' },
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
  await env.teardown();
  console.log(`# suite wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(exitCode);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
