import { log } from '@temporalio/activity';
import { type WebhookDispatcher } from '../events/dispatch';

// Customer notifications are webhook deliveries like any other: KYC_NOTIFY_URL is one more
// subscription (managed by configuration). The verification workflow calls this after each
// change the customer sees, so its record's events go out at once instead of at the relay's next
// pass; the relay dispatches everything else (review events, alerts). The activity keeps its name
// so that running workflows replay unchanged.
export function createNotificationActivities(webhooks: WebhookDispatcher) {
  return {
    async deliverNotifications(input: { recordId: string }): Promise<number> {
      const count = await webhooks.dispatch({ recordId: input.recordId });
      if (count) log.info('events dispatched to webhook subscribers', { recordId: input.recordId, count });
      return count;
    },
  };
}
