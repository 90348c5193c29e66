import { bundleWorkflowCode, type Logger } from '@temporalio/worker';

// How the workflow code is bundled, wherever it is (worker start, `npm run bundle-workflows`, the
// test and benchmark runners). Each workflow of a worker evaluates the bundle's modules in a module
// cache of its own (module state must not leak between workflows), which costs memory for every
// workflow in the cache and CPU for every one that starts or is replayed. Modules without state of
// their own are loaded once per worker and shared instead (the SDK's preloadModules): zod, which the
// domain's status and review tables are declared with.
export const SHARED_WORKFLOW_MODULES = ['zod'];

export const WORKFLOWS_PATH = require.resolve('../workflows');

export async function bundleKycWorkflows(logger?: Logger): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: SHARED_WORKFLOW_MODULES, ...(logger ? { logger } : {}) });
  return code;
}
