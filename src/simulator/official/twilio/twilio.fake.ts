import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { close, listen } from '../http-listener';

/**
 * A local stand-in for `api.twilio.com` (reference/official-platform.md C; twilio-oai
 * `twilio_api_v2010.json` CreateMessageRequest / api.v2010.account.message), written from the
 * documented contract only:
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: HTTP Basic `AccountSid:AuthToken`,
 *   `application/x-www-form-urlencoded`, 201 JSON with an `SM…` sid and status `queued`; errors
 *   `{code, message, more_info, status}` (20003 auth, 21xxx parameters, 63007 unknown WhatsApp sender…);
 *   fault injection incl. 429/20429 with Retry-After.
 * - status callbacks: form POSTs to the message's `StatusCallback`, signed with `X-Twilio-Signature`
 *   (base64 HMAC-SHA1 over URL + params sorted by key, key+value), never for the initial status; knobs
 *   for reordering and duplicates (Twilio does not order them).
 * - inbound messages: signed form POSTs to a URL of the test's choosing.
 * The Senders API (messaging.twilio.com) is a different host and not part of this fake.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Form fields; repeated fields (MediaUrl, PersistentAction) as arrays. */
  form: Record<string, string | string[]>;
  raw: string;
  at: number;
}

export type TwilioFault =
  | { httpStatus: number; code: number; message?: string; retryAfter?: string }
  /** The connection is dropped without an answer. */
  | { network: true };

export type TwilioStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered';

export interface TwilioCallback {
  sid: string;
  status: TwilioStatus;
  errorCode?: number;
  errorMessage?: string;
}

export interface CallbackKnobs {
  /** Reverse the order (e.g. read before delivered, sent last). */
  reverse?: boolean;
  /** POST each callback twice. */
  duplicate?: boolean;
}

export interface TwilioFakeOptions {
  /** AccountSid → AuthToken. */
  accounts: Record<string, string>;
  /** AccountSid → its WhatsApp senders (E.164 digits); absent = any number. */
  senders?: Record<string, string[]> | ((accountSid: string, digits: string) => boolean);
  /** Callbacks POSTed after each accepted message (after the 201), in this order. */
  autoStatuses?: TwilioStatus[];
  latencyMs?: number;
  /** Called with every accepted message (a simulator times its callbacks from here). */
  onAccepted?: (m: TwilioMessage) => void;
}

export interface TwilioMessage {
  sid: string;
  accountSid: string;
  form: Record<string, string | string[]>;
  statusCallback: string | null;
  at: number;
}

/** Twilio's request signature, implemented here independently of the product code. */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const v = params[key];
    const values = Array.isArray(v) ? [...new Set(v)].sort() : [v ?? ''];
    for (const value of values) data += key + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const rfc2822 = (d = new Date()) => d.toUTCString().replace('GMT', '+0000');

export class TwilioFake {
  readonly requests: RecordedRequest[] = [];
  readonly messages: TwilioMessage[] = [];
  /** Every callback / inbound POST made: where, the form, the signature, what came back. */
  readonly deliveries: { url: string; form: Record<string, string>; signature: string; status: number }[] =
    [];
  readonly webhookFailures: string[] = [];
  private faults: TwilioFault[] = [];
  private downFault: TwilioFault | null = null;
  private server: Server | null = null;
  private pending = new Set<Promise<unknown>>();
  baseUrl = '';

  constructor(readonly opts: TwilioFakeOptions) {}

