// Every workflow the worker registers. Only workflow functions are exported from here: this file
// is the entry point of the workflow bundle.
export { pingWorkflow } from './ping.workflow';
export { messageWorkflow } from './message.workflow';
export { sessionWorkflow } from './session.workflow';
export { sessionHealthWorkflow } from './session-health.workflow';
export { inboundMessageWorkflow } from './inbound.workflow';
export { onboardingWorkflow } from './onboarding.workflow';
export { broadcastWorkflow } from './broadcast.workflow';
