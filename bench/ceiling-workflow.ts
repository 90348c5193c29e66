import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CeilingActivities } from './ceiling-activities';

// The bare ceiling for bench/run.ts: the shape of an approved kycVerification (activities, a wait
// for one signal, activities) with nothing inside, so the gap to the real workflow is our code.

export interface CeilingPlan {
  // Counted from a recorded approved history, so the ceiling follows the product if it changes.
  before: number;
  after: number;
  // The step whose start ends the like-for-like latency (null: none), see ceiling-activities.ts.
  markedStep: number | null;
}

export const proceedSignal = defineSignal('proceed');
// Answers once the activities before the wait have run, like startSession returning the session URL.
export const readyUpdate = defineUpdate<void>('ready');

const { noop } = proxyActivities<CeilingActivities>({ startToCloseTimeout: '10 seconds' });

export async function ceilingWorkflow(plan: CeilingPlan): Promise<void> {
  let ready = false;
  let proceed = false;
  setHandler(proceedSignal, () => {
    proceed = true;
  });
  setHandler(readyUpdate, async () => {
    await condition(() => ready);
  });

  for (let step = 0; step < plan.before; step += 1) await noop(step, plan.markedStep);
  ready = true;
  await condition(() => proceed);
  for (let step = plan.before; step < plan.before + plan.after; step += 1) await noop(step, plan.markedStep);
}
