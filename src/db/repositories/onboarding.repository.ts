import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../connection';
import type { OfficialProvider } from '../../providers/official-providers';
import {
  ONBOARDING_SECRETS,
  onboardingSecretAad,
  type OnboardingFailure,
  type OnboardingRequestFacts,
  type OnboardingSecret,
  type OnboardingStatus,
  type StepError,
  type StepStatus,
} from '../../domain/onboarding';
import type { SecretBox } from '../../security/secret-box';
import { createOnboardingExchangeRepository } from './onboarding-exchange.repository';
import {
  onboardingModel,
  type OnboardingDoc,
  type OnboardingResolved,
  type OnboardingStepDoc,
} from '../models/onboarding.model';
import type { Page, PageCursor } from '../../domain/page-cursor';
import { afterCursor, newestFirst, pageOf } from '../paging';

export interface OnboardingRef {
  tenantId: string;
  onboardingId: string;
}

export interface OnboardingStart extends OnboardingRef {
  provider: OfficialProvider;
  senderId: string;
  steps: readonly string[];
  request: OnboardingRequestFacts;
  /** Already sealed by the API (aad onboardingSecretAad). */
  sealed: Partial<Record<'code' | 'pin' | 'authToken', string>>;
  idempotencyKey: string | null;
  requestHash: string;
  workflowId: string;
  createdAt: Date;
}

/** The public shape of an onboarding (GET /v1/onboardings[/:id]): never a secret. */
export interface OnboardingView {
  id: string;
  provider: OfficialProvider;
  senderId: string;
  status: OnboardingStatus;
  steps: Array<{
    name: string;
    status: StepStatus;
    startedAt?: Date;
    finishedAt?: Date;
    attempts?: number;
    error?: StepError;
  }>;
  failure: OnboardingFailure | null;
  /** Present while the onboarding waits for the ISV: `verification_code` = POST …/verification. */
  awaiting?: 'verification_code';
  createdAt: Date;
  updatedAt: Date;
}

/** A running Twilio onboarding polling a sender that waits for its OTP (PENDING_VERIFICATION). */
export const awaitsVerificationCode = (d: OnboardingDoc): boolean =>
  d.provider === 'twilio' &&
  d.status === 'running' &&
  d.steps?.await_online?.status === 'running' &&
  d.resolved?.twilioSenderStatus === 'PENDING_VERIFICATION';

