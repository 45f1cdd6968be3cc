import type { AxiosResponse } from 'axios';
import { ProviderError } from '../errors';
import { callProvider } from '../http/call';
import { providerHttpClient } from '../http/client';
import { readTwilioError, TWILIO } from './twilio.errors';

/**
 * Twilio's Senders API for WhatsApp onboarding (reference/official-platform.md C; twilio-oai
 * `twilio_messaging_v2.json`): `POST /v2/Channels/Senders` (JSON, HTTP Basic) → 202 `CREATING`,
 * `GET /v2/Channels/Senders/{Sid}` until `ONLINE`, `GET /v2/Channels/Senders?Channel=whatsapp`,
 * `POST /v2/Channels/Senders/{Sid}` `{configuration:{verification_code}}` (the OTP of a
 * PENDING_VERIFICATION sender), `DELETE /v2/Channels/Senders/{Sid}` → 204. Errors are Twilio's `{code, message, more_info,
 * status}`, read like the Messages API's (readTwilioError); the auth token and the OTP never appear in an
 * error text.
 */
export interface TwilioSendersConfig {
  /** e.g. https://messaging.twilio.com */
  baseUrl: string;
  timeoutMs: number;
}

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
}

export interface TwilioSender {
  sid: string;
  status: string;
  senderId: string;
  offlineReasons: { code: string; message: string }[];
}

export interface CreateTwilioSender {
  /** `whatsapp:+<E.164 digits>` */
  senderId: string;
  wabaId: string;
  verificationMethod: 'sms' | 'voice';
  /** Our `/webhooks/twilio` (inbound and status callbacks alike). */
  webhookUrl: string;
}

interface SenderWire {
  sid?: string;
  status?: string;
  sender_id?: string;
  offline_reasons?: { code?: string; message?: string }[] | null;
}

const MAX_LIST_PAGES = 10;

const toSender = (w: SenderWire | undefined): TwilioSender => ({
  sid: w?.sid ?? '',
  status: w?.status ?? 'UNKNOWN',
  senderId: w?.sender_id ?? '',
  offlineReasons: (w?.offline_reasons ?? []).map((r) => ({
    code: String(r.code ?? ''),
    message: r.message ?? '',
  })),
});

export function createTwilioSendersClient(config: TwilioSendersConfig) {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  const auth = (a: TwilioAccount) => ({ auth: { username: a.accountSid, password: a.authToken } });

  const readError = readTwilioError();
  async function call<T>(
    a: TwilioAccount,
    action: string,
    send: () => Promise<AxiosResponse>,
    more: { secrets?: string[]; alreadyDone?: (res: AxiosResponse) => boolean } = {},
  ): Promise<T> {
    const res = await callProvider<T>({
      provider: TWILIO,
      label: 'Twilio',
      action,
      secrets: [a.authToken, ...(more.secrets ?? [])],
      send,
      readError,
      alreadyDone: more.alreadyDone,
    });
    return res.data;
  }

  return {
    async create(a: TwilioAccount, s: CreateTwilioSender): Promise<TwilioSender> {
      const body = {
        sender_id: s.senderId,
        configuration: { waba_id: s.wabaId, verification_method: s.verificationMethod },
        webhook: {
          callback_url: s.webhookUrl,
          callback_method: 'POST',
          status_callback_url: s.webhookUrl,
          status_callback_method: 'POST',
        },
      };
      const sender = toSender(
        await call<SenderWire>(a, 'create sender', () => http.post('/v2/Channels/Senders', body, auth(a))),
      );
      if (!sender.sid)
        throw new ProviderError('transient', 'Twilio create sender: answer without a sid', {
          provider: TWILIO,
        });
      return sender;
    },

    async get(a: TwilioAccount, sid: string): Promise<TwilioSender> {
      return toSender(
        await call<SenderWire>(a, 'fetch sender', () =>
          http.get(`/v2/Channels/Senders/${encodeURIComponent(sid)}`, auth(a)),
        ),
      );
    },

    /** The account's WhatsApp sender for this `whatsapp:+…` id, if any (paged, bounded). */
    async findBySenderId(a: TwilioAccount, senderId: string): Promise<TwilioSender | null> {
      let url: string | null = '/v2/Channels/Senders';
      let params: Record<string, unknown> | undefined = { Channel: 'whatsapp', PageSize: 1000 };
      for (let page = 0; url && page < MAX_LIST_PAGES; page++) {
        const target: string = url;
        const data: { senders?: SenderWire[]; meta?: { next_page_url?: string | null } } = await call(
          a,
          'list senders',
          () => http.get(target, { params, ...auth(a) }),
        );
        const hit = (data?.senders ?? []).find((w) => w.sender_id === senderId);
        if (hit) return toSender(hit);
        url = data?.meta?.next_page_url ?? null;
        params = undefined;
      }
      return null;
    },

    /**
     * Submits the OTP Twilio sent to a PENDING_VERIFICATION sender's number; a wrong one is Twilio's
     * 400. The code never appears in an error text.
     */
    async submitVerificationCode(a: TwilioAccount, sid: string, code: string): Promise<TwilioSender> {
      return toSender(
        await call<SenderWire>(
          a,
          'submit verification code',
          () =>
            http.post(
              `/v2/Channels/Senders/${encodeURIComponent(sid)}`,
              { configuration: { verification_code: code } },
              auth(a),
            ),
          { secrets: [code] },
        ),
      );
    },

    /** Deletes a sender; one already gone counts as done. */
    async remove(a: TwilioAccount, sid: string): Promise<void> {
      await call(
        a,
        'delete sender',
        () => http.delete(`/v2/Channels/Senders/${encodeURIComponent(sid)}`, auth(a)),
        {
          alreadyDone: (res) => res.status === 404,
        },
      );
    },
  };
}

export type TwilioSendersClient = ReturnType<typeof createTwilioSendersClient>;
