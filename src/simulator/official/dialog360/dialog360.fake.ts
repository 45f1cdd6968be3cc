import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { close, listen } from '../http-listener';
import { cloudEnvelope, cloudInboundValue, cloudStatusObject, newWamid } from '../cloud-api.payloads';
import { validateCloudMessage } from '../cloud-api.validate';

/**
 * A local stand-in for 360dialog's Cloud API host `waba-v2.360dialog.io`
 * (reference/official-platform.md B), written from the documented contract only:
 * - `POST /messages` with `D360-API-KEY` (one key per channel/number; 401 "Invalid api_key"),
 *   body = the Meta Cloud API payload, answer = Meta's `MessageResponsePayload` with `wamid.` ids;
 *   errors either pass through in Meta Graph shape or use 360dialog's own shapes
 *   `{"meta":{"success":false,"http_code":…,"developer_message":…,"details":[…]}}` / `{"error":"Invalid request"}`.
 * - `GET/POST /v1/configs/webhook` — the number's webhook `{url, headers}`, stored per number (set
 *   through any of its keys) and echoed (GET before any POST: `{"url":null,"headers":{}}`, our choice); a URL with `_` or an explicit `:port` is refused (switchable: tests listen on loopback ports).
 * - webhook delivery: the Meta envelope forwarded unchanged to the configured URL with the configured
 *   custom headers and NO Meta signature; knobs for duplicates and reordering.
 * The partner hub (hub.360dialog.io) is a different host and not part of this fake.
 */
export interface Dialog360Channel {
  /** What Meta puts in `metadata` of forwarded webhooks. */
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export type Dialog360Fault =
  /** A Meta Graph error passed through unchanged (e.g. 131047, 130429, 100). */
  | {
      shape: 'graph';
      httpStatus: number;
      code: number;
      message?: string;
      retryAfter?: string;
      isTransient?: boolean;
    }
  /** 360dialog's own error envelope. */
  | { shape: 'd360'; httpStatus: number; developerMessage?: string; details?: unknown[]; retryAfter?: string }
  /** 360dialog's terse `{"error": "…"}` answer. */
  | { shape: 'plain'; httpStatus: number; error?: string; retryAfter?: string }
  /** A proxy in front answering with a non-JSON page (e.g. 502 Bad Gateway). */
  | { shape: 'html'; httpStatus: number; retryAfter?: string }
  /** The connection is dropped without an answer. */
  | { shape: 'network' };

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed';

export interface FakeStatus {
  wamid: string;
  status: StatusName;
  /** biz_opaque_callback_data echoed by Meta (our `<tenant>:<messageId>`). */
  callbackData?: string;
  to?: string;
  errors?: unknown[];
}

export interface DeliveryKnobs {
  /** One POST per status instead of one batch. */
  separate?: boolean;
  /** Reverse the order (e.g. read before delivered, sent last). */
  reverse?: boolean;
  /** POST everything twice (at-least-once delivery). */
  duplicate?: boolean;
}

export interface WebhookConfig {
  url: string;
  headers: Record<string, string>;
}

export interface Dialog360FakeOptions {
  /** API key → the channel (number) it identifies. More can be added with `addApiKey`. */
  apiKeys?: Record<string, Partial<Dialog360Channel>>;
  /** 360dialog refuses webhook URLs containing `_` (default true). */
  rejectWebhookUnderscore?: boolean;
  /** 360dialog refuses webhook URLs with an explicit `:port` (default true; tests on loopback turn it off). */
  rejectWebhookPort?: boolean;
  /** Statuses forwarded to the channel's webhook after each accepted message, in this order. */
  autoStatuses?: StatusName[];
  latencyMs?: number;
  /** Called with every accepted message (a simulator times its statuses from here). */
  onAccepted?: (a: Accepted) => void;
}

/** What a simulator keeps across restarts: the keys, their numbers and the webhooks. */
export interface Dialog360FakeState {
  channels: [string, Dialog360Channel][];
  webhooks: [string, WebhookConfig][];
  keysIssued: number;
}

export interface Accepted {
  wamid: string;
  apiKey: string;
  body: Record<string, unknown>;
  at: number;
}

export class Dialog360Fake {
  readonly requests: RecordedRequest[] = [];
  readonly accepted: Accepted[] = [];
  /** Every webhook POST made: where, with which headers, what came back. */
  readonly deliveries: { url: string; headers: Record<string, string>; body: unknown; status: number }[] = [];
  readonly webhookFailures: string[] = [];
  private readonly channels = new Map<string, Dialog360Channel>();
  /** Webhook config per number (phone number id), set through any of its valid keys. */
  private readonly webhooks = new Map<string, WebhookConfig>();
  private keysIssued = 0;
  private faults: Dialog360Fault[] = [];
  private downFault: Dialog360Fault | null = null;
  private server: Server | null = null;
  private pending = new Set<Promise<unknown>>();
  baseUrl = '';

