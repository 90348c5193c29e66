import { bundleWorkflowCode, type Logger } from '@temporalio/worker';

// How the workflow code is bundled, wherever it is (worker start, `npm run bundle-workflows`, the
// test and benchmark runners). Each workflow of a worker evaluates the bundle's modules in a module
// cache of its own (module state must not leak between workflows), which costs memory for every
// workflow in the cache and CPU for every one that starts or is replayed. Modules without state of
// their own are loaded once per worker and shared instead (the SDK's preloadModules): zod, and the
// domain modules the workflows read (constant tables, pure rules, zod schemas built from them).
// Building those per workflow was half the workflow thread's CPU per verification.
// test/unit/workflow-bundle.test.ts fails when the bundle holds a domain module this list misses.
export const SHARED_DOMAIN_MODULES = ['alerts', 'decision', 'privacy', 'review', 'screening', 'status', 'webhooks'] as const;

export const SHARED_WORKFLOW_MODULES = ['zod', ...SHARED_DOMAIN_MODULES.map((name) => require.resolve(`../domain/${name}`))];

export const WORKFLOWS_PATH = require.resolve('../workflows');

export async function bundleKycWorkflows(logger?: Logger): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: SHARED_WORKFLOW_MODULES, ...(logger ? { logger } : {}) });
  return code;
}
