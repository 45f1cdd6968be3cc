import { DomainError } from '../domain/errors';
import { isRetryable, ProviderError } from './errors';
import type { MetaOwnershipClient } from './meta/meta-ownership.client';
import type { TwilioSendersClient } from './twilio/twilio-senders.client';

/**
 * Proof of ownership for a sender registered by hand (`POST /v1/senders`, issue 15): the tenant's
 * own credentials must show the provider's record of the number. Meta: the token sees the phone
 * number id, and the WABA's phone numbers list it. Twilio: the account's WhatsApp senders
 * (`GET /v2/Channels/Senders?Channel=whatsapp`) hold `whatsapp:+<number>`.
 * A refusal is 422 `sender_not_verified` naming the reason and the provider's code; a provider
 * that does not answer (timeout, 5xx, rate limit) is 503 with Retry-After — never accepted unverified.
 * To add a provider: one case in `verify`, with the provider's own read.
 */
export type OwnershipClaim =
  | { provider: 'meta'; phoneNumberId: string; wabaId: string; accessToken: string }
  | { provider: 'twilio'; accountSid: string; authToken: string; phoneNumber: string };

export interface SenderOwnershipVerifier {
  verify(claim: OwnershipClaim): Promise<void>;
}

const notVerified = (field: string, reason: string, message: string, providerCode?: string) =>
  new DomainError('unprocessable', 'sender_not_verified', message, {
    field,
    reason,
    ...(providerCode ? { providerCode } : {}),
  });

/** A provider error met while checking: its refusal is the tenant's answer, its outage a 503. */
function fromProviderError(err: unknown, field: string, reason: string, what: string): never {
  if (!(err instanceof ProviderError)) throw err;
  if (isRetryable(err.kind))
    throw new DomainError(
      'unavailable',
      'provider_unavailable',
      `${what}: the provider did not answer (${err.message}); retry later`,
    );
  throw notVerified(field, reason, `${what}: ${err.message}`, err.code);
}

/** The clients the checks read: each provider's from its descriptor (`ownership`), gathered by the registry. */
export interface OwnershipClients {
  meta: MetaOwnershipClient;
  twilio: TwilioSendersClient;
}

export function createSenderOwnershipVerifier(clients: OwnershipClients): SenderOwnershipVerifier {
  return {
    async verify(claim) {
      if (claim.provider === 'meta') {
        let finding;
        try {
          finding = await clients.meta.check(claim.phoneNumberId, claim.wabaId, claim.accessToken);
        } catch (err) {
          fromProviderError(
            err,
            'body.accessToken',
            'not_visible_to_token',
            'The access token cannot read this number or WABA',
          );
        }
        if (finding !== 'ok')
          throw notVerified(
            'body.phoneNumberId',
            'phone_number_not_in_waba',
            'The WhatsApp Business Account does not list this phone number id',
          );
        return;
      }
      const senderId = `whatsapp:+${claim.phoneNumber.replace(/\D/g, '')}`;
      let found;
      try {
        found = await clients.twilio.findBySenderId(
          { accountSid: claim.accountSid, authToken: claim.authToken },
          senderId,
        );
      } catch (err) {
        fromProviderError(
          err,
          'body.authToken',
          'credentials_refused',
          'Twilio refused these account credentials',
        );
      }
      if (!found)
        throw notVerified(
          'body.phoneNumber',
          'sender_not_found',
          `The Twilio account has no WhatsApp sender ${senderId}`,
        );
    },
  };
}
