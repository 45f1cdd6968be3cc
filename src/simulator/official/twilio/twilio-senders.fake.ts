import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { close, listen } from '../http-listener';

/**
 * A local stand-in for Twilio's Senders API (`messaging.twilio.com`, reference/official-platform.md C,
 * twilio-oai `twilio_messaging_v2.json`), from the documented contract only:
 * - HTTP Basic `AccountSid:AuthToken`; wrong → 401 `{code:20003, message:"Authenticate", …}`;
 * - `POST /v2/Channels/Senders` (JSON: `sender_id` `whatsapp:+E164`, `configuration.waba_id`, `webhook`) →
 *   202 `{sid:"XE…", status:"CREATING", …}`; the same sender_id twice in an account → 409 (code not in the
 *   reference: 20409 here);
 * - `GET /v2/Channels/Senders/{Sid}`: each poll advances the sender — CREATING, then after `pollsUntilDone`
 *   polls the outcome: ONLINE, OFFLINE (with `offline_reasons`), or PENDING_VERIFICATION for ever;
 *   a PENDING_VERIFICATION sender stays so until the right OTP is POSTed, then VERIFYING, then ONLINE after
 *   `pollsAfterVerification` polls;
 * - `POST /v2/Channels/Senders/{Sid}` `{configuration:{verification_code}}` (update) on a PENDING_VERIFICATION
 *   sender: right code → 200 VERIFYING; wrong → 400 (code not in the reference: 63150 here); not pending → 400;
 * - `GET /v2/Channels/Senders?Channel=whatsapp` → `{senders, meta}`; `DELETE …/{Sid}` → 204, unknown → 404 20404.
 * Errors are Twilio's `{code, message, more_info, status}`. Fault injection per endpoint: fail the next N (or do the work and lose the answer),
 * down until up, hold (hang) the next request until released.
 */
export type SendersEndpoint = 'create' | 'fetch' | 'list' | 'delete' | 'update';
export type SenderOutcome = 'online' | 'offline' | 'pending';

export type TwilioFault =
  | { httpStatus: number; code: number; message?: string; retryAfter?: string }
  /** The connection drops before Twilio does anything. */
  | { network: true }
  /** Twilio does the work, then the connection drops: the answer is lost. */
  | { lostAnswer: true };

export interface FakeSender {
  sid: string;
  accountSid: string;
  senderId: string;
  body: Record<string, unknown>;
  polls: number;
  status: string;
  /** Poll count when the right verification code arrived. */
  verifiedAtPoll?: number;
}

export interface TwilioSendersFakeOptions {
  /** AccountSid → AuthToken. */
  accounts: Record<string, string>;
  /** Polls (GET) before the outcome shows (default 2). */
  pollsUntilDone?: number;
  outcome?: SenderOutcome;
  /** The OTP Twilio "sent" to a PENDING_VERIFICATION sender (default 123456), and the polls after it until ONLINE (default 2). */
  verificationCode?: string;
  pollsAfterVerification?: number;
}

const rest = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

export class TwilioSendersFake {
  readonly senders = new Map<string, FakeSender>();
  readonly deleted: string[] = [];
  readonly calls: { ep: SendersEndpoint; headers: IncomingMessage['headers']; body: unknown }[] = [];
  private faults = new Map<SendersEndpoint, TwilioFault[]>();
  private downs = new Map<SendersEndpoint, TwilioFault>();
  private holds = new Map<SendersEndpoint, Promise<void>[]>();
  private releases: Array<() => void> = [];
  private server: Server | null = null;
  baseUrl = '';

  constructor(readonly opts: TwilioSendersFakeOptions) {}