  /** Listens on loopback, a free port unless told (a simulator of the local stack names its own). */
  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const { server, url } = await listen((req, res) => void this.handle(req, res), port, host);
    this.server = server;
    this.baseUrl = url;
    return this;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await close(this.server);
  }

  failNext(fault: TwilioFault, n = 1): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  down(fault: TwilioFault = { httpStatus: 503, code: 20503, message: 'Service Unavailable' }): void {
    this.downFault = fault;
  }

  up(): void {
    this.downFault = null;
  }

  /** Accepted messages whose StatusCallback carries `ref=<tenant>:<messageId>`. */
  sendsFor(messageId: string): TwilioMessage[] {
    return this.messages.filter((m) => {
      const ref = m.statusCallback ? new URL(m.statusCallback).searchParams.get('ref') : null;
      return ref?.endsWith(`:${messageId}`) ?? false;
    });
  }

  /** POSTs status callbacks to each message's StatusCallback; resolves with the HTTP statuses. */
  async emitStatuses(callbacks: TwilioCallback[], knobs: CallbackKnobs = {}): Promise<number[]> {
    const list = knobs.reverse ? [...callbacks].reverse() : callbacks;
    const out: number[] = [];
    for (const cb of list) {
      const m = this.messages.find((x) => x.sid === cb.sid);
      if (!m?.statusCallback) throw new Error(`message ${cb.sid} has no StatusCallback`);
      const form: Record<string, string> = {
        AccountSid: m.accountSid,
        ApiVersion: '2010-04-01',
        ChannelPrefix: 'whatsapp',
        From: String(m.form.From),
        To: String(m.form.To),
        MessageSid: m.sid,
        SmsSid: m.sid,
        MessageStatus: cb.status,
        SmsStatus: cb.status,
        ...(cb.errorCode === undefined ? {} : { ErrorCode: String(cb.errorCode) }),
        ...(cb.errorMessage === undefined ? {} : { ErrorMessage: cb.errorMessage }),
      };
      for (let i = 0; i < (knobs.duplicate ? 2 : 1); i++)
        out.push(await this.post(m.statusCallback, form, this.token(m.accountSid)));
    }
    return out;
  }

  /**
   * A WhatsApp user writing to one of the account's numbers: a signed form POST to `url` (our
   * inbound webhook). `to`/`from` are E.164 digits; the `whatsapp:+` prefix is added here.
   */
  async sendInbound(
    url: string,
    m: {
      accountSid: string;
      from: string;
      to: string;
      body?: string;
      profileName?: string;
      media?: { url: string; contentType: string };
      button?: { payload: string; text: string };
      location?: { latitude: number; longitude: number; address?: string; label?: string };
      messageSid?: string;
    },
  ): Promise<{ status: number; messageSid: string }> {
    const messageSid = m.messageSid ?? sid(m.media ? 'MM' : 'SM');
    const type = m.media ? 'image' : m.button ? 'button' : m.location ? 'location' : 'text';
    const form: Record<string, string> = {
      SmsMessageSid: messageSid,
      MessageSid: messageSid,
      SmsSid: messageSid,
      AccountSid: m.accountSid,
      From: `whatsapp:+${m.from}`,
      To: `whatsapp:+${m.to}`,
      Body: m.body ?? '',
      NumMedia: m.media ? '1' : '0',
      NumSegments: '1',
      ProfileName: m.profileName ?? 'Customer',
      WaId: m.from,
      MessageType: type,
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
      ...(m.media ? { MediaUrl0: m.media.url, MediaContentType0: m.media.contentType } : {}),
      ...(m.button ? { ButtonPayload: m.button.payload, ButtonText: m.button.text } : {}),
      ...(m.location
        ? {
            Latitude: String(m.location.latitude),
            Longitude: String(m.location.longitude),
            ...(m.location.address ? { Address: m.location.address } : {}),
            ...(m.location.label ? { Label: m.location.label } : {}),
          }
        : {}),
    };
    return { status: await this.post(url, form, this.token(m.accountSid)), messageSid };
  }

  private token(accountSid: string): string {
    const t = this.opts.accounts[accountSid];
    if (t === undefined) throw new Error(`unknown account ${accountSid}`);
    return t;
  }

  private async post(url: string, form: Record<string, string>, authToken: string): Promise<number> {
    const signature = twilioSignature(authToken, url, form);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-twilio-signature': signature,
        'user-agent': 'TwilioProxy/1.1',
      },
      body: new URLSearchParams(form).toString(),
    });
    await res.arrayBuffer();
    this.deliveries.push({ url, form, signature, status: res.status });
    return res.status;
  }

  /** One request (public: a simulator serves two hosts' fakes on one port). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const form: Record<string, string | string[]> = {};
    const isForm = /^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '');
    if (isForm)
      for (const [k, v] of new URLSearchParams(raw)) {
        const prev = form[k];
        form[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
      }
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, form, raw, at: Date.now() });
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));

    const m = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/.exec(path);
    if (req.method !== 'POST' || !m)
      return this.error(res, 404, 20404, 'The requested resource was not found');
    const accountSid = m[1] as string;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const pass = rest.join(':');
    if (
      !user ||
      user !== accountSid ||
      this.opts.accounts[user] === undefined ||
      this.opts.accounts[user] !== pass
    )
      return this.error(res, 401, 20003, 'Authentication Error - invalid username');

    const fault = this.faults.shift() ?? this.downFault;
    if (fault) {
      if ('network' in fault) return void res.socket?.destroy();
      if (fault.retryAfter) res.setHeader('Retry-After', fault.retryAfter);
      return this.error(res, fault.httpStatus, fault.code, fault.message ?? `Error ${fault.code}`);
    }
    if (!isForm) return this.error(res, 400, 21600, 'Request body must be application/x-www-form-urlencoded');
    const problem = this.validate(accountSid, form);
    if (problem) return this.error(res, 400, problem[0], problem[1]);

    const messageSid = sid('SM');
    const one = (k: string) =>
      Array.isArray(form[k]) ? (form[k] as string[])[0] : (form[k] as string | undefined);
    const media = form.MediaUrl === undefined ? [] : ([] as string[]).concat(form.MediaUrl);
    const now = rfc2822();
    const message: TwilioMessage = {
      sid: messageSid,
      accountSid,
      form,
      statusCallback: one('StatusCallback') ?? null,
      at: Date.now(),
    };
    this.messages.push(message);
    this.opts.onAccepted?.(message);
    this.json(res, 201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: one('Body') ?? '',
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: one('From'),
      messaging_service_sid: null,
      num_media: String(Math.min(media.length, 1)),
      num_segments: '1',
      price: null,
      price_unit: null,
      sid: messageSid,
      status: 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media.json` },
      to: one('To'),
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}.json`,
    });
    if (this.opts.autoStatuses?.length && message.statusCallback) {
      const p = this.emitStatuses(this.opts.autoStatuses.map((status) => ({ sid: messageSid, status })))
        .then((codes) => {
          if (codes.some((c) => c !== 200))
            this.webhookFailures.push(`${messageSid}: HTTP ${codes.join(',')}`);
        })
        .catch((e: unknown) => void this.webhookFailures.push(`${messageSid}: ${(e as Error).message}`))
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** CreateMessageRequest rules that matter for WhatsApp, with Twilio's error codes. */
  private validate(accountSid: string, form: Record<string, string | string[]>): [number, string] | null {
    const single = (k: string) => {
      const v = form[k];
      return Array.isArray(v) ? undefined : v;
    };
    const to = single('To');
    const from = single('From');
    if (!to) return [21604, "A 'To' phone number is required."];
    if (!from) return [21603, "A 'From' phone number is required."];
    if (!/^whatsapp:\+\d{6,15}$/.test(from))
      return [21212, `The 'From' number ${from} is not a valid phone number`];
    const senders = this.opts.senders;
    const digits = from.slice('whatsapp:+'.length);
    const allowed =
      typeof senders === 'function' ? senders(accountSid, digits) : senders?.[accountSid]?.includes(digits);
    if (senders && !allowed)
      return [63007, 'Twilio could not find a Channel with the specified From address'];
    if (!/^whatsapp:\+\d{6,15}$/.test(to))
      return [21211, `The 'To' number ${to} is not a valid phone number.`];
    const body = form.Body;
    const contentSid = form.ContentSid;
    if (Array.isArray(body) || Array.isArray(contentSid)) return [21600, 'Parameter given more than once'];
    if (!body && form.MediaUrl === undefined && !contentSid)
      return [21619, 'A text message body or media URL must be specified.'];
    if (body && [...body].length > 1600)
      return [21617, 'The concatenated message body exceeds the 1600 character limit.'];
    for (const url of ([] as string[]).concat(form.MediaUrl ?? []))
      if (!/^https?:\/\/[^\s]+$/.test(url)) return [21620, `Invalid media URL(s): ${url}`];
    if (contentSid !== undefined && !/^HX[0-9a-fA-F]{32}$/.test(contentSid))
      return [21655, 'The ContentSid is Invalid.'];
    const vars = form.ContentVariables;
    if (vars !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(vars));
      } catch {
        parsed = null;
      }
      if (!contentSid || !parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        return [21656, 'The ContentVariables Parameter is invalid.'];
    }
    for (const action of ([] as string[]).concat(form.PersistentAction ?? []))
      if (!/^geo:-?\d+(\.\d+)?,-?\d+(\.\d+)?(\|.*)?$/.test(action))
        return [21600, `Invalid PersistentAction: ${action}`];
    const cb = single('StatusCallback');
    if (cb !== undefined) {
      let host: string;
      try {
        host = new URL(cb).hostname;
      } catch {
        host = '';
      }
      if (!host || host.includes('_')) return [21609, 'The StatusCallback URL is not a valid URL.'];
    }
    return null;
  }

  private error(res: ServerResponse, status: number, code: number, message: string): void {
    this.json(res, status, {
      code,
      message,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }
}
