// How a worker process is started, by every launcher that starts one: `npm run worker`
// (package.json), `npm run stack`, the memory benchmark, and docker-compose.yml (which spells the
// same out; test/unit/worker-launch.test.ts keeps them equal). Two settings only a launcher can
// give, measured with 2,000 verifications open on one worker (2,000 MiB settled before them):
// - The main thread's V8 old-space limit. Its live heap stays near 100 MiB, but under V8's
//   default limit (a quarter of the machine's memory, up to 4 GiB) it let the heap grow to 230 MiB
//   between collections; with this limit it stays near 150 MiB. The workflow threads, where most
//   of the memory goes, get a limit of their own (worker/heap.ts).
// - MALLOC_ARENA_MAX: glibc gives each thread that allocates (the SDK's Rust core runs a dozen)
//   a malloc arena of its own, up to eight per core, and returns little of them. Two arenas took
//   about 100 MiB off the worker's resident memory. An operator's own value is kept.
export const WORKER_MAIN_HEAP_MIB = 320;
export const WORKER_ENTRY = 'worker/main.ts';

/** The arguments of `node` for a worker process (run from the repository's root). */
export const WORKER_NODE_ARGS: readonly string[] = [`--max-old-space-size=${WORKER_MAIN_HEAP_MIB}`, '--import', 'tsx', WORKER_ENTRY];

/** The environment of a worker process: the given one with the launch settings above. */
export function workerProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2' };
}
