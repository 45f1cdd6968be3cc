/**
 * Business ids as workflow ids: a duplicate start maps onto the existing workflow. Every id
 * carries the tenant, so two tenants can never collide or address each other's workflows.
 */
export const workflowIds = {
  ping: (tenantId: string, pingId: string) => `ping:${tenantId}:${pingId}`,
  session: (tenantId: string, sessionId: string) => `session:${tenantId}:${sessionId}`,
  message: (tenantId: string, messageId: string) => `message:${tenantId}:${messageId}`,
  /** One per broadcast (issue 18); its recipients have no workflow of their own. */
  broadcast: (tenantId: string, broadcastId: string) => `broadcast:${tenantId}:${broadcastId}`,
  /** One per inbound message: a redelivered webhook maps onto the same workflow. */
  inbound: (tenantId: string, provider: string, providerMessageId: string) =>
    `inbound:${tenantId}:${provider}:${providerMessageId}`,
  onboarding: (tenantId: string, onboardingId: string) => `onboarding:${tenantId}:${onboardingId}`,
};
