import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DebugTokenInfo, InjectedFault } from './meta-graph.fake';

/**
 * Meta's Embedded Signup server endpoints for MetaGraphFake (reference/official-platform.md A5;
 * OpenAPI business-messaging v23 `/register`, `/deregister`, `/subscribed_apps`, `/phone_numbers`):
 * - `GET /{v}/oauth/access_token?client_id&client_secret&code`: a code is single-use and lives
 *   `ttlMs`; a second use → OAuthException 100/36009 "This authorization code has been used." (A5);
 *   an expired one → 100/36007 and an unknown one → 100 (subcodes beyond 36009 are not in the
 *   reference: modelled alike). Success answers `{access_token, token_type:"bearer"}` and makes the
 *   token a business token of the code's WABA (debug_token granular_scopes, sends from its numbers).
 * - `GET|POST|DELETE /{v}/{waba}/subscribed_apps`, `GET /{v}/{waba}/phone_numbers`,
 *   `POST /{v}/{phone}/register` (`messaging_product`, 6-digit `pin`; 133005 when the number already
 *   has another two-step PIN), `POST /{v}/{phone}/deregister` (100/2207051 when not registered).
 *   A token of another WABA → 403 200/1349174; an unknown token → 401 190; unknown number → 404 803.
 * - `GET /{v}/{phone-number-id}` (OpenAPI `getPhoneNumberById`): `{id, display_phone_number,
 *   verified_name, quality_rating}` for a token of the number's WABA (or the token it sends with);
 *   a number the token cannot see and one that does not exist get the same Graph answer, 400
 *   100/33 "Unsupported get request…"; an unknown token → 401 190. `ownNumber` sets up a number a
 *   tenant already has (sender registration's ownership check, issue 15).
 * Fault injection per endpoint: fail the next N (any Graph error), down until up, hold (hang) the
 * next request until released.
 */
export type EsEndpoint =
  'oauth' | 'subscribed_apps' | 'phone_numbers' | 'phone_number' | 'register' | 'deregister';

export interface EsPhone {
  id: string;
  display_phone_number: string;
  verified_name?: string;
}

interface EsHost {
  opts: { tokens: Record<string, string>; oauthApp?: { appId: string; appSecret: string } };
  setTokenInfo(token: string, info: DebugTokenInfo): void;
}

const ROUTES: Array<{ ep: EsEndpoint; methods: string[]; re: RegExp }> = [
  { ep: 'oauth', methods: ['GET'], re: /^\/v\d+\.\d+\/oauth\/access_token$/ },
  { ep: 'subscribed_apps', methods: ['GET', 'POST', 'DELETE'], re: /^\/v\d+\.\d+\/(\d+)\/subscribed_apps$/ },
  { ep: 'phone_numbers', methods: ['GET'], re: /^\/v\d+\.\d+\/(\d+)\/phone_numbers$/ },
  { ep: 'phone_number', methods: ['GET'], re: /^\/v\d+\.\d+\/(\d+)$/ },
  { ep: 'register', methods: ['POST'], re: /^\/v\d+\.\d+\/(\d+)\/register$/ },
  { ep: 'deregister', methods: ['POST'], re: /^\/v\d+\.\d+\/(\d+)\/deregister$/ },
];

export class MetaEsFake {
  readonly codes = new Map<string, { token: string; wabaId: string; expiresAt: number; used: boolean }>();
  readonly wabas = new Map<string, { phones: EsPhone[]; subscribedApps: Set<string> }>();
  /** business token → the WABA it was granted. */
  readonly businessTokens = new Map<string, string>();
  /** phone number id → the PIN it is registered with. */
  readonly registered = new Map<string, string>();
  /** phone number id → a two-step PIN set before (another PIN at register → 133005). */
  readonly twoStepPins = new Map<string, string>();
  /** Codes exchanged successfully, in order (a code appears at most once). */
  readonly exchanged: string[] = [];
  readonly calls: Array<{ ep: EsEndpoint; method: string; id?: string }> = [];
  private faults = new Map<EsEndpoint, InjectedFault[]>();
  private downs = new Map<EsEndpoint, InjectedFault>();
  private holds = new Map<EsEndpoint, Promise<void>[]>();
  private releases: Array<() => void> = [];

  constructor(private readonly host: EsHost) {}

  addWaba(wabaId: string, phones: EsPhone[]): void {
    this.wabas.set(wabaId, { phones, subscribedApps: new Set() });
  }

  /** A number a tenant already has: `token` is a system-user token of `wabaId`, which lists the number. */
  ownNumber(o: { wabaId: string; phoneNumberId: string; token: string; displayPhoneNumber?: string }): void {
    const waba = this.wabas.get(o.wabaId) ?? { phones: [], subscribedApps: new Set<string>() };
    if (!waba.phones.some((p) => p.id === o.phoneNumberId))
      waba.phones.push({ id: o.phoneNumberId, display_phone_number: o.displayPhoneNumber ?? '15550783881' });
    this.wabas.set(o.wabaId, waba);
    this.businessTokens.set(o.token, o.wabaId);
    this.host.opts.tokens[o.phoneNumberId] = o.token;
  }

