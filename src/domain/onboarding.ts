import type { OfficialProvider } from '../providers/official-providers';

/**
 * Onboarding a number onto the WhatsApp Business Platform, as a saga of provider steps (issue 7).
 * Each provider has its own ordered steps (its descriptor's, src/providers/<vendor>/<vendor>.official.ts);
 * a failure after partial setup undoes the completed steps in reverse and names the step and the
 * provider's error. These are every step the onboarding workflow knows how to run and undo.
 */
export const ONBOARDING_STEP_NAMES = [
  'exchange_code',
  'resolve_ids',
  'subscribe_app',
  'register_phone',
  'fetch_channel',
  'create_api_key',
  'configure_webhook',
  'create_sender',
  'await_online',
  'store_sender',
] as const;

export type OnboardingStepName = (typeof ONBOARDING_STEP_NAMES)[number];

export const ONBOARDING_STATUSES = ['running', 'ready', 'failed'] as const;
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];

export const STEP_STATUSES = ['pending', 'running', 'done', 'failed', 'compensated', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface StepError {
  code: string;
  message: string;
  providerCode?: string;
}

export interface OnboardingFailure {
  step: string;
  /** Ours: code_expired, provider_auth, provider_invalid_request, sender_exists, sender_offline… */
  code: string;
  /** What the provider said (never a secret). */
  message: string;
  provider: OfficialProvider;
  /** The provider's own error code (Meta `error.code`, Twilio `code`, HTTP status for 360dialog). */
  providerCode?: string;
}

/** Non-secret facts of a request, as the API validated them. */
export interface OnboardingRequestFacts {
  wabaId?: string;
  phoneNumberId?: string;
  channelId?: string;
  clientId?: string;
  /** Twilio: the number as E.164 digits (no plus). */
  phoneNumber?: string;
  verificationMethod?: 'sms' | 'voice';
  /** Twilio: the (sub)account SID given with the request; absent = the configured account. */
  accountSid?: string;
}

/** Secrets an onboarding holds while it runs, sealed with the SecretBox; all erased when it ends. */
export const ONBOARDING_SECRETS = [
  'code',
  'pin',
  'authToken',
  'businessToken',
  'apiKey',
  'webhookSecret',
  'previousWebhook',
  /** Twilio: an OTP the ISV submitted (only ever as ciphertext in the signal and the activity input). */
  'verificationCode',
] as const;
export type OnboardingSecret = (typeof ONBOARDING_SECRETS)[number];

/** AAD of an onboarding's sealed secret: a value copied onto another tenant, onboarding or field does not open. */
export const onboardingSecretAad = (tenantId: string, onboardingId: string, field: OnboardingSecret) =>
  `onboarding:${tenantId}:${onboardingId}:${field}`;
