import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { onboardingWorkflow } from '../../../workflows/onboarding.workflow';
import {
  twilioVerificationCodeSignal,
  type OnboardingSettings,
  type OnboardingWorkflowInput,
} from '../../../workflows/onboarding.definitions';
import {
  awaitsVerificationCode,
  onboardingView,
  type OnboardingRepository,
  type OnboardingView,
} from '../../db/repositories/onboarding.repository';
import { routingKeyTaken, type SenderRepository } from '../../db/repositories/sender.repository';
import { DomainError, notFound } from '../../domain/errors';
import type { OfficialProvider } from '../../providers/official-providers';
import type { PageCursor } from '../../domain/page-cursor';
import { onboardingSecretAad, type OnboardingSecret } from '../../domain/onboarding';
import type { OnboardingAvailability } from '../../providers/descriptor';
import { onboardingFor, onboardingOf } from '../../providers/registry';
import type { CreateOnboardingRequest } from '../../schemas/onboarding.schema';
import type { SecretBox } from '../../security/secret-box';
import type { SignupStateRepository } from '../../db/repositories/signup-state.repository';
import { OnboardingStatusKey, ProviderKey, SenderIdKey, TenantIdKey } from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/workflow-ids';
import { onboardingSummary } from '../../temporal/workflow-summaries';
import { idForKey, requestHashOf } from '../messages/message-view';

export interface OnboardingCommandDeps {
  temporal: Client;
  taskQueue: string;
  onboardings: Pick<OnboardingRepository, 'get' | 'list'>;
  senders: Pick<SenderRepository, 'get' | 'routingKeyHolder'>;
  box: SecretBox;
  /** TWILIO_ACCOUNT_SID: the account a Twilio onboarding without its own uses (its numbers' routing keys). */
  twilioAccountSid?: string;
  /** The 360dialog signup's `state` nonces (issue 15). */
  signupStates: Pick<SignupStateRepository, 'issue' | 'consume'>;
  settings: OnboardingSettings;
  /** What the server's configuration allows (onboardingAvailability). */
  availability: OnboardingAvailability;
}

interface Memo {
  requestHash?: string;
  provider?: OfficialProvider;
  senderId?: string;
  createdAt?: string;
}

const notConfigured = (message: string) =>
  new DomainError('unprocessable', 'provider_not_configured', message);

/** What an onboarding looks like before its first step wrote anything. */
const startedView = (id: string, provider: OfficialProvider, senderId: string, at: Date): OnboardingView => ({
  id,
  provider,
  senderId,
  status: 'running',
  steps: onboardingOf(provider).steps.map((name) => ({ name, status: 'pending' as const })),
  failure: null,
  createdAt: at,
  updatedAt: at,
});

