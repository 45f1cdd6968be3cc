import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StepPatch } from '../activities/onboarding.activities';
import type { OnboardingStepName } from '../src/domain/onboarding';
import { ONBOARDING_STEPS } from '../src/providers/official-providers';
import { OnboardingStatusKey } from '../src/temporal/search-attributes';
import { failureOf, timedOutWithoutCause } from './onboarding-failure';
import {
  OnboardingFailureTypes,
  twilioVerificationCodeSignal,
  type OnboardingResult,
  type OnboardingWorkflowInput,
} from './onboarding.definitions';

/** What an exchange attempt may spend beside its HTTP call: the claim, the reads, sealing the token. */
const EXCHANGE_GRACE_MS = 5_000;

const pick = (e: { providerCode?: string }) => (e.providerCode ? { providerCode: e.providerCode } : {});
const now = () => new Date().toISOString();

interface Step {
  name: OnboardingStepName;
  run(): Promise<unknown>;
  /** Undoes the step after a later one failed (absent: nothing at the provider to undo). */
  undo?(): Promise<unknown>;
}

type Proxy = ActivityInterfaceFor<Activities>;

/**
 * One run of the onboarding workflow (see onboardingWorkflow): the provider's steps in order, then
 * ready; or, when one fails for good, its failure recorded, the completed steps undone in reverse
 * and failed. The order of its local activities, activities, timers and search-attribute upserts is
 * what histories of running onboardings hold: change it only behind a workflow patch.
 */
export class OnboardingSaga {
  private readonly ref: { tenantId: string; onboardingId: string };
  private readonly db: Proxy;
  private readonly acts: Proxy;
  private readonly exchange: Proxy;
  /** Compensations try harder than steps: what they leave behind stays at the provider. */
  private readonly undo: Proxy;
  /** Twilio OTPs (sealed by the API) submitted while the sender waits in PENDING_VERIFICATION. */
  private readonly sealedCodes: string[] = [];
  private readonly names: readonly OnboardingStepName[];

  constructor(private readonly input: OnboardingWorkflowInput) {
    this.ref = { tenantId: input.tenantId, onboardingId: input.onboardingId };
    const s = input.settings;
    const backoff = {
      initialInterval: s.retryInitialMs,
      backoffCoefficient: 2,
      maximumInterval: Math.max(s.retryMaxMs, s.retryInitialMs),
    };
    this.db = proxyLocalActivities<Activities>({
      startToCloseTimeout: '10s',
      retry: { initialInterval: '200ms', maximumInterval: '5s' },
    });
    this.acts = proxyActivities<Activities>({
      startToCloseTimeout: s.stepTimeoutMs,
      retry: { ...backoff, maximumAttempts: s.stepMaxAttempts },
    });
    // The code dies after its validity: retried as long as it lives, never after. An attempt outlasts
    // its HTTP call (and the writes around it): one that timed out cannot still spend the code while
    // the next one runs, so a slow answer is waited for, not raced.
    this.exchange = proxyActivities<Activities>({
      startToCloseTimeout: Math.min(
        Math.max(s.stepTimeoutMs, (s.exchangeCallTimeoutMs ?? 0) + EXCHANGE_GRACE_MS),
        s.codeValidityMs,
      ),
      scheduleToCloseTimeout: s.codeValidityMs,
      retry: backoff,
    });
    this.undo = proxyActivities<Activities>({
      startToCloseTimeout: s.stepTimeoutMs,
      retry: { ...backoff, maximumAttempts: s.stepMaxAttempts * 2 },
    });
    this.names = ONBOARDING_STEPS[input.provider];
  }

  async run(): Promise<OnboardingResult> {
    setHandler(twilioVerificationCodeSignal, ({ sealedCode }) => void this.sealedCodes.push(sealedCode));
    const actions = this.actions();
    const steps: Step[] = this.names.map((name) => ({ name, ...actions[name] }));

    await this.db.recordOnboardingStarted({
      ...this.input,
      steps: this.names,
      workflowId: workflowInfo().workflowId,
    });
    upsertSearchAttributes([{ key: OnboardingStatusKey, value: 'running' }]);
    const done: Step[] = [];
    for (const [i, step] of steps.entries()) {
      try {
        await this.record(step.name, { status: 'running', startedAt: now() });
        await step.run();
      } catch (err) {
        // Undo and record even when the failure is the workflow's own cancellation.
        return CancellationScope.nonCancellable(() => this.fail(i, step, err, done));
      }
      done.push(step);
      await CancellationScope.nonCancellable(() =>
        this.record(step.name, { status: 'done', finishedAt: now(), error: null }),
      );
    }
    // Every step is done: a cancellation arriving now no longer undoes anything.
    return CancellationScope.nonCancellable(async () => {
      await this.db.recordOnboardingFinished({ ...this.ref, status: 'ready', failure: null, skipped: [] });
      upsertSearchAttributes([{ key: OnboardingStatusKey, value: 'ready' }]);
      return { status: 'ready' as const, failure: null };
    });
  }

