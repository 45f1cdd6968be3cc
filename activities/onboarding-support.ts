import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { OnboardingDoc } from '../src/db/models/onboarding.model';
import type { OnboardingRef, OnboardingRepository } from '../src/db/repositories/onboarding.repository';
import type { SenderRepository } from '../src/db/repositories/sender.repository';
import { DomainError } from '../src/domain/errors';
import type { OnboardingSecret } from '../src/domain/onboarding';
import type { Logger } from '../src/logging/logger';
import type { OnboardingClients } from '../src/providers/registry';
import type { TwilioAccount } from '../src/providers/twilio/twilio-senders.client';
import {
  codesOf,
  OnboardingFailureTypes,
  type OnboardingFailureDetails,
} from '../workflows/onboarding.definitions';
import { toActivityFailure } from './to-failure';

/**
 * The onboarding activities' dependencies: the records, and each official provider's clients as its
 * descriptor builds them (`onboarding.clients`; absent where that provider is not configured).
 */
export interface OnboardingActivityDeps extends Partial<OnboardingClients> {
  onboardings: OnboardingRepository;
  senders: SenderRepository;
  /** Our public base URL: providers are told `${publicBaseUrl}/webhooks/<provider>`. */
  publicBaseUrl: string;
  logger: Logger;
}

export const failNow = (message: string, type: string, details: OnboardingFailureDetails) =>
  ApplicationFailure.create({ message, type, nonRetryable: true, details: [details] });

/**
 * What every onboarding step activity shares: its document, its secrets, the conversion of errors
 * at the boundary, and per-attempt bookkeeping (the step's attempt count and latest error are
 * written while it is being retried, so GET /v1/onboardings/:id shows live progress).
 */
export function onboardingSupport(all: { onboarding: OnboardingActivityDeps }) {
  const deps = all.onboarding;

  async function doc(ref: OnboardingRef): Promise<OnboardingDoc> {
    const d = await deps.onboardings.get(ref.tenantId, ref.onboardingId);
    if (!d)
      throw failNow(`onboarding ${ref.onboardingId} has no record`, OnboardingFailureTypes.notFound, {
        code: 'record_missing',
      });
    return d;
  }

  function secret(d: OnboardingDoc, field: OnboardingSecret): string {
    const value = deps.onboardings.openSecret(d, field);
    if (value === null)
      throw failNow(`the onboarding no longer holds its ${field}`, OnboardingFailureTypes.notFound, {
        code: 'secret_missing',
      });
    return value;
  }

  /** ProviderError → typed ApplicationFailure; a sender conflict is final; the rest passes as is. */
  function boundary(err: unknown): unknown {
    if (err instanceof DomainError && err.code === 'sender_exists')
      return failNow(err.message, OnboardingFailureTypes.senderExists, { code: 'sender_exists' });
    if (err instanceof DomainError && err.code === 'routing_key_taken')
      return failNow(err.message, OnboardingFailureTypes.routingKeyTaken, { code: 'routing_key_taken' });
    return toActivityFailure(err);
  }

  /**
   * Converts `err` at the boundary and records it as the step's latest error (best effort: the
   * failure is what matters); returns the converted failure for the caller to throw.
   */
  async function recordFailure(
    ref: OnboardingRef,
    step: string,
    err: unknown,
    prefix = '',
  ): Promise<unknown> {
    const failure = boundary(err);
    const app = failure instanceof ApplicationFailure ? failure : null;
    const codes = codesOf(app?.type ?? undefined, app?.details?.[0] as OnboardingFailureDetails | undefined);
    const message = `${prefix}${(failure as Error)?.message ?? String(failure)}`;
    await deps.onboardings.recordStep(ref, step, { error: { ...codes, message } }).catch(() => undefined);
    return failure;
  }

  async function tracked<T>(
    ref: OnboardingRef,
    step: string,
    fn: () => Promise<T>,
    attempt?: number,
  ): Promise<T> {
    await deps.onboardings.recordStep(ref, step, { attempts: attempt ?? Context.current().info.attempt });
    try {
      return await fn();
    } catch (err) {
      throw await recordFailure(ref, step, err);
    }
  }

  /** Twilio: the request's own account (its auth token sealed in the document), else the configured one. */
  function twilioAccount(d: OnboardingDoc): TwilioAccount {
    if (d.request?.accountSid) return { accountSid: d.request.accountSid, authToken: secret(d, 'authToken') };
    const t = deps.twilio;
    if (!t?.account)
      throw failNow(
        t
          ? 'Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) onboarding is not configured'
          : 'Twilio onboarding is not configured',
        OnboardingFailureTypes.notConfigured,
        { code: 'provider_not_configured' },
      );
    return t.account;
  }

  return { deps, doc, secret, tracked, recordFailure, twilioAccount };
}

export type OnboardingSupport = ReturnType<typeof onboardingSupport>;