  /** Listens on loopback, a free port unless told (a simulator of the local stack names its own). */
  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const { server, url } = await listen((req, res) => void this.handle(req, res), port, host);
    this.server = server;
    this.baseUrl = url;
    return this;
  }

  async stop(): Promise<void> {
    for (const r of this.releases) r();
    await close(this.server);
  }

  failNext(ep: SendersEndpoint, fault: TwilioFault, n = 1): void {
    this.faults.set(ep, [...(this.faults.get(ep) ?? []), ...Array.from({ length: n }, () => fault)]);
  }

  down(ep: SendersEndpoint, fault: TwilioFault): void {
    this.downs.set(ep, fault);
  }

  up(ep: SendersEndpoint): void {
    this.downs.delete(ep);
  }

  holdNext(ep: SendersEndpoint): () => void {
    let release!: () => void;
    const p = new Promise<void>((r) => (release = r));
    this.holds.set(ep, [...(this.holds.get(ep) ?? []), p]);
    this.releases.push(release);
    return release;
  }

  /**
   * A WhatsApp sender the account already has, ONLINE (what a tenant registers by hand with
   * `POST /v1/senders`; its ownership check lists the account's senders).
   */
  addExisting(accountSid: string, phoneNumber: string): FakeSender {
    const s: FakeSender = {
      sid: `XE${randomBytes(16).toString('hex')}`,
      accountSid,
      senderId: `whatsapp:+${phoneNumber.replace(/\D/g, '')}`,
      body: {},
      polls: 0,
      status: 'ONLINE',
    };
    this.senders.set(s.sid, s);
    return s;
  }

  /** What a simulator keeps across restarts: the senders. */
  exportState(): FakeSender[] {
    return [...this.senders.values()];
  }

  importState(senders: FakeSender[]): void {
    for (const s of senders) this.senders.set(s.sid, s);
  }

  callsTo(ep: SendersEndpoint): number {
    return this.calls.filter((c) => c.ep === ep).length;
  }

  bySenderId(senderId: string): FakeSender | undefined {
    return [...this.senders.values()].find((s) => s.senderId === senderId);
  }

  private account(req: IncomingMessage): string | null {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return null;
    const [sid, token] = Buffer.from(m[1] as string, 'base64')
      .toString('utf8')
      .split(':');
    return sid && this.opts.accounts[sid] !== undefined && this.opts.accounts[sid] === token ? sid : null;
  }

  /** One request (public: a simulator serves two hosts' fakes on one port). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '', 'http://x');
    const one = /^\/v2\/Channels\/Senders\/([^/]+)$/.exec(url.pathname);
    const coll = url.pathname === '/v2/Channels/Senders';
    const ep: SendersEndpoint | null =
      coll && req.method === 'POST'
        ? 'create'
        : coll && req.method === 'GET'
          ? 'list'
          : one && req.method === 'GET'
            ? 'fetch'
            : one && req.method === 'POST'
              ? 'update'
              : one && req.method === 'DELETE'
                ? 'delete'
                : null;
    if (!ep)
      return this.json(res, 404, rest(404, 20404, `The requested resource ${url.pathname} was not found`));
    this.calls.push({ ep, headers: req.headers, body });
    const hold = this.holds.get(ep)?.shift();
    if (hold) await hold;
    const fault = this.faults.get(ep)?.shift() ?? this.downs.get(ep);
    if (fault && 'lostAnswer' in fault) {
      const sink = { writeHead: () => sink, setHeader: () => sink, end: () => res.socket?.destroy() };
      return this.route(sink as unknown as ServerResponse, req, ep, url, one, body);
    }
    if (fault) {
      if ('network' in fault) return void res.socket?.destroy();
      if (fault.retryAfter) res.setHeader('Retry-After', fault.retryAfter);
      return this.json(res, fault.httpStatus, rest(fault.httpStatus, fault.code, fault.message ?? 'Error'));
    }
    return this.route(res, req, ep, url, one, body);
  }

  private route(
    res: ServerResponse,
    req: IncomingMessage,
    ep: SendersEndpoint,
    url: URL,
    one: RegExpExecArray | null,
    body: unknown,
  ): void {
    const account = this.account(req);
    if (!account) return this.json(res, 401, rest(401, 20003, 'Authenticate'));
    const sid = one ? decodeURIComponent(one[1] as string) : '';
    const mine = this.senders.get(sid);
    const notFound = () =>
      this.json(
        res,
        404,
        rest(404, 20404, `The requested resource /v2/Channels/Senders/${sid} was not found`),
      );
    switch (ep) {
      case 'create':
        return this.create(res, account, body);
      case 'list':
        if (url.searchParams.get('Channel') !== 'whatsapp')
          return this.json(res, 400, rest(400, 20001, 'Channel is required (whatsapp or rcs)'));
        return this.json(res, 200, {
          senders: [...this.senders.values()]
            .filter((s) => s.accountSid === account)
            .map((s) => this.wire(s)),
          meta: {
            page: 0,
            page_size: 1000,
            first_page_url: `${this.baseUrl}${url.pathname}`,
            previous_page_url: null,
            next_page_url: null,
            url: `${this.baseUrl}${url.pathname}`,
            key: 'senders',
          },
        });
      case 'fetch':
        if (!mine || mine.accountSid !== account) return notFound();
        this.advance(mine);
        return this.json(res, 200, this.wire(mine));
      case 'update':
        if (!mine || mine.accountSid !== account) return notFound();
        return this.update(res, mine, body);
      case 'delete':
        if (!mine || mine.accountSid !== account) return notFound();
        this.senders.delete(sid);
        this.deleted.push(sid);
        res.writeHead(204);
        return void res.end();
    }
  }

  private create(res: ServerResponse, account: string, body: unknown): void {
    const b = body as { sender_id?: unknown; configuration?: { waba_id?: unknown } } | null | undefined;
    if (!b || typeof b.sender_id !== 'string' || !/^whatsapp:\+[1-9]\d{7,14}$/.test(b.sender_id))
      return this.json(res, 400, rest(400, 20001, "Invalid 'sender_id': expected whatsapp:<E.164 number>"));
    if (typeof b.configuration?.waba_id !== 'string' || b.configuration.waba_id === '')
      return this.json(res, 400, rest(400, 20001, "Missing 'configuration.waba_id'"));
    const existing = this.bySenderId(b.sender_id);
    if (existing && existing.accountSid === account)
      return this.json(res, 409, rest(409, 20409, `Sender ${b.sender_id} already exists`));
    const s: FakeSender = {
      sid: `XE${randomBytes(16).toString('hex')}`,
      accountSid: account,
      senderId: b.sender_id,
      body: b as Record<string, unknown>,
      polls: 0,
      status: 'CREATING',
    };
    this.senders.set(s.sid, s);
    this.json(res, 202, this.wire(s));
  }

  /** Only the verification code is updatable here (the rest of the update body is not modelled). */
  private update(res: ServerResponse, s: FakeSender, body: unknown): void {
    const code = (body as { configuration?: { verification_code?: unknown } } | null)?.configuration
      ?.verification_code;
    if (typeof code !== 'string' || code === '')
      return this.json(res, 400, rest(400, 20001, "Missing 'configuration.verification_code'"));
    if (s.status !== 'PENDING_VERIFICATION')
      return this.json(res, 400, rest(400, 20001, `Sender ${s.sid} is not pending verification`));
    if (code !== (this.opts.verificationCode ?? '123456'))
      return this.json(res, 400, rest(400, 63150, 'The verification code is invalid'));
    s.status = 'VERIFYING';
    s.verifiedAtPoll = s.polls;
    this.json(res, 200, this.wire(s));
  }

  private advance(s: FakeSender): void {
    s.polls += 1;
    if (s.verifiedAtPoll !== undefined) {
      if (s.polls - s.verifiedAtPoll >= (this.opts.pollsAfterVerification ?? 2)) s.status = 'ONLINE';
      return;
    }
    if (s.polls < (this.opts.pollsUntilDone ?? 2)) return;
    const outcome = this.opts.outcome ?? 'online';
    s.status = outcome === 'online' ? 'ONLINE' : outcome === 'offline' ? 'OFFLINE' : 'PENDING_VERIFICATION';
  }

  private wire(s: FakeSender): Record<string, unknown> {
    const cfg = (s.body.configuration ?? {}) as Record<string, unknown>;
    return {
      sid: s.sid,
      status: s.status,
      sender_id: s.senderId,
      configuration: {
        waba_id: cfg.waba_id ?? null,
        verification_method: cfg.verification_method ?? 'sms',
        verification_code: null,
        voice_application_sid: null,
        account_type: null,
      },
      webhook: s.body.webhook ?? null,
      profile: s.body.profile ?? null,
      properties:
        s.status === 'ONLINE' ? { quality_rating: 'HIGH', messaging_limit: '10K Customers/24hr' } : null,
      offline_reasons:
        s.status === 'OFFLINE'
          ? [
              {
                code: '30008',
                message: 'No delivery',
                more_info: 'https://www.twilio.com/docs/api/errors/30008',
              },
            ]
          : null,
      compliance: null,
      url: `${this.baseUrl}/v2/Channels/Senders/${s.sid}`,
    };
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
