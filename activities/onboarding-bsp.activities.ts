import { randomBytes } from 'node:crypto';
import type { OnboardingDoc } from '../src/db/models/onboarding.model';
import type { OnboardingRef } from '../src/db/repositories/onboarding.repository';
import type { Dialog360WebhookConfig } from '../src/providers/dialog360/dialog360-partner.client';
import { OnboardingFailureTypes } from '../workflows/onboarding.definitions';
import { failNow, type OnboardingSupport } from './onboarding-support';
import { atBoundary } from './to-failure';
import { routingKeyTaken } from '../src/db/repositories/sender.repository';
import { dialog360Official } from '../src/providers/dialog360/dialog360.official';

const notConfigured = (what: string) =>
  failNow(`${what} onboarding is not configured`, OnboardingFailureTypes.notConfigured, {
    code: 'provider_not_configured',
  });

/**
 * 360dialog (partner API → channel API key → the number's webhook) and Twilio (Senders API →
 * wait until ONLINE), with their compensations.
 */
export function createBspOnboardingActivities(h: OnboardingSupport) {
  const dialog = () => {
    const c = h.deps.dialog360?.client;
    if (!c) throw notConfigured('360dialog');
    return c;
  };
  const twilio = () => {
    const t = h.deps.twilio;
    if (!t) throw notConfigured('Twilio');
    return t;
  };
  const webhookOf = (d: OnboardingDoc, secret: string): Dialog360WebhookConfig => ({
    url: `${h.deps.publicBaseUrl.replace(/\/$/, '')}/webhooks/360dialog`,
    headers: { 'X-Dw-Channel': d.request?.channelId ?? '', 'X-Dw-Webhook-Secret': secret },
  });
  const senderSidOf = (d: OnboardingDoc): string => {
    const sid = d.resolved?.twilioSenderSid;
    if (!sid)
      throw failNow('no Twilio sender was created', OnboardingFailureTypes.notFound, {
        code: 'sender_missing',
      });
    return sid;
  };

  return {
    /**
     * The channel the client granted us: its number (the sender's display number) and WABA. It
     * must belong to the client the redirect named (issue 15); a channel of another client and one
     * that does not exist get the same answer, so the step is no oracle of other clients' channels.
     */
    async onboardingFetchChannel(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'fetch_channel', async () => {
        const d = await h.doc(ref);
        const channelId = d.request?.channelId ?? '';
        const ch = await dialog().getChannel(channelId);
        if (!ch || !d.request?.clientId || ch.clientId !== d.request.clientId)
          throw failNow(
            `360dialog channel ${channelId} is not available to client ${d.request?.clientId ?? '(none)'}`,
            OnboardingFailureTypes.notFound,
            { code: 'channel_not_available' },
          );
        if (!ch.phoneNumber)
          throw failNow(
            `360dialog channel ${ch.id} has no phone number yet`,
            OnboardingFailureTypes.notFound,
            {
              code: 'channel_not_ready',
            },
          );
        await h.deps.onboardings.setResolved(ref, {
          displayPhoneNumber: ch.phoneNumber,
          ...(ch.wabaId ? { wabaId: ch.wabaId } : {}),
        });
      });
    },

    /**
     * Generates the channel's API key once per onboarding (a new key revokes the older ones) —
     * never for a channel another tenant registered meanwhile: its key would be revoked (issue 15).
     */
    async onboardingCreateApiKey(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'create_api_key', async () => {
        const d = await h.doc(ref);
        if (d.secrets?.apiKey) return;
        const key360 = dialog360Official.routingKey({ channelId: d.request?.channelId ?? '' });
        if ((await h.deps.senders.routingKeyHolder(ref.tenantId, key360)) === 'taken')
          throw routingKeyTaken();
        const key = await dialog().createApiKey(d.request?.channelId ?? '');
        await h.deps.onboardings.sealSecret(ref, 'apiKey', key);
      });
    },

    /** Compensation: the partner API offers no revocation; the key is forgotten (the next key revokes it). */
    async onboardingForgetApiKey(ref: OnboardingRef): Promise<void> {
      await h.deps.onboardings.forgetSecret(ref, 'apiKey');
    },

    /**
     * Points the number's webhook at us with a random secret header. The config it replaces (if
     * any, and not ours) is kept sealed so the compensation can put it back.
     */
    async onboardingConfigureWebhook(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'configure_webhook', async () => {
        const { onboardings } = h.deps;
        const d = await h.doc(ref);
        const apiKey = h.secret(d, 'apiKey');
        let secret: string;
        if (d.secrets?.webhookSecret) secret = h.secret(d, 'webhookSecret');
        else {
          secret = randomBytes(32).toString('base64url');
          await onboardings.sealSecret(ref, 'webhookSecret', secret);
        }
        const ours = webhookOf(d, secret);
        if (!d.secrets?.previousWebhook) {
          const previous = await dialog().getWebhook(apiKey);
          const isOurs =
            previous?.url === ours.url &&
            previous.headers['X-Dw-Webhook-Secret'] === ours.headers['X-Dw-Webhook-Secret'];
          if (previous && !isOurs)
            await onboardings.sealSecret(ref, 'previousWebhook', JSON.stringify(previous));
        }
        await dialog().setWebhook(apiKey, ours);
      });
    },

    /** Compensation: the previous webhook config back; with none, 360dialog offers no unset (our route refuses the calls). */
    async onboardingRestoreWebhook(ref: OnboardingRef): Promise<void> {
      const d = await h.doc(ref);
      const previous = h.deps.onboardings.openSecret(d, 'previousWebhook');
      if (!previous) return;
      await atBoundary(() =>
        dialog().setWebhook(h.secret(d, 'apiKey'), JSON.parse(previous) as Dialog360WebhookConfig),
      );
    },

    /**
     * Creates the Twilio sender. A retry after a lost answer finds the sender an earlier attempt
     * created (by its `whatsapp:+…` id) instead of creating a second one.
     */
    async onboardingCreateTwilioSender(ref: OnboardingRef): Promise<void> {
      await h.tracked(ref, 'create_sender', async () => {
        const { onboardings, publicBaseUrl } = h.deps;
        const d = await h.doc(ref);
        if (d.resolved?.twilioSenderSid) return;
        const account = h.twilioAccount(d);
        const senderId = `whatsapp:+${d.request?.phoneNumber ?? ''}`;
        const earlier = d.claims?.createSender
          ? await twilio().client.findBySenderId(account, senderId)
          : null;
        let sid = earlier?.sid;
        if (!sid) {
          await onboardings.mark(ref, 'createSender');
          const created = await twilio().client.create(account, {
            senderId,
            wabaId: d.request?.wabaId ?? '',
            verificationMethod: d.request?.verificationMethod ?? 'sms',
            webhookUrl: `${publicBaseUrl.replace(/\/$/, '')}/webhooks/twilio`,
          });
          sid = created.sid;
        }
        await onboardings.setResolved(ref, { twilioSenderSid: sid, accountSid: account.accountSid });
      });
    },

    async onboardingDeleteTwilioSender(ref: OnboardingRef): Promise<void> {
      const d = await h.doc(ref);
      await atBoundary(() => twilio().client.remove(h.twilioAccount(d), senderSidOf(d)));
    },

    /** One poll of the new sender: online, still on its way, or OFFLINE (final: the step fails). */
    async onboardingPollTwilioSender(
      input: OnboardingRef & { poll: number },
    ): Promise<{ online: boolean; status: string }> {
      const ref = { tenantId: input.tenantId, onboardingId: input.onboardingId };
      return h.tracked(
        ref,
        'await_online',
        async () => {
          const d = await h.doc(ref);
          const sid = senderSidOf(d);
          const sender = await twilio().client.get(h.twilioAccount(d), sid);
          if (sender.status === 'OFFLINE') {
            const reason = sender.offlineReasons[0];
            throw failNow(
              `Twilio sender ${sid} is OFFLINE${reason ? `: ${reason.message} (${reason.code})` : ''}`,
              OnboardingFailureTypes.senderOffline,
              { code: 'sender_offline', ...(reason?.code ? { providerCode: reason.code } : {}) },
            );
          }
          if (d.resolved?.twilioSenderStatus !== sender.status)
            await h.deps.onboardings.setResolved(ref, { twilioSenderStatus: sender.status });
          return { online: sender.status === 'ONLINE', status: sender.status };
        },
        input.poll,
      );
    },

    /**
     * Opens the OTP the API sealed and submits it to the PENDING_VERIFICATION sender. Any failure
     * (a wrong code: Twilio's 400) is recorded as the `await_online` step's error; the workflow
     * keeps polling and waiting for another code. The step's attempt count stays the polls'.
     */
    async onboardingSubmitTwilioVerificationCode(
      input: OnboardingRef & { sealedCode: string },
    ): Promise<void> {
      const ref = { tenantId: input.tenantId, onboardingId: input.onboardingId };
      const { onboardings } = h.deps;
      try {
        const d = await h.doc(ref);
        let code: string;
        try {
          code = onboardings.openSealed(ref, 'verificationCode', input.sealedCode);
        } catch {
          throw failNow('the verification code does not open', OnboardingFailureTypes.notFound, {
            code: 'secret_missing',
          });
        }
        const sender = await twilio().client.submitVerificationCode(h.twilioAccount(d), senderSidOf(d), code);
        await onboardings.setResolved(ref, { twilioSenderStatus: sender.status });
        await onboardings.recordStep(ref, 'await_online', { error: null });
      } catch (err) {
        throw await h.recordFailure(ref, 'await_online', err, 'verification code not accepted: ');
      }
    },
  };
}