  constructor(readonly opts: Dialog360FakeOptions = {}) {
    for (const [key, ch] of Object.entries(opts.apiKeys ?? {})) this.addApiKey(key, ch);
  }

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

  /**
   * Makes `apiKey` valid for a channel (what the partner hub's "generate API key" does). As on
   * 360dialog, a new key for a number revokes that number's older keys; its webhook config stays.
   */
  addApiKey(apiKey: string, channel: Partial<Dialog360Channel> = {}): void {
    const ch: Dialog360Channel = {
      phoneNumberId: channel.phoneNumberId ?? String(100000000000000 + ++this.keysIssued),
      displayPhoneNumber: channel.displayPhoneNumber ?? '15550783881',
      wabaId: channel.wabaId ?? '102290129340398',
    };
    for (const [k, other] of this.channels)
      if (other.phoneNumberId === ch.phoneNumberId) this.channels.delete(k);
    this.channels.set(apiKey, ch);
  }

  /** The number a valid key identifies. */
  numberOf(apiKey: string): Dialog360Channel | undefined {
    return this.channels.get(apiKey);
  }

  /** The valid key of a number (the newest: a new key revokes the older ones). */
  apiKeyOf(phoneNumberId: string): string | undefined {
    return [...this.channels].find(([, ch]) => ch.phoneNumberId === phoneNumberId)?.[0];
  }

  exportState(): Dialog360FakeState {
    return { channels: [...this.channels], webhooks: [...this.webhooks], keysIssued: this.keysIssued };
  }

  importState(s: Dialog360FakeState): void {
    for (const [k, ch] of s.channels) this.channels.set(k, ch);
    for (const [n, w] of s.webhooks) this.webhooks.set(n, w);
    this.keysIssued = Math.max(this.keysIssued, s.keysIssued);
  }

  revokeApiKey(apiKey: string): void {
    this.channels.delete(apiKey);
  }

  /** The webhook configured for the key's number, or null. */
  webhookConfig(apiKey: string): WebhookConfig | null {
    const ch = this.channels.get(apiKey);
    return (ch && this.webhooks.get(ch.phoneNumberId)) ?? null;
  }

  /** The next `n` sends answer with this fault. */
  failNext(fault: Dialog360Fault, n = 1): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  /** Every send answers with this fault until `up()`. */
  down(fault: Dialog360Fault = { shape: 'html', httpStatus: 503 }): void {
    this.downFault = fault;
  }

  up(): void {
    this.downFault = null;
  }

  /** Accepted sends of one of our messages (biz_opaque_callback_data ends with `:<messageId>`). */
  sendsFor(messageId: string): Accepted[] {
    return this.accepted.filter(
      (a) => String(a.body.biz_opaque_callback_data ?? '').split(':')[1] === messageId,
    );
  }