  private record(step: string, patch: StepPatch) {
    return this.db.recordOnboardingStep({ ...this.ref, step, patch });
  }

  /**
   * What each step does; which steps a provider runs, and in which order, is ONBOARDING_STEPS (the
   * lists in the providers' folders, which their descriptors carry), written once.
   */
  private actions(): Record<OnboardingStepName, Omit<Step, 'name'>> {
    const { ref, acts, undo } = this;
    return {
      exchange_code: { run: () => this.exchange.onboardingExchangeCode(ref) },
      resolve_ids: { run: () => acts.onboardingResolveMetaIds(ref) },
      subscribe_app: {
        run: () => acts.onboardingSubscribeApp(ref),
        undo: () => undo.onboardingUnsubscribeApp(ref),
      },
      register_phone: {
        run: () => acts.onboardingRegisterPhone(ref),
        undo: () => undo.onboardingDeregisterPhone(ref),
      },
      fetch_channel: { run: () => acts.onboardingFetchChannel(ref) },
      create_api_key: {
        run: () => acts.onboardingCreateApiKey(ref),
        undo: () => undo.onboardingForgetApiKey(ref),
      },
      configure_webhook: {
        run: () => acts.onboardingConfigureWebhook(ref),
        undo: () => undo.onboardingRestoreWebhook(ref),
      },
      create_sender: {
        run: () => acts.onboardingCreateTwilioSender(ref),
        undo: () => undo.onboardingDeleteTwilioSender(ref),
      },
      await_online: { run: () => this.awaitOnline() },
      store_sender: {
        run: () => acts.onboardingStoreSender(ref),
        undo: () => undo.onboardingRemoveSender(ref),
      },
    };
  }

  /** Step `i` failed for good: its failure recorded, the steps `done` undone, the onboarding failed. */
  private async fail(i: number, step: Step, err: unknown, done: Step[]): Promise<OnboardingResult> {
    const { ref, input } = this;
    let failure = failureOf(step.name, input.provider, err);
    if (timedOutWithoutCause(err)) {
      // The timeout carries no cause: the last attempt's error is the one its activity recorded.
      const last = await this.db.readOnboardingStepError({ ...ref, step: step.name });
      if (last) failure = { ...failure, message: `${failure.message}: ${last.message}`, ...pick(last) };
    }
    const { step: _step, provider: _provider, ...error } = failure;
    await this.record(step.name, { status: 'failed', finishedAt: now(), error });
    // The number is another tenant's sender: what the provider holds is theirs, never undone (issue 15).
    if (failure.code !== 'routing_key_taken') await this.compensate(done);
    await this.db.recordOnboardingFinished({
      ...ref,
      status: 'failed',
      failure,
      skipped: this.names.slice(i + 1),
    });
    upsertSearchAttributes([{ key: OnboardingStatusKey, value: 'failed' }]);
    return { status: 'failed' as const, failure };
  }

  private async compensate(done: Step[]): Promise<void> {
    for (const step of [...done].reverse()) {
      if (!step.undo) continue;
      try {
        await step.undo();
        await this.record(step.name, { status: 'compensated', finishedAt: now() });
      } catch (err) {
        const f = failureOf(step.name, this.input.provider, err);
        log.warn('onboarding compensation failed', { step: step.name, code: f.code, message: f.message });
        await this.record(step.name, {
          error: { code: 'compensation_failed', message: f.message, ...pick(f) },
        });
      }
    }
  }

  /** Twilio: polls the sender until ONLINE, submitting verification codes as they arrive. */
  private async awaitOnline(): Promise<void> {
    const s = this.input.settings;
    const deadline = Date.now() + s.twilioOnlineTimeoutMs;
    for (let poll = 1; ; poll++) {
      const r = await this.acts.onboardingPollTwilioSender({ ...this.ref, poll });
      if (r.online) return;
      if (Date.now() >= deadline)
        throw ApplicationFailure.create({
          type: OnboardingFailureTypes.onlineTimeout,
          message: `The Twilio sender was not ONLINE after ${s.twilioOnlineTimeoutMs} ms (last status ${r.status})`,
          nonRetryable: true,
          details: [{ code: 'online_timeout', providerCode: r.status }],
        });
      const sealedCode = this.sealedCodes.shift();
      if (sealedCode !== undefined) {
        await this.submitCode(sealedCode);
        continue;
      }
      // A durable timer between polls, cut short by a verification code.
      await condition(
        () => this.sealedCodes.length > 0,
        Math.min(s.twilioPollMs, Math.max(1, deadline - Date.now())),
      );
    }
  }

  /** A code Twilio refuses is recorded on the step by the activity; the wait goes on. */
  private async submitCode(sealedCode: string): Promise<void> {
    try {
      await this.acts.onboardingSubmitTwilioVerificationCode({ ...this.ref, sealedCode });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.info('Twilio verification code not accepted; waiting for another', { ...this.ref });
    }
  }
}
