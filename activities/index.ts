import { createDiagnosticsActivities, type DiagnosticsActivityDeps } from './diagnostics.activities';
import { createMessageActivities, type MessageActivityDeps } from './messages.activities';
import { createCallbackActivities, type CallbackActivityDeps } from './callbacks.activities';
import { createInboundActivities, type InboundActivityDeps } from './inbound.activities';
import { createSessionActivities, type SessionActivityDeps } from './session.activities';
import { createSessionHealthActivities, type SessionHealthActivityDeps } from './session-health.activities';
import type { Metrics } from '../src/observability/metrics';
import { createOnboardingActivities, type OnboardingActivityDeps } from './onboarding.activities';
import { createBroadcastActivities, type BroadcastActivityDeps } from './broadcast.activities';

/** Messaging (issue 4): sends and their history, the sender rate limiter, status callbacks, inbound messages. */
export interface MessagingFeatureDeps extends MessageActivityDeps {
  callbacks: CallbackActivityDeps;
  inbound: InboundActivityDeps;
  /** Broadcasts (issue 18): their records, the 24-hour window per recipient, sends in flight per chunk. */
  broadcasts: Omit<BroadcastActivityDeps, 'registry' | 'limiter'>;
}

/**
 * The features a worker can host, each with every part it needs. A worker hosts a subset by
 * leaving members out (in its type, not at run time): the activities of a feature it does not
 * host are not registered at all, so Temporal reports them as not found on that worker.
 */
export interface WorkerFeatures {
  messaging: MessagingFeatureDeps;
  /** WhatsApp Web sessions (issue 3): gateway adapters and the whatsapp_sessions projection. */
  sessions: SessionActivityDeps;
  /** The session health sweep (issue 8) and the official senders' credential checks. */
  health: SessionHealthActivityDeps;
  /** Onboarding sagas (issue 7): Meta Embedded Signup, 360dialog partner API, Twilio Senders API. */
  onboarding: OnboardingActivityDeps;
}

/** What every worker has: the diagnostics ping and, when it serves them, Prometheus counters (issue 8). */
export interface WorkerBaseDeps extends DiagnosticsActivityDeps {
  metrics?: Metrics;
}

/** Each feature's activities from its own dependencies (the one place a feature is turned into activities). */
const FEATURES = {
  messaging: (d: MessagingFeatureDeps, metrics?: Metrics) => ({
    ...createMessageActivities({ messaging: d, metrics }),
    ...createCallbackActivities({ callbacks: d.callbacks }),
    ...createInboundActivities({ inbound: d.inbound, messages: d.messages, metrics }),
    ...createBroadcastActivities({
      broadcasts: { ...d.broadcasts, registry: d.registry, limiter: d.limiter },
      callbacks: d.callbacks,
      metrics,
    }),
  }),
  sessions: (d: SessionActivityDeps) => createSessionActivities({ sessions: d }),
  health: (d: SessionHealthActivityDeps, metrics?: Metrics) =>
    createSessionHealthActivities({ health: d, metrics }),
  onboarding: (d: OnboardingActivityDeps) => createOnboardingActivities({ onboarding: d }),
} satisfies { [K in keyof WorkerFeatures]: (d: WorkerFeatures[K], metrics?: Metrics) => object };

type FeatureName = keyof WorkerFeatures;
type FeatureActivities = { [K in FeatureName]: ReturnType<(typeof FEATURES)[K]> };
/** The features `F` surely hosts: a member that may be undefined is not one. */
type HostedIn<F> = {
  [K in keyof F & FeatureName]-?: undefined extends F[K] ? never : K;
}[keyof F & FeatureName];
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The activities of a worker that hosts the features in `F`. */
export type ActivitiesOf<F> = ReturnType<typeof createDiagnosticsActivities> &
  Intersection<FeatureActivities[HostedIn<F>]>;

/**
 * The activities a worker registers: the diagnostics ping and those of each feature it hosts.
 * Both the worker's composition root (workers/main.ts) and the test stack call this.
 */
export function createActivities<F extends Partial<WorkerFeatures>>(
  deps: WorkerBaseDeps & F,
): ActivitiesOf<F> {
  const activities: object = { ...createDiagnosticsActivities(deps) };
  const hosted = <K extends FeatureName>(name: K) => {
    const d = deps[name] as WorkerFeatures[K] | undefined;
    if (d)
      Object.assign(
        activities,
        (FEATURES[name] as (d: WorkerFeatures[K], m?: Metrics) => object)(d, deps.metrics),
      );
  };
  (Object.keys(FEATURES) as FeatureName[]).forEach(hosted);
  return activities as ActivitiesOf<F>;
}

/**
 * Every activity of every feature. Workflows import this file as a type only:
 * `proxyActivities<Activities>(...)`.
 */
export type Activities = ActivitiesOf<WorkerFeatures>;