  /** Forwards status webhooks for the key's number; resolves with each POST's HTTP status. */
  async emitStatuses(apiKey: string, statuses: FakeStatus[], knobs: DeliveryKnobs = {}): Promise<number[]> {
    const ch = this.channel(apiKey);
    const list = knobs.reverse ? [...statuses].reverse() : statuses;
    const batches = knobs.separate ? list.map((s) => [s]) : [list];
    const out: number[] = [];
    for (const batch of batches) {
      const payload = this.envelope(ch, { statuses: batch.map((s) => cloudStatusObject(s)) });
      out.push(...(await this.deliver(apiKey, payload, knobs)));
    }
    return out;
  }

  /** Forwards one inbound message (a user writing to the key's number); `message` overrides the text one. */
  async emitInbound(
    apiKey: string,
    m: { from: string; wamid?: string; name?: string; text?: string; message?: Record<string, unknown> },
    knobs: DeliveryKnobs = {},
  ): Promise<number[]> {
    const ch = this.channel(apiKey);
    const payload = this.envelope(ch, cloudInboundValue({ ...m, wamid: m.wamid ?? this.wamid() }));
    return this.deliver(apiKey, payload, knobs);
  }

  /**
   * POSTs any payload to the key's configured webhook URL with its custom headers (no signature:
   * 360dialog cannot sign with Meta's app secret). Throws when no webhook is configured.
   */
  async deliver(
    apiKey: string,
    payload: unknown,
    knobs: Pick<DeliveryKnobs, 'duplicate'> = {},
  ): Promise<number[]> {
    const cfg = this.webhookConfig(apiKey);
    if (!cfg) throw new Error(`no webhook configured for this api key`);
    const raw = JSON.stringify(payload);
    const times = knobs.duplicate ? 2 : 1;
    const out: number[] = [];
    for (let i = 0; i < times; i++) {
      const headers = { ...cfg.headers, 'content-type': 'application/json' };
      const res = await fetch(cfg.url, { method: 'POST', headers, body: raw });
      await res.arrayBuffer();
      this.deliveries.push({ url: cfg.url, headers, body: payload, status: res.status });
      out.push(res.status);
    }
    return out;
  }

  private channel(apiKey: string): Dialog360Channel {
    const ch = this.channels.get(apiKey);
    if (!ch) throw new Error('unknown api key');
    return ch;
  }

  private envelope(ch: Dialog360Channel, value: Record<string, unknown>) {
    return cloudEnvelope(ch, value);
  }

  private wamid(): string {
    return newWamid();
  }

