// ---------------------------------------------------------------------------------------------
// ProviderDescriptor — everything the rest of the code asks about one provider, in one place.
//
// To add a provider: a folder src/providers/<vendor>/ with its adapter, its `readError` (its error
// codes for callProvider), its settings (`<vendor>.settings.ts`: the environment variables it
// reads, as a zod object; the registry composes them into src/config/env.ts, and `.env.example`
// documents each) and an `index.ts` exporting one descriptor — its name, those settings, its rate,
// its messaging adapter built from the parsed settings and the ports the roots hand over
// (MessagingPorts) and, for an official provider, its `<vendor>.official.ts` (name, routing key,
// onboarding steps: pure data the workflow bundle can load) and how it onboards — then one line in
// src/providers/registry.ts and, for an official provider, one in src/providers/official-providers.ts
// (the API's enums and the workflow read that list; a descriptor whose `official` is not in it does
// not compile, a listed provider without a descriptor fails the registry at startup).
// src/providers never imports Config: each descriptor reads its own Env.
// Still outside the folder today, for an official provider: its request body in the union
// (src/schemas/onboarding.schema.ts) and its credentials' shape (src/domain/official-sender.ts).
// ---------------------------------------------------------------------------------------------
import type { z } from 'zod';
import type { OnboardingRequestFacts, OnboardingSecret, OnboardingStepName } from '../domain/onboarding';
import type { SenderCredentials } from '../domain/official-sender';
import type { CreateOnboardingRequest } from '../schemas/onboarding.schema';
import type { GatewayCredentialsPort } from './gateways/messaging/gateway-messaging.adapter';
import type { OfficialPlatform, OfficialProvider } from './official-providers';
import type { OwnershipClients } from './sender-ownership';
import type { MessagingProvider } from './types';

/** A sender's default send rate: `ratePerSec` sustained, up to `burst` at once after a pause. */
export interface ProviderRate {
  ratePerSec: number;
  burst: number;
}

/** Which onboardings this server's configuration allows (Twilio also with the request's own account). */
export type OnboardingAvailability = Record<OfficialProvider, boolean> & {
  /** A Twilio account is configured on the server (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN). */
  twilioAccount: boolean;
};

/** What an onboarding's sender is made of once its steps ran (read from the onboarding's secrets). */
export interface OnboardingSecrets {
  secret(field: OnboardingSecret): string;
  /** The Twilio account the onboarding used: the request's own, else the server's. */
  twilioAccount(): { accountSid: string; authToken: string };
}

/**
 * How a provider onboards a number (issue 7): its saga's steps, what its request becomes and the
 * clients its step activities call (`Clients`: its entry of the onboarding activities' deps).
 */
export interface OnboardingDescriptor<Env, Req extends CreateOnboardingRequest, Clients = object> {
  /** The saga's steps, in order (src/domain/onboarding.ts: the workflow runs them by these names). */
  readonly steps: readonly OnboardingStepName[];
  /** This server can onboard with the provider (its credentials are configured). */
  available(env: Env): boolean;
  /** Why this server cannot onboard `req`, or null when it can. */
  refusal(req: Req, availability: OnboardingAvailability): string | null;
  /** The request without its secrets: what the workflow input may carry in clear. */
  facts(req: Req): OnboardingRequestFacts;
  /** The request's secrets, sealed before the workflow starts. */
  secrets(req: Req): Partial<Record<'code' | 'pin' | 'authToken', string>>;
  /** The sender id when the request names none. */
  defaultSenderId(req: Req, onboardingId: string): string;
  /** The sender's routing key when the request already tells it (else the steps learn it). */
  routingKey(req: Req, serverTwilioAccountSid: string | undefined): string | null;
  /** The stored sender's credentials, from the onboarding's secrets. */
  credentials(from: OnboardingSecrets): SenderCredentials;
  /** The clients its step activities call, built from its settings (none where it is not configured). */
  clients(env: Env): Clients;
}

/** Stored senders as the adapters read them (the sender repository, wired by the composition roots). */
export interface SenderCredentialsPort {
  get(tenantId: string, senderId: string): Promise<{ provider: string } | null>;
  withCredentials(
    tenantId: string,
    senderId: string,
  ): Promise<{ sender: { displayPhoneNumber: string }; credentials: SenderCredentials } | null>;
  metaCredentials(
    tenantId: string,
    senderId: string,
  ): Promise<{ phoneNumberId: string; accessToken: string } | null>;
}

/** What the messaging adapters read at send time: handed over by the composition roots. */
export interface MessagingPorts {
  senders: SenderCredentialsPort;
  /** WhatsApp Web sessions' gateway credentials; null = this process sends through no session. */
  sessions: GatewayCredentialsPort | null;
  /** Key of the MAC on status references (STATUS_REF_KEY; src/security/status-ref.ts). */
  statusRefKey: Buffer;
}

export interface ProviderDescriptor<
  Env = object,
  Req extends CreateOnboardingRequest = never,
  Settings extends z.ZodObject = z.ZodObject,
  OnboardingClients = object,
> {
  /** Stable name: stored with senders and messages, the Provider search attribute. */
  readonly name: string;
  /** The environment variables it reads (its `<vendor>.settings.ts`), composed into the process's schema. */
  readonly settings: Settings;
  /** The send rate of a sender without a rate of its own (RATE_LIMIT_*). */
  rate(env: Env): ProviderRate;
  /** Its messaging adapter, or null when these ports cannot send with it (a session without a sessions port). */
  messaging(env: Env, ports: MessagingPorts): MessagingProvider | null;
  /**
   * Official providers only (src/providers/official-providers.ts lists them): the 24-hour customer
   * window applies to its senders; its routing key and onboarding steps.
   */
  readonly official?: OfficialPlatform<OfficialProvider>;
  /** Official providers only; WhatsApp Web sessions pair by QR, not by onboarding. */
  readonly onboarding?: OnboardingDescriptor<Env, Req, OnboardingClients>;
  /** The client the ownership check of a sender registered by hand reads (src/providers/sender-ownership.ts). */
  ownership?(env: Env): Partial<OwnershipClients>;
}
