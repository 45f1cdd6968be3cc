import type { OnboardingDoc, OnboardingStepDoc } from '../src/db/models/onboarding.model';
import type { OnboardingRef } from '../src/db/repositories/onboarding.repository';
import type { SenderCredentials } from '../src/domain/official-sender';
import type { OnboardingFailure, OnboardingStatus, StepError, StepStatus } from '../src/domain/onboarding';
import { onboardingOf } from '../src/providers/registry';
import type { OnboardingWorkflowInput } from '../workflows/onboarding.definitions';
import { createBspOnboardingActivities } from './onboarding-bsp.activities';
import { createMetaOnboardingActivities } from './onboarding-meta.activities';
import { onboardingSupport, type OnboardingActivityDeps } from './onboarding-support';

export type { OnboardingActivityDeps };

/** A step's change as the workflow writes it (ISO dates: workflow values cross as JSON). */
export interface StepPatch {
  status?: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  error?: StepError | null;
}

/**
 * The onboarding workflow's side effects (issue 7): the `whatsapp_onboardings` projection (its
 * writes run as local activities), the provider steps and their compensations, and the last step,
 * storing the sender. Secrets are read from the onboarding's document and never returned.
 */
export function createOnboardingActivities(all: { onboarding: OnboardingActivityDeps }) {
  const h = onboardingSupport(all);

  const credentialsOf = (d: OnboardingDoc): SenderCredentials =>
    onboardingOf(d.provider).credentials({
      secret: (field) => h.secret(d, field),
      twilioAccount: () => h.twilioAccount(d),
    });

  return {
    ...createMetaOnboardingActivities(h),
    ...createBspOnboardingActivities(h),

    async recordOnboardingStarted(
      input: OnboardingWorkflowInput & { steps: readonly string[]; workflowId: string },
    ) {
      await h.deps.onboardings.start({
        tenantId: input.tenantId,
        onboardingId: input.onboardingId,
        provider: input.provider,
        senderId: input.senderId,
        steps: input.steps,
        request: input.request,
        sealed: input.sealed,
        idempotencyKey: input.idempotencyKey,
        requestHash: input.requestHash,
        workflowId: input.workflowId,
        createdAt: new Date(input.createdAt),
      });
    },

    async recordOnboardingStep(r: OnboardingRef & { step: string; patch: StepPatch }): Promise<void> {
      const { startedAt, finishedAt, ...rest } = r.patch;
      const patch: Partial<OnboardingStepDoc> = { ...rest };
      if (startedAt) patch.startedAt = new Date(startedAt);
      if (finishedAt) patch.finishedAt = new Date(finishedAt);
      await h.deps.onboardings.recordStep(r, r.step, patch);
    },

    /** The error the step's last attempt recorded (read after a timeout that carries none). */
    async readOnboardingStepError(r: OnboardingRef & { step: string }): Promise<StepError | null> {
      return (await h.deps.onboardings.get(r.tenantId, r.onboardingId))?.steps?.[r.step]?.error ?? null;
    },

    async recordOnboardingFinished(
      r: OnboardingRef & { status: OnboardingStatus; failure: OnboardingFailure | null; skipped: string[] },
    ): Promise<void> {
      await h.deps.onboardings.finish(r, r.status, r.failure, r.skipped);
      h.deps.logger.info(
        { tenantId: r.tenantId, onboardingId: r.onboardingId, status: r.status, failure: r.failure },
        'onboarding finished',
      );
    },

    /** The last step: the sender with its credentials, sealed (idempotent for this onboarding's retries). */
    async onboardingStoreSender(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'store_sender', async () => {
        const d = await h.doc(ref);
        const r = d.resolved ?? {};
        await h.deps.senders.register(ref.tenantId, {
          senderId: d.senderId,
          displayPhoneNumber: r.displayPhoneNumber ?? d.request?.phoneNumber ?? '',
          phoneNumberId: r.phoneNumberId ?? null,
          wabaId: r.wabaId ?? d.request?.wabaId ?? null,
          ...(d.provider === '360dialog' ? { channelId: d.request?.channelId } : {}),
          onboardingId: ref.onboardingId,
          credentials: credentialsOf(d),
        });
      });
    },

    /** Compensation: removes the sender only if this onboarding created it. */
    async onboardingRemoveSender(ref: OnboardingRef): Promise<void> {
      const d = await h.doc(ref);
      await h.deps.senders.remove(ref.tenantId, d.senderId, ref.onboardingId);
    },
  };
}
