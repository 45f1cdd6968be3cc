import { randomBytes, randomUUID } from 'node:crypto';
import axios from 'axios';

/**
 * The gateway simulator's world: sessions that go CREATING → GENERATING_QR (a QR that rotates) →
 * CONNECTED on scan → DISCONNECTED on logout, and the gateway events it posts to a webhook.
 * Statuses are the seed gateway's; the WAHA and Evolution dialects translate them.
 */
export type SimStatus = 'CREATING' | 'CONNECTING' | 'GENERATING_QR' | 'CONNECTED' | 'DISCONNECTED';

/** Whose API created the session: its sends answer, and its acknowledgements post, in that gateway's shapes. */
export type SimDialect = 'seed' | 'waha' | 'evolution';

export interface SimSession {
  id: string;
  dialect: SimDialect;
  /** The linked phone's number (digits), as the gateway reports it (WAHA `me`, Evolution `sender`). */
  me: string;
  token: string;
  status: SimStatus;
  qr: string | null;
  qrCount: number;
  createdAt: string;
  timers: NodeJS.Timeout[];
  /**
   * Registered per session (seed `POST /api/v1/webhook`, WAHA/Evolution create body); wins over
   * `webhookUrl`. `events`: the WAHA/Evolution subscription — acknowledgements go only when listed.
   */
  webhook?: { url: string; headers: Record<string, string>; events?: string[] };
}

export interface SimulatorOptions {
  /** Seed `X-Master-Key`. */
  masterKey: string;
  /** WAHA `X-Api-Key` and Evolution global `apikey` (default: the master key). */
  apiKey?: string;
  webhookUrl?: string;
  /** Sent as `X-Webhook-Secret` with every event. */
  webhookSecret?: string;
  /** CREATING → GENERATING_QR delay (default 300 ms). */
  qrDelayMs?: number;
  /** QR rotation interval (default 20 s, WhatsApp's own pace). */
  qrRotateMs?: number;
  /** `legacy`: unauthenticated GET /api/v1/sessions with tokens; `token` (v1.2.0): Bearer, own session only. */
  listAuth?: 'legacy' | 'token';
  /**
   * WAHA and Evolution sends are acknowledged (sent → delivered → read), each step this long after
   * the one before; null: only when asked (`POST /simulator/sessions/:id/acks`). Default 500 ms.
   */
  ackDelayMs?: number | null;
}

export interface SentMessage {
  sessionId: string;
  messageId: string;
  body: unknown;
  /** The chat it went to, in its gateway's form (WAHA `chatId`, Evolution `remoteJid`); seed: absent. */
  chat?: string;
}

export interface SimEvent {
  event: 'session.update' | 'session.qr' | 'session.logged_out';
  sessionId: string;
  data: { status: SimStatus; detail: string | null; qr: string | null; reason?: string };
  timestamp: string;
}

export class SimulatorState {
  readonly sessions = new Map<string, SimSession>();
  readonly messages: SentMessage[] = [];
  readonly events: SimEvent[] = [];
  /** Successful session creations, per dialect-independent session id (proves no duplicate creates). */
  creates = 0;
  readonly createsById = new Map<string, number>();

  constructor(
    readonly opts: Required<Pick<SimulatorOptions, 'masterKey' | 'qrDelayMs' | 'qrRotateMs' | 'listAuth'>> &
      SimulatorOptions,
  ) {}

  get apiKey(): string {
    return this.opts.apiKey ?? this.opts.masterKey;
  }

  create(id: string, dialect: SimDialect = 'seed'): SimSession {
    const s: SimSession = {
      id,
      dialect,
      me: `1555${(parseInt(randomBytes(4).toString('hex'), 16) % 10_000_000).toString().padStart(7, '0')}`,
      token: randomBytes(24).toString('hex'),
      status: 'CREATING',
      qr: null,
      qrCount: 0,
      createdAt: new Date().toISOString(),
      timers: [],
    };
    this.sessions.set(id, s);
    this.creates += 1;
    this.createsById.set(id, (this.createsById.get(id) ?? 0) + 1);
    this.emit('session.update', s);
    const t = setTimeout(() => {
      if (s.status !== 'CREATING') return;
      this.rotateQr(s);
      const every = setInterval(() => {
        if (s.status === 'GENERATING_QR') this.rotateQr(s);
      }, this.opts.qrRotateMs);
      every.unref();
      s.timers.push(every);
    }, this.opts.qrDelayMs);
    t.unref();
    s.timers.push(t);
    return s;
  }

