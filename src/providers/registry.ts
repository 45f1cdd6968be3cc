import type { CreateOnboardingRequest } from '../schemas/onboarding.schema';
import type {
  MessagingPorts,
  OnboardingAvailability,
  OnboardingDescriptor,
  ProviderDescriptor,
  ProviderRate,
} from './descriptor';
import { dialog360Provider } from './dialog360';
import { whatsappWebProvider } from './gateways/messaging';
import { createMessagingRegistry, type MessagingRegistry } from './messaging-registry';
import { metaProvider } from './meta';
import { OFFICIAL_PROVIDERS, type OfficialProvider } from './official-providers';
import { hasTwilioAccount, twilioProvider } from './twilio';
import type { OwnershipClients } from './sender-ownership';

/**
 * Every provider this service speaks to. Adding one is its folder and one line here (an official
 * one also its line in official-providers.ts, the list the API's enums and the workflow read).
 */
export const PROVIDERS = [metaProvider, dialog360Provider, twilioProvider, whatsappWebProvider] as const;

type Descriptor = (typeof PROVIDERS)[number];
type EnvOf<D> = D extends ProviderDescriptor<infer E, infer _R, infer _S> ? E : never;
type ShapeOf<D> = D extends ProviderDescriptor<infer _E, infer _R, infer S> ? S['shape'] : never;
type ClientsOf<D> = D extends ProviderDescriptor<infer _E, infer _R, infer _S, infer C> ? C : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The configuration the providers read: every descriptor's Env together (the process Config is one). */
export type ProvidersEnv = Intersection<EnvOf<Descriptor>>;

/**
 * Every provider's settings (the environment variables each reads), for src/config/env.ts to
 * compose into the process's schema: a provider's settings live in its folder.
 */
export const providerSettings = Object.assign({}, ...PROVIDERS.map((d) => d.settings.shape)) as Intersection<
  ShapeOf<Descriptor>
>;

/**
 * The clients the onboarding step activities call: every official provider's (its descriptor's
 * `onboarding.clients`) together, each absent where the configuration does not allow it.
 */
export type OnboardingClients = Intersection<ClientsOf<Descriptor>>;

type OnboardingRequestOf<P extends OfficialProvider> = Extract<CreateOnboardingRequest, { provider: P }>;

/** How `provider` onboards (the descriptor of an official provider). */
export function onboardingOf<P extends OfficialProvider>(
  provider: P,
): OnboardingDescriptor<ProvidersEnv, OnboardingRequestOf<P>> {
  const found = PROVIDERS.find((d) => d.name === provider && 'onboarding' in d && d.onboarding);
  if (!found || !('onboarding' in found) || !found.onboarding)
    throw new Error(`Provider ${provider} has no onboarding descriptor`);
  // The descriptor found by the request's own provider name takes that provider's requests.
  return found.onboarding as unknown as OnboardingDescriptor<ProvidersEnv, OnboardingRequestOf<P>>;
}

/** How `req`'s provider onboards it. */
export const onboardingFor = <R extends CreateOnboardingRequest>(req: R) =>
  onboardingOf(req.provider) as unknown as OnboardingDescriptor<ProvidersEnv, R>;

export interface ProviderRegistry {
  /** A sender's default rate; a provider without a descriptor (a session) sends at WhatsApp Web's pace. */
  rateOf(provider: string): ProviderRate;
  /** Which onboardings this configuration allows. */
  readonly onboardingAvailability: OnboardingAvailability;
  /** Every provider's messaging adapter over the roots' ports, picked by name or by sender. */
  messaging(ports: MessagingPorts): MessagingRegistry;
  /** Every official provider's onboarding clients, for the worker's onboarding activities. */
  onboardingClients(): OnboardingClients;
  /** Every official provider's client for the ownership check of a sender registered by hand (the API's). */
  ownershipClients(): OwnershipClients;
}

/** What the configuration makes of every provider: built once by each composition root. */
export function createProviderRegistry(env: ProvidersEnv): ProviderRegistry {
  const rates = new Map<string, ProviderRate>(PROVIDERS.map((d) => [d.name, d.rate(env)]));
  const fallback = whatsappWebProvider.rate(env);
  const available = Object.fromEntries(
    OFFICIAL_PROVIDERS.map((p) => [p, onboardingOf(p).available(env)]),
  ) as Record<OfficialProvider, boolean>;
  return {
    rateOf: (provider) => ({ ...(rates.get(provider) ?? fallback) }),
    onboardingAvailability: { ...available, twilioAccount: hasTwilioAccount(env) },
    messaging: (ports) =>
      createMessagingRegistry({
        providers: PROVIDERS.flatMap((d) => d.messaging(env, ports) ?? []),
        officialSenders: ports.senders,
        sessions: ports.sessions,
        gatewayProvider: whatsappWebProvider.name,
      }),
    onboardingClients: () =>
      Object.assign({}, ...PROVIDERS.map((d) => d.onboarding?.clients(env) ?? {})) as OnboardingClients,
    ownershipClients: () =>
      Object.assign(
        {},
        ...PROVIDERS.map((d) => ('ownership' in d && d.ownership?.(env)) || {}),
      ) as OwnershipClients,
  };
}
