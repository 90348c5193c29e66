import { performance } from 'node:perf_hooks';
import { Context } from '@temporalio/activity';

// When each ceiling workflow started the activity as far after its signal as upgradeWallet is after
// the approved webhook: the kyc latency ends there, so this is the like-for-like end of the ceiling's.
// The worker runs in the benchmark's process, so performance.now() is the driver's own clock.
export const reachedMarkedStep = new Map<string, number>();

// No-op stand-ins for the verification's activities: what is left is Temporal's own cost of
// scheduling, dispatching, completing and recording one activity.
export const ceilingActivities = {
  async noop(step: number, markedStep: number | null): Promise<void> {
    if (step !== markedStep) return;
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (workflowId) reachedMarkedStep.set(workflowId, performance.now());
  },
};

export type CeilingActivities = typeof ceilingActivities;