export function onboardingView(d: OnboardingDoc): OnboardingView {
  return {
    id: d.onboardingId,
    provider: d.provider,
    senderId: d.senderId,
    status: d.status,
    steps: d.stepOrder.map((name) => {
      const s: Partial<OnboardingStepDoc> = d.steps?.[name] ?? {};
      return {
        name,
        status: s.status ?? 'pending',
        ...(s.startedAt ? { startedAt: s.startedAt } : {}),
        ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
        ...(s.attempts ? { attempts: s.attempts } : {}),
        ...(s.error ? { error: s.error } : {}),
      };
    }),
    failure: d.failure ?? null,
    ...(awaitsVerificationCode(d) ? { awaiting: 'verification_code' as const } : {}),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

const pendingStep = (): OnboardingStepDoc => ({
  status: 'pending',
  startedAt: null,
  finishedAt: null,
  attempts: 0,
  error: null,
});

/** The `whatsapp_onboardings` projection and the secrets an onboarding holds while it runs. */
export function createOnboardingRepository(conn: Connection, box: SecretBox) {
  const Onboarding = onboardingModel(conn);
  const exchange = createOnboardingExchangeRepository(conn, box);
  const idOf = (r: OnboardingRef) => `${r.tenantId}:${r.onboardingId}`;
  const set = (r: OnboardingRef, fields: Record<string, unknown>) =>
    Onboarding.updateOne({ _id: idOf(r) }, { $set: { ...fields, updatedAt: new Date() } });

  return {
    /** The Embedded Signup code exchange's claim and token (a document of its own). */
    exchange,

    /** Idempotent: a retried start finds its document and leaves it as it is. */
    async start(s: OnboardingStart): Promise<void> {
      const doc: OnboardingDoc = {
        _id: idOf(s),
        tenantId: s.tenantId,
        onboardingId: s.onboardingId,
        provider: s.provider,
        senderId: s.senderId,
        status: 'running',
        stepOrder: [...s.steps],
        steps: Object.fromEntries(s.steps.map((n) => [n, pendingStep()])),
        failure: null,
        request: s.request,
        resolved: {},
        secrets: { ...s.sealed },
        claims: {},
        idempotencyKey: s.idempotencyKey,
        requestHash: s.requestHash,
        workflowId: s.workflowId,
        createdAt: s.createdAt,
        updatedAt: s.createdAt,
      };
      try {
        await Onboarding.create(doc);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    },

    async get(tenantId: string, onboardingId: string): Promise<OnboardingDoc | null> {
      return Onboarding.findOne({ _id: idOf({ tenantId, onboardingId }), tenantId }).lean<OnboardingDoc>();
    },

    /** The tenant's onboardings, newest first, a page at a time. */
    async list(tenantId: string, f: { limit: number; cursor?: PageCursor }): Promise<Page<OnboardingView>> {
      const q = { tenantId, ...(f.cursor ? afterCursor('createdAt', f.cursor) : {}) };
      const docs = await Onboarding.find(q)
        .sort(newestFirst('createdAt'))
        .limit(f.limit + 1)
        .lean<OnboardingDoc[]>();
      return pageOf(docs, f.limit, (d) => d.createdAt, onboardingView);
    },

    async recordStep(r: OnboardingRef, step: string, patch: Partial<OnboardingStepDoc>): Promise<void> {
      await set(r, Object.fromEntries(Object.entries(patch).map(([k, v]) => [`steps.${step}.${k}`, v])));
    },

    async setResolved(r: OnboardingRef, resolved: OnboardingResolved): Promise<void> {
      await set(r, Object.fromEntries(Object.entries(resolved).map(([k, v]) => [`resolved.${k}`, v])));
    },

    async sealSecret(r: OnboardingRef, field: OnboardingSecret, plaintext: string): Promise<void> {
      const sealed = box.seal(plaintext, onboardingSecretAad(r.tenantId, r.onboardingId, field));
      await set(r, { [`secrets.${field}`]: sealed });
    },

    openSecret(d: OnboardingDoc, field: OnboardingSecret): string | null {
      const sealed = d.secrets?.[field];
      return sealed ? box.open(sealed, onboardingSecretAad(d.tenantId, d.onboardingId, field)) : null;
    },

    /** Opens a value sealed elsewhere (e.g. by the API) for this onboarding's `field`. */
    openSealed(r: OnboardingRef, field: OnboardingSecret, sealed: string): string {
      return box.open(sealed, onboardingSecretAad(r.tenantId, r.onboardingId, field));
    },

    async forgetSecret(r: OnboardingRef, field: OnboardingSecret): Promise<void> {
      await Onboarding.updateOne(
        { _id: idOf(r) },
        { $unset: { [`secrets.${field}`]: '' }, $set: { updatedAt: new Date() } },
      );
    },

    /** Notes that something happened once (e.g. a create call was attempted), for later attempts to see. */
    async mark(r: OnboardingRef, name: string): Promise<void> {
      await set(r, { [`claims.${name}`]: new Date() });
    },

    /** The end: status and failure, never-reached steps skipped, every secret (the exchange's too) erased. */
    async finish(
      r: OnboardingRef,
      status: OnboardingStatus,
      failure: OnboardingFailure | null,
      skipped: readonly string[],
    ): Promise<void> {
      const fields: Record<string, unknown> = { status, failure, updatedAt: new Date() };
      for (const step of skipped) fields[`steps.${step}.status`] = 'skipped';
      await Onboarding.updateOne(
        { _id: idOf(r) },
        { $set: fields, $unset: Object.fromEntries(ONBOARDING_SECRETS.map((f) => [`secrets.${f}`, ''])) },
      );
      await exchange.close(r);
    },
  };
}

export type OnboardingRepository = ReturnType<typeof createOnboardingRepository>;
