import v8 from 'node:v8';
import { type Config } from '../domain/config';

// The worker's workflow threads (the SDK runs workflow code in worker threads, each a V8 isolate
// of its own) inherit V8's default heap limit, a quarter of the machine's memory up to 4 GiB. With
// that much room V8 collects lazily: measured with 2,000 verifications opened through a cache of
// 250, the workflow thread's heap climbed to about 950 MiB before each full collection, of which
// about 250 MiB was live (the cached verifications, about 1 MiB each); the rest was the garbage
// of replaying and evicting verifications, and the process's resident memory followed it. A limit
// sized from the cache makes V8 collect before the garbage piles up, while leaving the cached
// verifications twice the room they need.
const BASE_MIB = 256;
const PER_CACHED_WORKFLOW_MIB = 1;

/** The old-space limit (MiB) of this process's workflow threads: KYC_WORKER_WORKFLOW_HEAP_MIB, or derived from the cache size. */
export function workflowHeapMiB(config: Pick<Config, 'KYC_WORKER_WORKFLOW_HEAP_MIB' | 'KYC_WORKER_CACHED_WORKFLOWS'>): number {
  return config.KYC_WORKER_WORKFLOW_HEAP_MIB ?? BASE_MIB + PER_CACHED_WORKFLOW_MIB * config.KYC_WORKER_CACHED_WORKFLOWS;
}

/**
 * Applies the limit to the isolates this process creates from now on: the workflow threads that
 * Worker.create starts (the SDK offers no resourceLimits for them), and the OCR pool's threads,
 * whose images live outside the JS heap. The main thread keeps the limit it started with: its heap
 * stays small (about 200 MiB), and `node --max-old-space-size` still sets it where wanted.
 */
export function limitWorkflowThreadHeap(config: Pick<Config, 'KYC_WORKER_WORKFLOW_HEAP_MIB' | 'KYC_WORKER_CACHED_WORKFLOWS'>): number {
  const mib = workflowHeapMiB(config);
  v8.setFlagsFromString(`--max-old-space-size=${mib}`);
  return mib;
}
