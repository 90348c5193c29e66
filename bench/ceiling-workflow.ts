import { condition, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
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
const { noop: localNoop } = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '10 seconds' });

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

// The product's current shape (workflows/kyc-verification.ts since 'local-database-steps'): a local
// activity (the record) and an activity (the vendor session) before the session is ready, then its
// three signals (started, submitted, the decision) answered by one, one and four local activities,
// the third after the decision standing for upgradeWallet. What is left against the product is our
// own code, not Temporal's.
export const CURRENT_SHAPE_SIGNALS = 3;
const AFTER_EACH_SIGNAL = [1, 1, 4];
export const CURRENT_SHAPE_MARKED_STEP = 2 + 1 + 1 + 2;

export async function ceilingCurrentShapeWorkflow(): Promise<void> {
  let ready = false;
  let signals = 0;
  setHandler(proceedSignal, () => {
    signals += 1;
  });
  setHandler(readyUpdate, async () => {
    await condition(() => ready);
  });
  await localNoop(0, CURRENT_SHAPE_MARKED_STEP);
  await noop(1, CURRENT_SHAPE_MARKED_STEP);
  ready = true;
  let step = 2;
  for (const [index, count] of AFTER_EACH_SIGNAL.entries()) {
    await condition(() => signals > index);
    for (let i = 0; i < count; i += 1) await localNoop(step++, CURRENT_SHAPE_MARKED_STEP);
  }
}
