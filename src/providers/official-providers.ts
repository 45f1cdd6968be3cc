import type { SenderCredentials } from '../domain/official-sender';
import type { OnboardingStepName } from '../domain/onboarding';
import { dialog360Official } from './dialog360/dialog360.official';
import { metaOfficial } from './meta/meta.official';
import { twilioOfficial } from './twilio/twilio.official';

/** A sender being stored, with the ids its routing key is made of (as the sender repository holds them). */
export interface OfficialSenderIds {
  displayPhoneNumber: string;
  phoneNumberId?: string | null;
  /** 360dialog's channel id. */
  channelId?: string;
  credentials: SenderCredentials;
}

/**
 * What the rest of the code may know of an official provider (the WhatsApp Business Platform,
 * reached through Meta's Cloud API directly or through a BSP) without loading its adapter: that the
 * 24-hour customer-service window applies to its senders, the key its webhooks are routed by and
 * its onboarding steps. Each lives in its provider's folder (`<vendor>.official.ts`, pure data) and
 * its descriptor (`index.ts`) carries it.
 */
export interface OfficialPlatform<Name extends string = string, Ids = never> {
  /** The provider's name, as its descriptor has it. */
  readonly name: Name;
  /** Its onboarding saga's steps, in order (src/domain/onboarding.ts: the workflow runs them by these names). */
  readonly steps: readonly OnboardingStepName[];
  /** The key an inbound webhook is routed by, from the ids it carries; unique across tenants (one number, one tenant). */
  routingKey(ids: Ids): string;
  /** The routing key of a sender being stored. */
  routingKeyOf(sender: OfficialSenderIds): string;
}

/**
 * The official providers, one line each: their names (the enums of the API's schemas), their
 * onboarding steps and their routing keys. The one module of src/providers a workflow may import
 * (eslint.config.mjs): pure data, no I/O, so the workflow bundle can load it where it cannot load
 * the registry. Each provider's descriptor (src/providers/registry.ts) carries the same object.
 */
const OFFICIAL = [metaOfficial, dialog360Official, twilioOfficial] as const;

type Official = (typeof OFFICIAL)[number];
export type OfficialProvider = Official['name'];

type NamesOf<T extends readonly unknown[]> = {
  readonly [K in keyof T]: T[K] extends { name: infer N } ? N : never;
};

/** The official providers' names, as a tuple for z.enum. */
export const OFFICIAL_PROVIDERS = OFFICIAL.map((p) => p.name) as unknown as NamesOf<typeof OFFICIAL>;

/** An official-platform sender: the 24-hour customer-service window applies (a WhatsApp Web session has none). */
export const isOfficialProvider = (p: string): p is OfficialProvider =>
  (OFFICIAL_PROVIDERS as readonly string[]).includes(p);

/** An official provider's name, routing key and onboarding steps. */
export function officialOf(provider: OfficialProvider): OfficialPlatform {
  const found = OFFICIAL.find((p) => p.name === provider);
  if (!found) throw new Error(`${provider} is not an official provider`);
  return found;
}

/** Each official provider's onboarding steps, in order, as the onboarding workflow reads them. */
export const ONBOARDING_STEPS = Object.fromEntries(OFFICIAL.map((p) => [p.name, p.steps])) as {
  readonly [P in Official as P['name']]: P['steps'];
};
