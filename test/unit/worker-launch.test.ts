// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigError, loadConfig } from '../../domain/config';
import { limitWorkflowThreadHeap, workflowHeapMiB } from '../../worker/heap';
import { WORKER_MAIN_HEAP_MIB, WORKER_NODE_ARGS, workerProcessEnv } from '../../worker/launch';

const ROOT = path.resolve(__dirname, '..', '..');

function heapLimitOfNewThreadMiB(): Promise<number> {
  const thread = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true });
  return new Promise((resolve, reject) => {
    thread.once('message', (bytes: number) => resolve(bytes / 2 ** 20));
    thread.once('error', reject);
  }).finally(() => thread.terminate()) as Promise<number>;
}

describe('worker memory settings', () => {
  test('when no workflow heap is set, then it is derived from the cache size; when set, it is used', () => {
    assert.equal(workflowHeapMiB(loadConfig({})), 506);
    assert.equal(workflowHeapMiB(loadConfig({ KYC_WORKER_CACHED_WORKFLOWS: '1000' })), 1256);
    assert.equal(workflowHeapMiB(loadConfig({ KYC_WORKER_CACHED_WORKFLOWS: '1000', KYC_WORKER_WORKFLOW_HEAP_MIB: '700' })), 700);
  });

  test('when the workflow heap is below 128 MiB or not a number, then loading fails naming the variable', () => {
    assert.throws(() => loadConfig({ KYC_WORKER_WORKFLOW_HEAP_MIB: '64' }), (err: Error) => err instanceof ConfigError && /KYC_WORKER_WORKFLOW_HEAP_MIB/.test(err.message));
    assert.throws(() => loadConfig({ KYC_WORKER_WORKFLOW_HEAP_MIB: 'lots' }), /KYC_WORKER_WORKFLOW_HEAP_MIB/);
  });

  test('when the limit is applied, then threads started afterwards get it as their old space', async () => {
    const applied = limitWorkflowThreadHeap(loadConfig({ KYC_WORKER_WORKFLOW_HEAP_MIB: '200' }));
    assert.equal(applied, 200);
    const limit = await heapLimitOfNewThreadMiB();
    // heap_size_limit is the old space plus the young generation (a few dozen MiB).
    assert.ok(limit >= 200 && limit < 300, `thread heap limit ${limit} MiB`);
  });

  test('when a worker process is launched anywhere, then it runs with the same flags and malloc arenas', () => {
    assert.deepEqual(WORKER_NODE_ARGS, [`--max-old-space-size=${WORKER_MAIN_HEAP_MIB}`, '--import', 'tsx', 'worker/main.ts']);
    assert.equal(workerProcessEnv({}).MALLOC_ARENA_MAX, '2');
    assert.equal(workerProcessEnv({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX, '4');
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts.worker, `MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX:-2} node ${WORKER_NODE_ARGS.join(' ')}`);
    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const service = compose.slice(compose.indexOf('\n  worker:'), compose.indexOf('\n  load-balancer:'));
    assert.ok(service.includes(`command: [${['node', ...WORKER_NODE_ARGS].map((arg) => JSON.stringify(arg)).join(', ')}]`), 'docker-compose worker command');
    assert.match(service, /MALLOC_ARENA_MAX: "2"/);
  });
});
