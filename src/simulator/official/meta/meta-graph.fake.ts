import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { close, listen } from '../http-listener';
import {
  cloudEnvelope,
  cloudInboundValue,
  cloudStatusObject,
  EXAMPLE_NUMBER,
  newWamid,
  postMetaWebhook,
  unixSeconds,
  type CloudNumber,
} from '../cloud-api.payloads';
import type { CloudApiProblem } from '../cloud-api.validate';
import { MetaEsFake } from './meta-es.fake';

/**
 * A local stand-in for the Meta Graph API send endpoint (reference/official-platform.md A1–A3) and
 * `GET /{version}/debug_token` (A5, per-token answers via `debugTokens`/`setTokenInfo`):
 * `POST /{version}/{phone-number-id}/messages` with the exact success and error shapes, a record of
 * every request, fault injection (Meta error codes, HTTP 429/500, refused service, latency), and a
 * status emitter that POSTs signed webhooks (`X-Hub-Signature-256`) to our API.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export interface InjectedFault {
  httpStatus: number;
  code?: number;
  /** Graph `error_subcode` (e.g. 463: the session has expired). */
  subcode?: number;
  message?: string;
  /** `error_data.details` (default: the message). */
  details?: string;
  retryAfter?: string;
  isTransient?: boolean;
}

/** What `GET /{version}/debug_token` says about one token (reference/official-platform.md A5). */
export interface DebugTokenInfo {
  isValid: boolean;
  /** Epoch seconds; 0 = never expires. Past and `isValid` left true: answered as Meta does, invalid. */
  expiresAt: number;
  type?: 'SYSTEM_USER' | 'USER' | 'PAGE' | 'APP';
  scopes?: string[];
  /** `granular_scopes` debug_token reports (default: messaging on one fixed WABA). */
  granularScopes?: { scope: string; target_ids: string[] }[];
}

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed';

export interface MetaGraphFakeOptions {
  /** phoneNumberId → the access token it accepts. */
  tokens: Record<string, string>;
  latencyMs?: number;
  /** Where to POST status webhooks (our `/webhooks/meta`), and the app secret that signs them. */
  webhookUrl?: string;
  appSecret?: string;
  /** debug_token: token → what Meta knows of it (unknown tokens cannot be parsed); see `setTokenInfo`. */
  debugTokens?: Record<string, DebugTokenInfo>;
  /** `<app_id>|<app_secret>` accepted as the app access token authorizing debug_token. */
  appAccessToken?: string;
  /** Embedded Signup: the app whose client_id/client_secret `oauth/access_token` accepts (see `es`). */
  oauthApp?: { appId: string; appSecret: string };
  /** Statuses emitted after each accepted message, in this order (e.g. ['sent','delivered','read']). */
  autoStatuses?: StatusName[];
  /** Emit those statuses (and wait for our 200) before answering the send: statuses that overtake the answer. */
  statusesBeforeResponse?: boolean;
  /** Wait this long after accepting a message before emitting its statuses (as Meta does: ~1 s and more). */
  statusDelayMs?: number;
  /** Meta's checks of a message before it is accepted (the simulators: cloud-api.validate.ts); absent = the envelope only. */
  validate?: (body: Record<string, unknown>) => CloudApiProblem | null;
  /** Called with every accepted message (the benches' calibration signals its workflow from here). */
  onAccepted?: (a: { wamid: string; phoneNumberId: string; body: Record<string, unknown> }) => void;
}

export class MetaGraphFake {
  readonly requests: RecordedRequest[] = [];
  readonly accepted: { wamid: string; body: Record<string, unknown>; at: number }[] = [];
  readonly webhookFailures: string[] = [];
  private faults: InjectedFault[] = [];
  private downFault: InjectedFault | null = null;
  private server: Server | null = null;
  private pendingWebhooks = new Set<Promise<void>>();
  baseUrl = '';
  /** Requests received whose answer has not been written yet (a fault bench kills a worker with sends in flight). */
  inFlight = 0;
  /**
   * Requests still being handled, also those whose caller went away (a held send is still taken and
   * recorded once its latency is over, as Meta would): 0 once every request received is in `accepted`.
   */
  handling = 0;
  /** Embedded Signup endpoints (oauth, subscribed_apps, phone_numbers, register, deregister): test/fakes/meta-es.fake.ts. */
  readonly es = new MetaEsFake(this);

  constructor(readonly opts: MetaGraphFakeOptions) {}