  /** A code as FB.login hands it out: exchangeable once, for `ttlMs`, into `token` for `wabaId`. */
  issueCode(code: string, g: { token: string; wabaId: string; ttlMs?: number }): void {
    this.codes.set(code, {
      token: g.token,
      wabaId: g.wabaId,
      expiresAt: Date.now() + (g.ttlMs ?? 30_000),
      used: false,
    });
  }

  failNext(ep: EsEndpoint, fault: InjectedFault, n = 1): void {
    const list = this.faults.get(ep) ?? [];
    for (let i = 0; i < n; i++) list.push(fault);
    this.faults.set(ep, list);
  }

  down(ep: EsEndpoint, fault: InjectedFault): void {
    this.downs.set(ep, fault);
  }

  up(ep: EsEndpoint): void {
    this.downs.delete(ep);
  }

  /** The next request to `ep` gets no answer until the returned function is called (or the fake stops). */
  holdNext(ep: EsEndpoint): () => void {
    let release!: () => void;
    const p = new Promise<void>((r) => (release = r));
    this.holds.set(ep, [...(this.holds.get(ep) ?? []), p]);
    this.releases.push(release);
    return release;
  }

  releaseAll(): void {
    for (const r of this.releases) r();
  }

  callsTo(ep: EsEndpoint, method?: string): number {
    return this.calls.filter((c) => c.ep === ep && (!method || c.method === method)).length;
  }

  /** Handles an Embedded Signup request; false when the path is not one of them. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, body: unknown): Promise<boolean> {
    const method = req.method ?? '';
    const route = ROUTES.find((r) => r.methods.includes(method) && r.re.test(path));
    if (!route) return false;
    const id = route.re.exec(path)?.[1];
    this.calls.push({ ep: route.ep, method, id });
    const hold = this.holds.get(route.ep)?.shift();
    if (hold) await hold;
    const fault = this.faults.get(route.ep)?.shift() ?? this.downs.get(route.ep);
    if (fault) return this.error(res, fault);
    const q = new URL(req.url ?? '', 'http://x').searchParams;
    switch (route.ep) {
      case 'oauth':
        return this.oauth(res, q);
      case 'subscribed_apps':
        return this.subscribedApps(req, res, method, id as string);
      case 'phone_numbers':
        return this.phoneNumbers(req, res, id as string);
      case 'phone_number':
        return this.phoneNumber(req, res, id as string);
      case 'register':
        return this.register(req, res, id as string, body as Record<string, unknown> | null);
      case 'deregister':
        return this.deregister(req, res, id as string);
    }
  }

  private oauth(res: ServerResponse, q: URLSearchParams): boolean {
    const app = this.host.opts.oauthApp;
    if (!app || q.get('client_id') !== app.appId || q.get('client_secret') !== app.appSecret)
      return this.error(res, {
        httpStatus: 400,
        code: 101,
        message: 'Error validating application. Invalid application ID.',
      });
    const code = q.get('code');
    if (!code) return this.error(res, { httpStatus: 400, code: 100, message: 'Missing code parameter.' });
    const grant = this.codes.get(code);
    if (!grant)
      return this.error(res, { httpStatus: 400, code: 100, message: 'Invalid verification code format.' });
    if (grant.used)
      return this.error(res, {
        httpStatus: 400,
        code: 100,
        subcode: 36009,
        message: 'This authorization code has been used.',
      });
    if (grant.expiresAt <= Date.now())
      return this.error(res, {
        httpStatus: 400,
        code: 100,
        subcode: 36007,
        message: 'This authorization code has expired.',
      });
    grant.used = true;
    this.exchanged.push(code);
    this.businessTokens.set(grant.token, grant.wabaId);
    const targets = [grant.wabaId];
    this.host.setTokenInfo(grant.token, {
      isValid: true,
      expiresAt: 0,
      type: 'SYSTEM_USER',
      granularScopes: [
        { scope: 'whatsapp_business_management', target_ids: targets },
        { scope: 'whatsapp_business_messaging', target_ids: targets },
      ],
    });
    for (const p of this.wabas.get(grant.wabaId)?.phones ?? []) this.host.opts.tokens[p.id] = grant.token;
    return this.json(res, 200, { access_token: grant.token, token_type: 'bearer' });
  }

  /** The WABA the request's token may act on, else the Graph error already answered. */
  private authorize(req: IncomingMessage, res: ServerResponse, wabaId: string | undefined): string | null {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const granted = this.businessTokens.get(bearer);
    if (!granted) {
      this.error(res, { httpStatus: 401, code: 190, subcode: 463, message: 'Invalid OAuth access token' });
      return null;
    }
    if (!wabaId || !this.wabas.has(wabaId)) {
      this.error(res, {
        httpStatus: 404,
        code: 803,
        message: 'Phone number or WhatsApp Business Account not found',
      });
      return null;
    }
    if (granted !== wabaId) {
      this.error(res, {
        httpStatus: 403,
        code: 200,
        subcode: 1349174,
        message: "Your app doesn't have permission to access this resource",
      });
      return null;
    }
    return wabaId;
  }

