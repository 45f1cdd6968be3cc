import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { close, listen } from '../http-listener';

/**
 * A local stand-in for 360dialog's Partner API (`hub.360dialog.io/api/v2`, reference/official-platform.md B),
 * from the documented contract only:
 * - auth `X-API-Key: <partner api key>` (the recommended method); a wrong key → 401;
 * - `GET /api/v2/partners/{partner_id}/channels?filters={"id":…}` → `{partner_channels:[…], count, total,
 *   offset, limit, sort, filters}`, each channel with `setup_info.phone_number` and `waba_account.external_id`;
 * - `POST /api/v2/partners/{partner_id}/channels/{channel_id}/api_keys` → `{api_keys:[{address, api_key,
 *   app_id, id}]}`; it needs the partner's permission on the channel (403 without), and a new key revokes the
 *   channel's older ones — `onApiKey` lets the messaging fake (test/fakes/dialog360.fake.ts) learn the key.
 * Errors use 360dialog's envelope `{"meta":{"success":false,"http_code",…,"developer_message"}}`. Fault
 * injection per endpoint: fail the next N, down until up, hold (hang) the next request until released.
 */
export type HubEndpoint = 'channels' | 'api_keys';

export interface HubChannel {
  id: string;
  clientId: string;
  /** As the hub shows it, e.g. "+49 30 1234567". */
  phoneNumber: string | null;
  wabaId: string;
  /** The partner may generate this channel's API key (Partner Payment, or granted by the client). */
  permission?: boolean;
}

export type HubFault =
  { httpStatus: number; developerMessage?: string; retryAfter?: string } | { network: true };

export interface Dialog360HubFakeOptions {
  partnerId: string;
  partnerApiKey: string;
  channels?: HubChannel[];
  /** Called with every key generated (e.g. `dialog360Fake.addApiKey(key, …)`). */
  onApiKey?: (channel: HubChannel, apiKey: string) => void;
}

export class Dialog360HubFake {
  readonly channels = new Map<string, HubChannel>();
  readonly keysIssued: { channelId: string; apiKey: string }[] = [];
  readonly calls: {
    ep: HubEndpoint;
    method: string;
    headers: IncomingMessage['headers'];
    channelId?: string;
  }[] = [];
  private faults = new Map<HubEndpoint, HubFault[]>();
  private downs = new Map<HubEndpoint, HubFault>();
  private holds = new Map<HubEndpoint, Promise<void>[]>();
  private releases: Array<() => void> = [];
  private server: Server | null = null;
  baseUrl = '';

  constructor(readonly opts: Dialog360HubFakeOptions) {
    for (const ch of opts.channels ?? []) this.channels.set(ch.id, ch);
  }

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

  addChannel(ch: HubChannel): void {
    this.channels.set(ch.id, ch);
  }

  failNext(ep: HubEndpoint, fault: HubFault, n = 1): void {
    this.faults.set(ep, [...(this.faults.get(ep) ?? []), ...Array.from({ length: n }, () => fault)]);
  }

  down(ep: HubEndpoint, fault: HubFault): void {
    this.downs.set(ep, fault);
  }

  up(ep: HubEndpoint): void {
    this.downs.delete(ep);
  }

  holdNext(ep: HubEndpoint): () => void {
    let release!: () => void;
    const p = new Promise<void>((r) => (release = r));
    this.holds.set(ep, [...(this.holds.get(ep) ?? []), p]);
    this.releases.push(release);
    return release;
  }

  callsTo(ep: HubEndpoint): number {
    return this.calls.filter((c) => c.ep === ep).length;
  }

  /** One request (public: a simulator serves two hosts' fakes on one port). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req) void _;
    const url = new URL(req.url ?? '', 'http://x');
    const list = /^\/api\/v2\/partners\/([^/]+)\/channels$/.exec(url.pathname);
    const keys = /^\/api\/v2\/partners\/([^/]+)\/channels\/([^/]+)\/api_keys$/.exec(url.pathname);
    const ep: HubEndpoint | null =
      req.method === 'GET' && list ? 'channels' : req.method === 'POST' && keys ? 'api_keys' : null;
    if (!ep) return this.fail(res, 404, 'Not found');
    const partnerId = decodeURIComponent((list ?? keys)?.[1] ?? '');
    const channelId = keys ? decodeURIComponent(keys[2] ?? '') : undefined;
    this.calls.push({ ep, method: req.method ?? '', headers: req.headers, channelId });
    const hold = this.holds.get(ep)?.shift();
    if (hold) await hold;
    const fault = this.faults.get(ep)?.shift() ?? this.downs.get(ep);
    if (fault) {
      if ('network' in fault) return void res.socket?.destroy();
      if (fault.retryAfter) res.setHeader('Retry-After', fault.retryAfter);
      return this.fail(res, fault.httpStatus, fault.developerMessage ?? 'Request failed');
    }
    if (req.headers['x-api-key'] !== this.opts.partnerApiKey) return this.fail(res, 401, 'Invalid API key');
    if (partnerId !== this.opts.partnerId)
      return this.fail(res, 403, 'Access to this partner is not allowed');
    if (ep === 'channels') return this.listChannels(res, url.searchParams.get('filters'));
    const ch = this.channels.get(channelId ?? '');
    if (!ch) return this.fail(res, 404, `Channel ${channelId} not found`);
    if (ch.permission === false)
      return this.fail(res, 403, 'Partner has no permission to generate an API key for this channel');
    const apiKey = randomBytes(24).toString('base64url');
    this.keysIssued.push({ channelId: ch.id, apiKey });
    this.opts.onApiKey?.(ch, apiKey);
    this.json(res, 201, {
      api_keys: [
        {
          address: 'https://waba-v2.360dialog.io',
          api_key: apiKey,
          app_id: '12345',
          id: randomBytes(6).toString('hex'),
        },
      ],
    });
  }

  private listChannels(res: ServerResponse, filters: string | null): void {
    let wanted: { id?: string } = {};
    try {
      wanted = filters ? (JSON.parse(filters) as { id?: string }) : {};
    } catch {
      return this.fail(res, 400, 'filters must be a JSON object');
    }
    const found = [...this.channels.values()].filter((c) => !wanted.id || c.id === wanted.id);
    this.json(res, 200, {
      count: found.length,
      filters: wanted,
      limit: 20,
      offset: 0,
      sort: ['id'],
      total: found.length,
      partner_channels: found.map((c) => ({
        id: c.id,
        client_id: c.clientId,
        status: 'ready',
        setup_info: { phone_number: c.phoneNumber, phone_name: 'Fake Business' },
        waba_account: { id: `wa_${c.id}`, external_id: c.wabaId },
        created_at: '2025-01-01T00:00:00Z',
      })),
    });
  }

  private fail(res: ServerResponse, status: number, developerMessage: string): void {
    this.json(res, status, {
      meta: { success: false, http_code: status, developer_message: developerMessage },
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
