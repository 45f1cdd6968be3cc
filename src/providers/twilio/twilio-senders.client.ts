import type { AxiosResponse } from 'axios';
import { ProviderError, parseRetryAfter, redactSecrets, type ProviderErrorKind } from '../errors';
import { TWILIO } from './twilio.errors';
import { providerHttpClient } from '../http-client';

/**
 * Twilio's Senders API for WhatsApp onboarding (reference/official-platform.md C; twilio-oai
 * `twilio_messaging_v2.json`): `POST /v2/Channels/Senders` (JSON, HTTP Basic) → 202 `CREATING`,
 * `GET /v2/Channels/Senders/{Sid}` until `ONLINE`, `GET /v2/Channels/Senders?Channel=whatsapp`,
 * `POST /v2/Channels/Senders/{Sid}` `{configuration:{verification_code}}` (the OTP of a
 * PENDING_VERIFICATION sender), `DELETE /v2/Channels/Senders/{Sid}` → 204. Errors are Twilio's `{code, message, more_info,
 * status}`, classified by code then status; the auth token never appears in an error text.
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

function kindOf(status: number, code: number | undefined): ProviderErrorKind {
  if (code === 20429 || status === 429) return 'rate_limited';
  if (code === 20003 || status === 401 || status === 403) return 'auth';
  if (status >= 500 || status === 408) return 'transient';
  if (code === 20404 || status === 404) return 'permanent';
  if (status >= 400) return 'invalid_request';
  return 'permanent';
}

function classifyTwilioSendersError(
  status: number,
  body: unknown,
  headers: { 'retry-after'?: unknown },
): ProviderError {
  const b = (body ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof b.code === 'number' ? b.code : undefined;
  const kind = kindOf(status, code);
  const message = typeof b.message === 'string' ? b.message.slice(0, 300) : `Twilio answered HTTP ${status}`;
  return new ProviderError(kind, `Twilio Senders API: ${message}`, {
    provider: TWILIO,
    code: String(code ?? status),
    httpStatus: status,
    retryAfterMs: kind === 'rate_limited' ? (parseRetryAfter(headers['retry-after']) ?? 1_000) : undefined,
  });
}

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

  async function call<T>(a: TwilioAccount, action: string, send: () => Promise<AxiosResponse>): Promise<T> {
    let res: AxiosResponse;
    try {
      res = await send();
    } catch (err) {
      const text = redactSecrets((err as Error).message, [a.authToken]);
      throw new ProviderError('transient', `Twilio ${action}: no answer (${text})`, { provider: TWILIO });
    }
    if (res.status >= 200 && res.status < 300) return res.data as T;
    throw classifyTwilioSendersError(res.status, res.data, res.headers as { 'retry-after'?: unknown });
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
      try {
        return toSender(
          await call<SenderWire>(a, 'submit verification code', () =>
            http.post(
              `/v2/Channels/Senders/${encodeURIComponent(sid)}`,
              { configuration: { verification_code: code } },
              auth(a),
            ),
          ),
        );
      } catch (err) {
        if (err instanceof ProviderError && err.message.includes(code))
          throw new ProviderError(err.kind, redactSecrets(err.message, [code]), {
            provider: TWILIO,
            code: err.code,
            httpStatus: err.httpStatus,
            retryAfterMs: err.retryAfterMs,
          });
        throw err;
      }
    },

    /** Deletes a sender; one already gone counts as done. */
    async remove(a: TwilioAccount, sid: string): Promise<void> {
      try {
        await call(a, 'delete sender', () =>
          http.delete(`/v2/Channels/Senders/${encodeURIComponent(sid)}`, auth(a)),
        );
      } catch (err) {
        if (err instanceof ProviderError && err.httpStatus === 404) return;
        throw err;
      }
    },
  };
}

export type TwilioSendersClient = ReturnType<typeof createTwilioSendersClient>;