  private rotateQr(s: SimSession): void {
    s.qrCount += 1;
    s.qr = `2@${randomBytes(30).toString('base64')},${randomBytes(16).toString('base64')},${s.qrCount}`;
    const first = s.status !== 'GENERATING_QR';
    s.status = 'GENERATING_QR';
    this.emit(first ? 'session.update' : 'session.qr', s);
  }

  /**
   * A session by its gateway id, or — for people driving the simulator by hand — by the API's
   * session id, which starts the gateway name (`<sessionId>-<hash>`) when only one session matches.
   */
  resolve(id: string): SimSession | undefined {
    const exact = this.sessions.get(id);
    if (exact) return exact;
    const matches = [...this.sessions.values()].filter((s) => s.id.startsWith(`${id.slice(0, 24)}-`));
    return matches.length === 1 ? matches[0] : undefined;
  }

  scan(id: string): SimSession | null {
    const s = this.resolve(id);
    if (!s || s.status !== 'GENERATING_QR') return null;
    this.stopTimers(s);
    s.status = 'CONNECTED';
    s.qr = null;
    this.emit('session.update', s);
    return s;
  }

  /** The phone unlinked the device (or WhatsApp dropped it): spontaneous logout. */
  logout(id: string, reason = 'logged_out', silent = false): SimSession | null {
    const s = this.resolve(id);
    if (!s) return null;
    this.stopTimers(s);
    s.status = 'DISCONNECTED';
    s.qr = null;
    // `silent`: the gateway never tells anyone (a lost webhook, or one that was never configured).
    if (!silent) this.emit('session.logged_out', s, reason);
    return s;
  }

  setWebhook(id: string, url: string, headers: Record<string, string> = {}, events?: string[]): void {
    const s = this.sessions.get(id);
    if (s) s.webhook = { url, headers, ...(events ? { events } : {}) };
  }

  remove(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s) return false;
    this.stopTimers(s);
    this.sessions.delete(id);
    return true;
  }

  /** A fresh Baileys-like message id (`3EB0` + 16 hex). */
  newMessageKey(): string {
    return `3EB0${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
  }

  recordMessage(
    sessionId: string,
    body: unknown,
    sent: { messageId?: string; chat?: string } = {},
  ): SentMessage {
    const m: SentMessage = {
      sessionId,
      messageId: sent.messageId ?? this.newMessageKey(),
      body,
      ...(sent.chat ? { chat: sent.chat } : {}),
    };
    this.messages.push(m);
    return m;
  }

  sessionByToken(token: string): SimSession | undefined {
    for (const s of this.sessions.values()) if (s.token === token) return s;
    return undefined;
  }

  closeAll(): void {
    for (const s of this.sessions.values()) this.stopTimers(s);
  }

  private stopTimers(s: SimSession): void {
    for (const t of s.timers) clearTimeout(t);
    s.timers = [];
  }

  private emit(event: SimEvent['event'], s: SimSession, reason?: string): void {
    const body: SimEvent = {
      event,
      sessionId: s.id,
      data: { status: s.status, detail: null, qr: s.qr, ...(reason ? { reason } : {}) },
      timestamp: new Date().toISOString(),
    };
    this.events.push(body);
    this.deliver(s, body);
  }

  /** Posts one webhook body for the session the way the seed gateway does; false when no webhook is set. */
  deliver(s: SimSession, body: unknown): boolean {
    if (!this.webhookOf(s)) return false;
    void this.deliverNow(s, body);
    return true;
  }

  /**
   * Like the seed gateway v1.2.0: three attempts, 1 s then 2 s apart (scaled down), then give up.
   * Resolves with the last answer's HTTP status (null: no answer, or no webhook).
   */
  async deliverNow(s: SimSession, body: unknown): Promise<number | null> {
    let last: number | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await this.post(s, body).catch(() => null);
      last = answer?.status ?? null;
      if (last === null && !this.webhookOf(s)) return null;
      if (last !== null && last >= 200 && last < 300) return last;
      if (attempt < 2) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt).unref());
    }
    return last;
  }

  /** One POST of a webhook body (no retry), answering what the receiver said; null without a webhook. */
  async post(s: SimSession, body: unknown): Promise<{ status: number; data: unknown } | null> {
    const target = this.webhookOf(s);
    if (!target) return null;
    const res = await axios.post(target.url, body, {
      headers: target.headers,
      timeout: 5_000,
      validateStatus: () => true,
    });
    return { status: res.status, data: res.data as unknown };
  }

  private webhookOf(s: SimSession): { url: string; headers: Record<string, string> } | null {
    const url = s.webhook?.url ?? this.opts.webhookUrl;
    if (!url) return null;
    const headers =
      s.webhook?.headers ?? (this.opts.webhookSecret ? { 'X-Webhook-Secret': this.opts.webhookSecret } : {});
    return { url, headers };
  }
}