/** Start, read and list onboardings: the API side of the onboarding workflow (it never writes MongoDB). */
export function createOnboardingCommands(deps: OnboardingCommandDeps) {
  const handleOf = (tenantId: string, id: string) =>
    deps.temporal.workflow.getHandle(workflowIds.onboarding(tenantId, id));

  async function fromWorkflow(
    tenantId: string,
    id: string,
  ): Promise<{ view: OnboardingView; memo: Memo } | null> {
    try {
      const d = await handleOf(tenantId, id).describe();
      const memo = (d.memo ?? {}) as Memo;
      if (!memo.provider || !memo.senderId) return null;
      return {
        view: startedView(id, memo.provider, memo.senderId, new Date(memo.createdAt ?? d.startTime)),
        memo,
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async function replay(tenantId: string, id: string, requestHash: string): Promise<OnboardingView> {
    const doc = await deps.onboardings.get(tenantId, id);
    const live = doc ? null : await fromWorkflow(tenantId, id);
    const stored = doc?.requestHash ?? live?.memo.requestHash;
    if (stored !== requestHash)
      throw new DomainError(
        'conflict',
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request',
        {
          id,
        },
      );
    if (doc) return onboardingView(doc);
    if (live) return live.view;
    throw notFound('onboarding', id);
  }

  return {
    async start(
      tenantId: string,
      req: CreateOnboardingRequest,
      idempotencyKey: string | null,
    ): Promise<{ view: OnboardingView; replayed: boolean }> {
      const provider = onboardingFor(req);
      const refusal = provider.refusal(req, deps.availability);
      if (refusal) throw notConfigured(refusal);

      const onboardingId = idempotencyKey
        ? idForKey('onb', tenantId, idempotencyKey)
        : `onb_${randomBytes(16).toString('base64url')}`;
      const request = provider.facts(req);
      const senderId = req.senderId ?? provider.defaultSenderId(req, onboardingId);
      const requestHash = requestHashOf({
        provider: req.provider,
        senderId: req.senderId ?? null,
        ...request,
      });
      if (idempotencyKey && (await deps.onboardings.get(tenantId, onboardingId)))
        return { view: await replay(tenantId, onboardingId, requestHash), replayed: true };
      if (await deps.senders.get(tenantId, senderId))
        throw new DomainError('conflict', 'sender_exists', `Sender ${senderId} already exists`);
      // 360dialog: the redirect must come back with the state this tenant's signup page was issued
      // when it opened the Hub (single use per channel, expiring): a crafted URL starts nothing.
      if (req.provider === '360dialog') {
        const refused = await deps.signupStates.consume(tenantId, req.state, {
          channelId: req.channelId,
          clientId: req.clientId,
        });
        if (refused) {
          // A retry of an accepted request whose record is not written yet answers that onboarding.
          if (idempotencyKey && (await fromWorkflow(tenantId, onboardingId)))
            return { view: await replay(tenantId, onboardingId, requestHash), replayed: true };
          throw new DomainError(
            'invalid',
            'invalid_state',
            'state is unknown, expired or already used: open 360dialog from the signup page again',
            [
              {
                field: 'body.state',
                rule: refused,
                message: 'must be a state issued to you, unused and unexpired',
              },
            ],
          );
        }
      }
      // A number already registered is refused here, before any provider-side step (issue 15): a
      // conflict found at store_sender would come after the provider state was changed.
      const routingKey = provider.routingKey(req, deps.twilioAccountSid);
      const holder = routingKey ? await deps.senders.routingKeyHolder(tenantId, routingKey) : 'free';
      if (holder === 'taken') throw routingKeyTaken();
      if (holder === 'mine')
        throw new DomainError('conflict', 'sender_exists', 'This number is already one of your senders');

      const sealed: Partial<Record<OnboardingSecret, string>> = {};
      for (const [field, value] of Object.entries(provider.secrets(req)) as [OnboardingSecret, string][])
        if (value !== undefined)
          sealed[field] = deps.box.seal(value, onboardingSecretAad(tenantId, onboardingId, field));
      const createdAt = new Date();
      const input: OnboardingWorkflowInput = {
        tenantId,
        onboardingId,
        provider: req.provider,
        senderId,
        request,
        sealed,
        idempotencyKey,
        requestHash,
        createdAt: createdAt.toISOString(),
        settings: deps.settings,
      };
      try {
        await deps.temporal.workflow.start<typeof onboardingWorkflow>('onboardingWorkflow', {
          workflowId: workflowIds.onboarding(tenantId, onboardingId),
          taskQueue: deps.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          memo: { requestHash, provider: req.provider, senderId, createdAt: input.createdAt } satisfies Memo,
          ...onboardingSummary({ ...input, steps: provider.steps }),
          typedSearchAttributes: [
            { key: TenantIdKey, value: tenantId },
            { key: ProviderKey, value: req.provider },
            { key: SenderIdKey, value: senderId },
            { key: OnboardingStatusKey, value: 'running' },
          ],
        });
      } catch (err) {
        // Two requests with one key raced: the loser answers with the winner's onboarding.
        if (err instanceof WorkflowExecutionAlreadyStartedError && idempotencyKey)
          return { view: await replay(tenantId, onboardingId, requestHash), replayed: true };
        throw err;
      }
      return { view: startedView(onboardingId, req.provider, senderId, createdAt), replayed: false };
    },

    /** The recorded progress; just after the start (nothing recorded yet), the workflow's own word. */
    async get(tenantId: string, id: string): Promise<OnboardingView> {
      const doc = await deps.onboardings.get(tenantId, id);
      if (doc) return onboardingView(doc);
      const live = await fromWorkflow(tenantId, id);
      if (!live) throw notFound('onboarding', id);
      return live.view;
    },

    list: (tenantId: string, page: { limit: number; cursor?: PageCursor }) =>
      deps.onboardings.list(tenantId, page),

    /** A `state` for the 360dialog Hub the signup page is about to open (issue 15). */
    issueDialog360State: (tenantId: string) => deps.signupStates.issue(tenantId),

    /**
     * Twilio: the OTP for a sender in PENDING_VERIFICATION, sealed here and signalled to the
     * workflow as ciphertext only (its await_online step submits it). 409 when not awaited.
     */
    async submitVerificationCode(tenantId: string, id: string, code: string): Promise<void> {
      const notAwaiting = () =>
        new DomainError(
          'conflict',
          'not_awaiting_verification',
          'This onboarding is not waiting for a verification code (Twilio sender in PENDING_VERIFICATION)',
          { id },
        );
      const doc = await deps.onboardings.get(tenantId, id);
      if (!doc) {
        if (!(await fromWorkflow(tenantId, id))) throw notFound('onboarding', id);
        throw notAwaiting();
      }
      if (!awaitsVerificationCode(doc)) throw notAwaiting();
      const sealedCode = deps.box.seal(code, onboardingSecretAad(tenantId, id, 'verificationCode'));
      try {
        await handleOf(tenantId, id).signal(twilioVerificationCodeSignal, { sealedCode });
      } catch (err) {
        // The workflow ended between the read and the signal.
        if (err instanceof WorkflowNotFoundError) throw notAwaiting();
        throw err;
      }
    },
  };
}

export type OnboardingCommands = ReturnType<typeof createOnboardingCommands>;