  /** The WABA that lists a number, if any. */
  wabaOfPhone(phoneId: string): string | undefined {
    for (const [id, w] of this.wabas) if (w.phones.some((p) => p.id === phoneId)) return id;
    return undefined;
  }

  private subscribedApps(req: IncomingMessage, res: ServerResponse, method: string, wabaId: string): boolean {
    if (!this.authorize(req, res, wabaId)) return true;
    const apps = (this.wabas.get(wabaId) as { subscribedApps: Set<string> }).subscribedApps;
    const appId = this.host.opts.oauthApp?.appId ?? '1234567890';
    if (method === 'POST') apps.add(appId);
    if (method === 'DELETE') apps.delete(appId);
    if (method !== 'GET') return this.json(res, 200, { success: true });
    return this.json(res, 200, {
      data: [...apps].map((id) => ({
        whatsapp_business_api_data: {
          id,
          name: 'Durable WhatsApp (fake)',
          link: `https://www.facebook.com/games/?app_id=${id}`,
        },
      })),
    });
  }

  private phoneNumbers(req: IncomingMessage, res: ServerResponse, wabaId: string): boolean {
    if (!this.authorize(req, res, wabaId)) return true;
    const phones = (this.wabas.get(wabaId) as { phones: EsPhone[] }).phones;
    return this.json(res, 200, {
      data: phones.map((p) => ({
        id: p.id,
        display_phone_number: p.display_phone_number,
        verified_name: p.verified_name ?? 'Fake Business',
        status: this.registered.has(p.id) ? 'CONNECTED' : 'PENDING',
        quality_rating: 'GREEN',
        code_verification_status: 'VERIFIED',
      })),
      paging: { cursors: { before: 'QVFIUmFm', after: 'QVFIUmFk' } },
    });
  }

  private phoneNumber(req: IncomingMessage, res: ServerResponse, phoneId: string): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const sendsWith = this.host.opts.tokens[phoneId] === bearer;
    const granted = this.businessTokens.get(bearer);
    if (!granted && !Object.values(this.host.opts.tokens).includes(bearer))
      return this.error(res, { httpStatus: 401, code: 190, message: 'Invalid OAuth access token' });
    const wabaId = this.wabaOfPhone(phoneId);
    const phone = wabaId ? this.wabas.get(wabaId)?.phones.find((p) => p.id === phoneId) : undefined;
    if (!phone || !(sendsWith || granted === wabaId))
      return this.error(res, {
        httpStatus: 400,
        code: 100,
        subcode: 33,
        message: `Unsupported get request. Object with ID '${phoneId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
    return this.json(res, 200, {
      id: phone.id,
      display_phone_number: phone.display_phone_number,
      verified_name: phone.verified_name ?? 'Fake Business',
      quality_rating: 'GREEN',
    });
  }

  private register(
    req: IncomingMessage,
    res: ServerResponse,
    phoneId: string,
    b: Record<string, unknown> | null,
  ): boolean {
    if (!this.authorize(req, res, this.wabaOfPhone(phoneId))) return true;
    if (b?.messaging_product !== 'whatsapp')
      return this.error(res, {
        httpStatus: 400,
        code: 100,
        message: '(#100) The parameter messaging_product is required.',
      });
    if (typeof b.pin !== 'string' || !/^\d{6}$/.test(b.pin))
      return this.error(res, {
        httpStatus: 400,
        code: 100,
        message: 'Invalid PIN format. PIN must be exactly 6 digits',
      });
    const existing = this.twoStepPins.get(phoneId);
    if (existing !== undefined && existing !== b.pin)
      return this.error(res, {
        httpStatus: 400,
        code: 133005,
        message: 'Two step verification PIN Mismatch',
      });
    this.registered.set(phoneId, b.pin);
    this.twoStepPins.set(phoneId, b.pin);
    return this.json(res, 200, { success: true });
  }

  private deregister(req: IncomingMessage, res: ServerResponse, phoneId: string): boolean {
    if (!this.authorize(req, res, this.wabaOfPhone(phoneId))) return true;
    if (!this.registered.delete(phoneId))
      return this.error(res, {
        httpStatus: 400,
        code: 100,
        subcode: 2207051,
        message: 'Phone number not registered on the WhatsApp Business Platform.',
      });
    return this.json(res, 200, { success: true });
  }

  private error(res: ServerResponse, f: InjectedFault): true {
    if (f.retryAfter) res.setHeader('Retry-After', f.retryAfter);
    return this.json(res, f.httpStatus, {
      error: {
        message: f.message ?? `(#${f.code}) error`,
        type: 'OAuthException',
        code: f.code,
        ...(f.subcode === undefined ? {} : { error_subcode: f.subcode }),
        is_transient: f.isTransient ?? false,
        fbtrace_id: randomBytes(8).toString('base64url'),
      },
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): true {
    res.writeHead(status, { 'content-type': 'application/json', 'facebook-api-version': 'v23.0' });
    res.end(JSON.stringify(body));
    return true;
  }
}
