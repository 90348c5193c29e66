// What a customer is shown of their own verification's audit trail: its status changes (with the
// customer-facing reason each carries) and what they did themselves. Risk assessments, review
// assignments, reviewer identities and vendor codes are for staff (who see the whole trail).

export interface TimelineEvent {
  toStatus: string | null;
  actorType: string;
}

export function isCustomerVisibleEvent(event: TimelineEvent): boolean {
  return event.toStatus !== null || event.actorType === 'customer';
}