  /** One request (public: a simulator serves two hosts' fakes on one port). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    let parsed = true;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
      parsed = false;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body, at: Date.now() });
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));

    const apiKey = req.headers['d360-api-key'];
    const known = typeof apiKey === 'string' && this.channels.has(apiKey);
    const route = `${req.method} ${path}`;
    if (!['POST /messages', 'GET /v1/configs/webhook', 'POST /v1/configs/webhook'].includes(route))
      return this.d360(res, 404, 'Not found');
    if (!known) return this.d360(res, 401, 'Invalid api_key');
    const key = apiKey;
    if (path === '/v1/configs/webhook') {
      if (req.method === 'GET')
        return this.json(res, 200, this.webhookConfig(key) ?? { url: null, headers: {} });
      return this.setWebhook(res, key, parsed ? body : undefined);
    }

    const fault = this.faults.shift() ?? this.downFault;
    if (fault) return this.fail(res, fault);
    if (!parsed || !body || typeof body !== 'object' || Array.isArray(body))
      return this.json(res, 400, { error: 'Invalid request' });
    const b = body as Record<string, unknown>;
    const problem = validate(b);
    if (problem) return this.fail(res, problem);

    const wamid = this.wamid();
    const accepted = { wamid, apiKey: key, body: b, at: Date.now() };
    this.accepted.push(accepted);
    this.opts.onAccepted?.(accepted);
    this.json(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: b.to, wa_id: String(b.to).replace(/\D/g, '') }],
      messages: [{ id: wamid, message_status: 'accepted' }],
    });
    const auto = this.opts.autoStatuses;
    if (auto?.length && this.webhookConfig(key)) {
      const callbackData =
        typeof b.biz_opaque_callback_data === 'string' ? b.biz_opaque_callback_data : undefined;
      const p = this.emitStatuses(
        key,
        auto.map((status) => ({ wamid, status, callbackData, to: String(b.to) })),
      )
        .then((codes) => {
          if (codes.some((c) => c !== 200)) this.webhookFailures.push(`${wamid}: HTTP ${codes.join(',')}`);
        })
        .catch((e: unknown) => void this.webhookFailures.push(`${wamid}: ${(e as Error).message}`))
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  private setWebhook(res: ServerResponse, apiKey: string, body: unknown): void {
    const b = (body ?? {}) as { url?: unknown; headers?: unknown };
    let url: URL | null;
    try {
      url = typeof b.url === 'string' ? new URL(b.url) : null;
    } catch {
      url = null;
    }
    if (!url || !/^https?:$/.test(url.protocol))
      return this.d360(res, 400, 'Invalid webhook url', [{ field: 'url', message: 'must be a valid URL' }]);
    if ((this.opts.rejectWebhookUnderscore ?? true) && String(b.url).includes('_'))
      return this.d360(res, 400, 'Invalid webhook url', [{ field: 'url', message: 'must not contain "_"' }]);
    if ((this.opts.rejectWebhookPort ?? true) && url.port !== '')
      return this.d360(res, 400, 'Invalid webhook url', [
        { field: 'url', message: 'must not contain a port' },
      ]);
    const headers = b.headers ?? {};
    if (
      typeof headers !== 'object' ||
      Array.isArray(headers) ||
      Object.values(headers as object).some((v) => typeof v !== 'string')
    )
      return this.d360(res, 400, 'Invalid headers', [
        { field: 'headers', message: 'must map names to strings' },
      ]);
    const cfg: WebhookConfig = { url: String(b.url), headers: { ...(headers as Record<string, string>) } };
    this.webhooks.set(this.channel(apiKey).phoneNumberId, cfg);
    this.json(res, 200, cfg);
  }

  private fail(res: ServerResponse, f: Dialog360Fault): void {
    if (f.shape === 'network') {
      res.socket?.destroy();
      return;
    }
    if (f.retryAfter) res.setHeader('Retry-After', f.retryAfter);
    switch (f.shape) {
      case 'graph':
        return this.json(res, f.httpStatus, {
          error: {
            message: f.message ?? `(#${f.code}) error`,
            type: 'OAuthException',
            code: f.code,
            error_data: { messaging_product: 'whatsapp', details: f.message ?? 'error' },
            is_transient: f.isTransient ?? false,
            fbtrace_id: randomBytes(8).toString('base64url'),
          },
        });
      case 'd360':
        return this.d360(res, f.httpStatus, f.developerMessage ?? 'Request failed', f.details);
      case 'plain':
        return this.json(res, f.httpStatus, { error: f.error ?? 'Invalid request' });
      case 'html':
        res.writeHead(f.httpStatus, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>${f.httpStatus}</h1></body></html>`);
    }
  }

  private d360(res: ServerResponse, status: number, developerMessage: string, details?: unknown[]): void {
    this.json(res, status, {
      meta: {
        success: false,
        http_code: status,
        developer_message: developerMessage,
        ...(details ? { details } : {}),
        '360dialog_trace_id': randomBytes(8).toString('hex'),
      },
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** Meta's checks pass through 360dialog as Graph errors; a missing messaging_product is 360dialog's own. */
function validate(b: Record<string, unknown>): Dialog360Fault | null {
  if (b.messaging_product !== 'whatsapp')
    return { shape: 'd360', httpStatus: 400, developerMessage: 'messaging_product is required' };
  const p = validateCloudMessage(b);
  return p && { shape: 'graph', httpStatus: 400, code: p.code, message: p.message };
}
