import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { bundleKycWorkflows } from '../worker/workflow-bundle';

// `npm run bundle-workflows -- <file>`: the workflow code bundled once, ahead of the workers
// (KYC_WORKFLOW_BUNDLE), so a worker that starts or restarts serves in seconds.
async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: npm run bundle-workflows -- <file>');
  const code = await bundleKycWorkflows(new DefaultLogger('WARN'));
  await writeFile(path.resolve(out), code);
  console.log(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
