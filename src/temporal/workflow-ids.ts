/**
 * Business ids as workflow ids: a duplicate start maps onto the existing workflow. Every id
 * carries the tenant, so two tenants can never collide or address each other's workflows.
 */
export const workflowIds = {
  ping: (tenantId: string, pingId: string) => `ping:${tenantId}:${pingId}`,
  session: (tenantId: string, sessionId: string) => `session:${tenantId}:${sessionId}`,
  message: (tenantId: string, messageId: string) => `message:${tenantId}:${messageId}`,
  onboarding: (tenantId: string, onboardingId: string) => `onboarding:${tenantId}:${onboardingId}`,
};