  /** Listens on loopback, a free port unless told (a simulator of the local stack names its own). */
  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const { server, url } = await listen(
      (req, res) => {
        this.inFlight++;
        res.once('close', () => this.inFlight--);
        this.handling++;
        void this.handle(req, res).finally(() => this.handling--);
      },
      port,
      host,
    );
    this.server = server;
    this.baseUrl = url;
    return this;
  }

  async stop(): Promise<void> {
    this.es.releaseAll();
    await Promise.allSettled([...this.pendingWebhooks]);
    await close(this.server);
  }

  /** The next `n` sends answer with this error (in order, before any later injection). */
  failNext(fault: InjectedFault, n = 1): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  /** Every send (and debug_token) answers with this fault until `up()`. */
  down(
    fault: InjectedFault = {
      httpStatus: 500,
      code: 2,
      message: 'Service temporarily unavailable',
      isTransient: true,
    },
  ): void {
    this.downFault = fault;
  }

  up(): void {
    this.downFault = null;
  }

  setTokenInfo(token: string, info: DebugTokenInfo): void {
    this.opts.debugTokens = { ...this.opts.debugTokens, [token]: info };
  }

  setLatency(ms: number): void {
    this.opts.latencyMs = ms;
  }

  setAutoStatuses(statuses: StatusName[]): void {
    this.opts.autoStatuses = statuses;
  }

  /** Sends to a message, by our message id (biz_opaque_callback_data is `<tenant>:<messageId>:<mac>`). */
  sendsFor(messageId: string) {
    return this.accepted.filter(
      (a) => String(a.body.biz_opaque_callback_data ?? '').split(':')[1] === messageId,
    );
  }

  /**
   * POSTs one signed status webhook with these statuses (any order, duplicates allowed), from the
   * sending number `phoneNumberId` (`metadata.phone_number_id`; default the fixtures' usual number).
   */
  async emitStatuses(
    statuses: { wamid: string; status: StatusName; callbackData?: string; to?: string; errors?: unknown[] }[],
    phoneNumberId = EXAMPLE_NUMBER.phoneNumberId,
  ): Promise<number> {
    const ts = unixSeconds();
    return this.postSigned(
      cloudEnvelope(this.numberOf(phoneNumberId), {
        statuses: statuses.map((s) => cloudStatusObject(s, ts)),
      }),
    );
  }

  /** POSTs one signed inbound-message webhook (a user writing to `phoneNumberId`); `message` overrides the text one. */
  async emitInbound(m: {
    phoneNumberId: string;
    wamid: string;
    from: string;
    name?: string;
    text?: string;
    message?: Record<string, unknown>;
  }): Promise<number> {
    return this.postSigned(cloudEnvelope(this.numberOf(m.phoneNumberId), cloudInboundValue(m)));
  }

  /** The webhook's `entry.id` and `metadata` for a number: its Embedded Signup WABA, else the fixtures' usual one. */
  numberOf(phoneNumberId: string): CloudNumber {
    const wabaId = this.es.wabaOfPhone(phoneNumberId);
    const phone = wabaId ? this.es.wabas.get(wabaId)?.phones.find((p) => p.id === phoneNumberId) : undefined;
    if (!wabaId || !phone) return { ...EXAMPLE_NUMBER, phoneNumberId };
    return { wabaId, phoneNumberId, displayPhoneNumber: phone.display_phone_number.replace(/\D/g, '') };
  }

  private async postSigned(payload: unknown): Promise<number> {
    const { webhookUrl, appSecret } = this.opts;
    if (!webhookUrl || !appSecret) throw new Error('webhookUrl and appSecret are required to emit webhooks');
    return postMetaWebhook(webhookUrl, appSecret, payload);
  }

  /** One request (public: a simulator serves two hosts' fakes on one port). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body, at: Date.now() });
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));

    if (req.method === 'GET' && /^\/v\d+\.\d+\/debug_token$/.test(path)) return this.debugToken(req, res);
    if (await this.es.handle(req, res, path, body)) return;
    const m = /^\/(v\d+\.\d+)\/(\d+)\/messages$/.exec(path);
    if (req.method !== 'POST' || !m)
      return this.error(res, { httpStatus: 400, code: 100, message: 'Unsupported post request.' });
    const phoneNumberId = m[2] as string;
    if (req.headers.authorization !== `Bearer ${this.opts.tokens[phoneNumberId] ?? '\0'}`)
      return this.error(res, {
        httpStatus: 401,
        code: 190,
        message: 'Invalid OAuth access token - Cannot parse access token',
      });
    const fault = this.faults.shift() ?? this.downFault;
    if (fault) return this.error(res, fault);
    const b = body as Record<string, unknown> | null;
    const problem = b && this.opts.validate?.(b);
    if (problem) return this.error(res, { httpStatus: 400, ...problem });
    if (
      !b ||
      b.messaging_product !== 'whatsapp' ||
      typeof b.to !== 'string' ||
      typeof b.type !== 'string' ||
      !(b.type in b)
    )
      return this.error(res, { httpStatus: 400, code: 100, message: '(#100) Invalid parameter' });

    const wamid = newWamid();
    this.accepted.push({ wamid, body: b, at: Date.now() });
    this.opts.onAccepted?.({ wamid, phoneNumberId, body: b });
    const answer = () =>
      this.json(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: b.to, wa_id: String(b.to).replace(/\D/g, '') }],
        messages: [{ id: wamid, message_status: 'accepted' }],
      });
    if (!this.opts.statusesBeforeResponse) answer();

    if (this.opts.autoStatuses?.length) {
      const callbackData =
        typeof b.biz_opaque_callback_data === 'string' ? b.biz_opaque_callback_data : undefined;
      const statuses = this.opts.autoStatuses.map((status) => ({
        wamid,
        status,
        callbackData,
        to: b.to as string,
      }));
      const delayMs = this.opts.statusDelayMs ?? 0;
      const p = (delayMs > 0 ? new Promise((r) => setTimeout(r, delayMs)) : Promise.resolve())
        .then(() => this.emitStatuses(statuses, phoneNumberId))
        .then((s) => {
          if (s !== 200) this.webhookFailures.push(`${wamid}: HTTP ${s}`);
        })
        .catch((e: unknown) => void this.webhookFailures.push(`${wamid}: ${(e as Error).message}`))
        .finally(() => this.pendingWebhooks.delete(p));
      this.pendingWebhooks.add(p);
      if (this.opts.statusesBeforeResponse) await p;
    }
    if (this.opts.statusesBeforeResponse) answer();
  }

  /** A token Meta would accept as an access token now: known, valid and not expired. */
  private usable(token: string | undefined): boolean {
    const info = token === undefined ? undefined : this.opts.debugTokens?.[token];
    return !!info && info.isValid && (info.expiresAt === 0 || info.expiresAt * 1000 > Date.now());
  }

  /**
   * Meta's shape: an unusable *authorizing* token is a Graph error 190 (subcode 463 when expired);
   * an app-authorized look at a bad input token is 200 with `is_valid:false` and `data.error`.
   */
  private debugToken(req: IncomingMessage, res: ServerResponse): void {
    // Only `down()` reaches debug_token: faults queued with failNext stay for the sends.
    if (this.downFault) return this.error(res, this.downFault);
    const input = new URL(req.url ?? '', 'http://x').searchParams.get('input_token') ?? '';
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const appAuth = !!this.opts.appAccessToken && bearer === this.opts.appAccessToken;
    if (!appAuth && !this.usable(bearer)) {
      const known = bearer === undefined ? undefined : this.opts.debugTokens?.[bearer];
      return known && known.expiresAt > 0 && known.expiresAt * 1000 <= Date.now()
        ? this.error(res, {
            httpStatus: 400,
            code: 190,
            subcode: 463,
            message: 'Error validating access token: Session has expired.',
          })
        : this.error(res, {
            httpStatus: 400,
            code: 190,
            message: 'Invalid OAuth access token - Cannot parse access token',
          });
    }
    const info = this.opts.debugTokens?.[input];
    if (!info)
      return this.json(res, 200, {
        data: {
          error: { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
          is_valid: false,
          scopes: [],
        },
      });
    const valid = this.usable(input);
    this.json(res, 200, {
      data: {
        app_id: '1234567890',
        type: info.type ?? 'SYSTEM_USER',
        application: 'Durable WhatsApp (fake)',
        data_access_expires_at: 0,
        expires_at: info.expiresAt,
        is_valid: valid,
        scopes: info.scopes ?? ['whatsapp_business_management', 'whatsapp_business_messaging'],
        granular_scopes: info.granularScopes ?? [
          { scope: 'whatsapp_business_messaging', target_ids: ['102290129340398'] },
        ],
        user_id: '10987654321',
        ...(valid ? {} : { error: { code: 190, message: 'Error validating access token', subcode: 463 } }),
      },
    });
  }

  private error(res: ServerResponse, f: InjectedFault): void {
    if (f.retryAfter) res.setHeader('Retry-After', f.retryAfter);
    this.json(res, f.httpStatus, {
      error: {
        message: f.message ?? `(#${f.code}) error`,
        type: 'OAuthException',
        code: f.code,
        ...(f.subcode === undefined ? {} : { error_subcode: f.subcode }),
        error_data: { messaging_product: 'whatsapp', details: f.details ?? f.message ?? 'error' },
        is_transient: f.isTransient ?? false,
        fbtrace_id: randomBytes(8).toString('base64url'),
      },
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const raw = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-fb-trace-id': 'fake',
      'facebook-api-version': 'v23.0',
    });
    res.end(raw);
  }
}
