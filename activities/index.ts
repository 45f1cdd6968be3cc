import { createDiagnosticsActivities, type DiagnosticsActivityDeps } from './diagnostics.activities';
import { createMessageActivities, type MessageActivityDeps } from './messages.activities';
import { createCallbackActivities, type CallbackActivityDeps } from './callbacks.activities';
import { createInboundActivities, type InboundActivityDeps } from './inbound.activities';
import { createSessionActivities, type SessionActivityDeps } from './session.activities';
import { createSessionHealthActivities, type SessionHealthActivityDeps } from './session-health.activities';
import type { Metrics } from '../src/observability/metrics';
import { createOnboardingActivities, type OnboardingActivityDeps } from './onboarding.activities';

/**
 * Every activity the worker hosts, built from injected dependencies (repositories, providers).
 * Workflows import this file as a type only: `proxyActivities<Activities>(...)`.
 */
export type ActivityDeps = DiagnosticsActivityDeps & { messaging?: MessageActivityDeps } & {
  callbacks?: CallbackActivityDeps;
} & { inbound?: InboundActivityDeps } & { sessions?: SessionActivityDeps } & {
  health?: SessionHealthActivityDeps;
} & {
  /** Prometheus counters (issue 8): message transitions, send attempts and latency, sweep results. */
  metrics?: Metrics;
} & {
  /** Onboarding sagas (issue 7): Meta Embedded Signup, 360dialog partner API, Twilio Senders API. */
  onboarding?: OnboardingActivityDeps;
};

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDiagnosticsActivities(deps),
    ...createMessageActivities(deps),
    ...createCallbackActivities(deps),
    ...createInboundActivities(deps),
    ...createSessionActivities(deps),
    ...createSessionHealthActivities(deps),
    ...createOnboardingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
