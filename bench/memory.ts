import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { validateKycApplication } from '../domain/kyc-application';
import { SAMPLE_APPLICATION, type TestSystem } from '../test/support/system';
import { VERIFICATION_WORKFLOW_TYPE, verificationSettings, verificationWorkflowId, type KycVerificationInput } from '../workflows/kyc-verification.contract';
import { workflowHeapMiB } from '../worker/heap';
import { WORKER_MAIN_HEAP_MIB } from '../worker/launch';
import { mib, runPool } from './support';
import { startWorkerProcess } from './worker-process';

// Worker memory with many verifications open: a worker process of its own (`npm run worker`, as
// production runs it) on a task queue of its own, then O verifications started on it that open
// their vendor session and wait for webhooks that never come. Its resident memory is read from
// /proc as they open and once they all wait.

const START_CONCURRENCY = 50;

function residentBytes(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return null;
  }
}

export async function memorySection(system: TestSystem, options: { open: number }): Promise<void> {
  const taskQueue = `kyc-bench-memory-${randomUUID()}`;
  const worker = await startWorkerProcess(system, taskQueue);
  const { pid, config: ran, env } = worker;
  try {
    // Idle first: the process with its pools, bundle and connections, before any verification.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const idle = residentBytes(pid);

    // Accounts straight into the database: the API's own path is measured elsewhere.
    const users = Array.from({ length: options.open }, (_, i) => ({ id: randomUUID(), username: `memory-${taskQueue.slice(-8)}-${i}`, passwordHash: 'not-a-login', role: 'customer' as const }));
    for (let i = 0; i < users.length; i += 1000) await system.db.user.createMany({ data: users.slice(i, i + 1000) });
    const settings = verificationSettings(system.config);
    const began = performance.now();
    let peak = idle?.peak ?? 0;
    const sampler = setInterval(() => {
      const now = residentBytes(pid);
      if (now) peak = Math.max(peak, now.rss);
    }, 1000);
    await runPool(users, START_CONCURRENCY, async (user) => {
      const validated = validateKycApplication({ ...SAMPLE_APPLICATION, document_number: `BP${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}` }, new Date());
      if (!validated.ok) throw new Error('the sample application does not validate');
      const input: KycVerificationInput = { recordId: randomUUID(), userId: user.id, application: validated.value, settings };
      await system.client.workflow.start(VERIFICATION_WORKFLOW_TYPE, { taskQueue, workflowId: verificationWorkflowId(user.id), args: [input] });
    });
    // Open: the record written and the vendor session attached, now waiting for webhooks.
    const userIds = users.map((u) => u.id);
    let open = 0;
    for (let last = -1; open < users.length; ) {
      open = await system.db.kycRecord.count({ where: { userId: { in: userIds }, veriffSessionId: { not: null } } });
      if (open !== last && (open === users.length || open % 1000 < 100)) console.log(`# memory: ${open}/${users.length} verifications open after ${((performance.now() - began) / 1000).toFixed(0)} s, worker rss ${mib(residentBytes(pid)?.rss ?? Number.NaN)}`);
      last = open;
      if (worker.exited()) throw new Error('the worker exited');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    clearInterval(sampler);
    const settled = residentBytes(pid);
    console.log(`\n== worker memory with ${users.length} verifications open and waiting for their webhooks (one worker process, as \`npm run worker\` starts it) ==`);
    console.log(`  KYC_WORKER_CACHED_WORKFLOWS=${ran.KYC_WORKER_CACHED_WORKFLOWS}; workflow threads' heap limit ${workflowHeapMiB(ran)} MiB (KYC_WORKER_WORKFLOW_HEAP_MIB${ran.KYC_WORKER_WORKFLOW_HEAP_MIB === undefined ? ' unset: derived from the cache' : ''}); main thread's ${WORKER_MAIN_HEAP_MIB} MiB; MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX}`);
    console.log(`  idle ${mib(idle?.rss ?? Number.NaN)}; all open ${mib(settled?.rss ?? Number.NaN)}; highest seen ${mib(Math.max(peak, settled?.peak ?? 0))} (VmHWM); opened in ${((performance.now() - began) / 1000).toFixed(0)} s`);
    const highest = Math.max(peak, settled?.peak ?? 0);
    console.log(`  target: under 1 GiB: ${highest < 1024 ** 3 ? 'met' : 'MISSED'}`);
  } finally {
    await worker.stop();
  }
}
