import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { OnboardingRef } from '../src/db/repositories/onboarding.repository';
import { routingKeyTaken } from '../src/db/repositories/sender.repository';
import { metaOfficial } from '../src/providers/meta/meta.official';
import { isCodeAlreadyUsed } from '../src/providers/meta/meta-onboarding.client';
import { OnboardingFailureTypes } from '../workflows/onboarding.definitions';
import { failNow, type OnboardingSupport } from './onboarding-support';
import { atBoundary } from './to-failure';

/**
 * Meta direct (Embedded Signup): exchange the code → find the WABA and number → subscribe our app
 * → register the number; with their compensations (unsubscribe, deregister).
 */
export function createMetaOnboardingActivities(h: OnboardingSupport) {
  const meta = () => {
    const m = h.deps.meta;
    if (!m)
      throw failNow(
        'Meta onboarding is not configured (META_APP_ID, META_APP_SECRET)',
        OnboardingFailureTypes.notConfigured,
        { code: 'provider_not_configured' },
      );
    return m;
  };
  /** The exchanged token where the later steps read it; the code is no longer needed. */
  async function keep(ref: OnboardingRef, token: string): Promise<void> {
    await h.deps.onboardings.sealSecret(ref, 'businessToken', token);
    await h.deps.onboardings.forgetSecret(ref, 'code');
  }

  /** The business token and the resolved ids, for the steps after resolve_ids. */
  async function resolved(ref: OnboardingRef) {
    const d = await h.doc(ref);
    const { wabaId, phoneNumberId } = d.resolved ?? {};
    if (!wabaId || !phoneNumberId)
      throw failNow('the WABA and phone number were not resolved', OnboardingFailureTypes.notFound, {
        code: 'ids_missing',
      });
    return { d, wabaId, phoneNumberId, token: h.secret(d, 'businessToken') };
  }

  return {
    /**
     * The code is single-use and short-lived: exchanged at most once per onboarding, idempotent by
     * its exchange record. The token is sealed there the moment Meta gives it; a stored token means
     * done (a retry after a timeout, a replay). A claim held by an earlier attempt that may still be
     * waiting for Meta's answer means wait (retryable, bounded by the code's validity) rather than
     * spend the code twice; a call that ended without a token gives the claim back, and a dead
     * holder's claim goes stale after the HTTP timeout. The workflow gives an attempt longer than
     * that timeout, so attempts overlap only when one outlived its own.
     */
    async onboardingExchangeCode(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'exchange_code', async () => {
        const { client, callTimeoutMs } = meta();
        const { exchange } = h.deps.onboardings;
        const holder = randomUUID();
        const claim = await exchange.claim(ref, holder, new Date(Date.now() - callTimeoutMs - 1_000));
        if (claim.token) return keep(ref, claim.token);
        if (!claim.mine)
          throw ApplicationFailure.create({
            type: OnboardingFailureTypes.exchangeInFlight,
            message: 'An earlier attempt is still exchanging the code with Meta',
            details: [{ code: 'exchange_in_flight' }],
          });
        let token: string;
        try {
          token = await client.exchangeCode(h.secret(await h.doc(ref), 'code'));
        } catch (err) {
          // Meta answered (or the call gave up): nothing is in flight any more, the next attempt may call.
          await exchange.release(ref, holder);
          if (!isCodeAlreadyUsed(err)) throw err;
          // Spent by an attempt of ours that overlapped this one: its token is the answer.
          const stored = await exchange.token(ref);
          if (stored) return keep(ref, stored);
          if (claim.earlierCalls > 0)
            throw failNow(
              'Meta says the signup code has been used: an earlier attempt of this onboarding spent it and its answer was lost; sign up again for a new code',
              OnboardingFailureTypes.codeSpent,
              { code: 'code_spent', providerCode: '100' },
            );
          throw err;
        }
        await exchange.store(ref, token);
        await keep(ref, token);
      });
    },

    /**
     * The WABA (from the request, else debug_token's granular_scopes) and the number (from the
     * request, else the WABA's only one), checked against `GET /{waba}/phone_numbers`, which also
     * gives the display number the sender is stored with.
     */
    async onboardingResolveMetaIds(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'resolve_ids', async () => {
        const { client } = meta();
        const d = await h.doc(ref);
        const token = h.secret(d, 'businessToken');
        let wabaId = d.request?.wabaId;
        if (!wabaId) {
          const ids = await client.sharedWabaIds(token);
          if (ids.length !== 1)
            throw failNow(
              ids.length === 0
                ? 'The business token was granted no WhatsApp Business Account'
                : `The business token was granted ${ids.length} WhatsApp Business Accounts; name one (wabaId)`,
              OnboardingFailureTypes.notFound,
              { code: ids.length === 0 ? 'waba_not_found' : 'waba_ambiguous' },
            );
          wabaId = ids[0] as string;
        }
        const phones = await client.phoneNumbers(wabaId, token);
        const wanted = d.request?.phoneNumberId;
        const phone = wanted
          ? phones.find((p) => p.id === wanted)
          : phones.length === 1
            ? phones[0]
            : undefined;
        if (!phone)
          throw failNow(
            wanted
              ? `Phone number ${wanted} is not in WhatsApp Business Account ${wabaId}`
              : `WhatsApp Business Account ${wabaId} has ${phones.length} phone numbers; name one (phoneNumberId)`,
            OnboardingFailureTypes.notFound,
            {
              code: wanted
                ? 'phone_not_in_waba'
                : phones.length
                  ? 'phone_number_ambiguous'
                  : 'phone_number_not_found',
            },
          );
        // Learnt only now: a number another tenant registered stops here, before subscribe_app (issue 15).
        const key = metaOfficial.routingKey({ phoneNumberId: phone.id });
        if ((await h.deps.senders.routingKeyHolder(ref.tenantId, key)) === 'taken') throw routingKeyTaken();
        await h.deps.onboardings.setResolved(ref, {
          wabaId,
          phoneNumberId: phone.id,
          displayPhoneNumber: phone.displayPhoneNumber.replace(/\D/g, ''),
        });
      });
    },

    async onboardingSubscribeApp(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'subscribe_app', async () => {
        const { wabaId, token } = await resolved(ref);
        await meta().client.subscribeApp(wabaId, token);
      });
    },

    async onboardingUnsubscribeApp(ref: OnboardingRef): Promise<void> {
      const { wabaId, token } = await resolved(ref);
      await atBoundary(() => meta().client.unsubscribeApp(wabaId, token));
    },

    async onboardingRegisterPhone(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'register_phone', async () => {
        const { d, phoneNumberId, token } = await resolved(ref);
        await meta().client.registerPhone(phoneNumberId, h.secret(d, 'pin'), token);
      });
    },

    async onboardingDeregisterPhone(ref: OnboardingRef): Promise<void> {
      const { phoneNumberId, token } = await resolved(ref);
      await atBoundary(() => meta().client.deregisterPhone(phoneNumberId, token));
    },
  };
}
