// Who uses the service. Customers verify themselves; staff review, administer and audit; service
// accounts are integrating systems calling the document check with an API key (no sign-in).
export const ROLES = ['customer', 'reviewer', 'senior_reviewer', 'admin', 'auditor', 'service'] as const;
export type Role = (typeof ROLES)[number];

export const STAFF_ROLES = ['reviewer', 'senior_reviewer', 'admin', 'auditor'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];
