import { REENGAGEMENT_ERROR } from '../cloud-api.payloads';
import { validateCloudMessage } from '../cloud-api.validate';
import { Deliveries } from '../deliveries';
import {
  CustomerWindows,
  DEFAULT_TIMING,
  lifecycle,
  simulatorApp,
  statusSteps,
  type OfficialSimulator,
  type StatusTiming,
} from '../sim-app';
import { metaControlRoutes } from './meta-control.routes';
import { metaEsPages } from './meta-es.pages';
import { metaStatusError, type RequestedError } from './meta-error-codes';
import { MetaGraphFake, type DebugTokenInfo, type StatusName } from './meta-graph.fake';
import type { EsPhone } from './meta-es.fake';

/**
 * Meta's WhatsApp Cloud API for the local stack (graph.facebook.com stand-in): every send answered
 * as Meta does (MetaGraphFake: `POST /{v}/{phone-number-id}/messages`, its error shapes, the
 * Embedded Signup endpoints, debug_token), then its statuses posted to our `/webhooks/meta`, signed
 * with the app secret, one webhook per status after its delay (sent → delivered → read; a
 * reaction gets only `sent`; a free-form message outside the 24-hour window `failed` 131047, as
 * Meta reports it: after accepting it). The control API (`/_sim`, meta-control.routes.ts) plays
 * the business's and the customer's side; Embedded Signup's SDK and dialog (meta-es.pages.ts) the
 * browser's, for the signup page in simulator mode.
 */
export interface MetaSimulatorOptions {
  appId: string;
  appSecret: string;
  /** Our `POST /webhooks/meta`. */
  webhookUrl: string;
  /** META_WEBHOOK_VERIFY_TOKEN, for `POST /_sim/verify-webhook` (Meta's GET handshake). */
  verifyToken?: string;
  timing?: Partial<StatusTiming>;
  retryDelaysMs?: number[];
  /** Lifetime of an Embedded Signup code (Meta: about 30 s). */
  codeTtlMs?: number;
  /** META_ES_CONFIG_ID: the configuration id the signup dialog (`/{v}/dialog/oauth`) must be given. */
  configId?: string;
}

export interface MetaSimSettings {
  statusDelaysMs: StatusTiming;
  /** The statuses that follow an accepted message, in order. */
  statuses: StatusName[];
  /** Free-form messages to a user who has not written in 24 h fail with 131047 (settings are not kept across restarts). */
  enforceWindow: boolean;
}

export interface MetaSentRecord {
  wamid: string;
  phoneNumberId: string;
  to: string;
  type: string;
  body: Record<string, unknown>;
  at: string;
}

/** What the control routes work with. */
export interface MetaSimContext {
  opts: MetaSimulatorOptions;
  graph: MetaGraphFake;
  deliveries: Deliveries;
  windows: CustomerWindows;
  settings: MetaSimSettings;
  sent: MetaSentRecord[];
  /** The next sends are accepted, then fail by webhook with these errors. */
  asyncFailures: RequestedError[];
  /** Posts one status of a recorded send. */
  emit(rec: MetaSentRecord, status: StatusName, errors?: unknown[]): Promise<number>;
  /** A token valid for a WABA's numbers (what Embedded Signup or a system user gives). */
  grantToken(token: string, wabaId: string): void;
}

const KEEP_SENT = 1_000;

interface MetaSimState {
  tokens: Record<string, string>;
  debugTokens: Record<string, DebugTokenInfo>;
  wabas: [string, { phones: EsPhone[]; subscribedApps: string[] }][];
  businessTokens: [string, string][];
  registered: [string, string][];
  twoStepPins: [string, string][];
  windows: [string, number][];
}

export function createMetaSimulator(opts: MetaSimulatorOptions): OfficialSimulator & { ctx: MetaSimContext } {
  const deliveries = new Deliveries(opts.retryDelaysMs);
  const windows = new CustomerWindows();
  const settings: MetaSimSettings = {
    statusDelaysMs: { ...DEFAULT_TIMING, ...opts.timing },
    statuses: ['sent', 'delivered', 'read'],
    enforceWindow: true,
  };
  const sent: MetaSentRecord[] = [];
  const asyncFailures: RequestedError[] = [];

  const graph: MetaGraphFake = new MetaGraphFake({
    tokens: {},
    webhookUrl: opts.webhookUrl,
    appSecret: opts.appSecret,
    debugTokens: {},
    appAccessToken: `${opts.appId}|${opts.appSecret}`,
    oauthApp: { appId: opts.appId, appSecret: opts.appSecret },
    validate: validateCloudMessage,
    onAccepted: ({ wamid, phoneNumberId, body }) => {
      const rec: MetaSentRecord = {
        wamid,
        phoneNumberId,
        to: String(body.to).replace(/\D/g, ''),
        type: String(body.type),
        body,
        at: new Date().toISOString(),
      };
      sent.push(rec);
      if (sent.length > KEEP_SENT) sent.splice(0, sent.length - KEEP_SENT);
      const failure = asyncFailures.shift();
      const outside =
        settings.enforceWindow && rec.type !== 'template' && !windows.isOpen(phoneNumberId, rec.to);
      const errors = failure ? [metaStatusError(failure)] : outside ? [REENGAGEMENT_ERROR] : undefined;
      const statuses: StatusName[] = errors
        ? ['failed']
        : rec.type === 'reaction'
          ? ['sent']
          : settings.statuses;
      void deliveries.chain(
        wamid,
        statusSteps(statuses, settings.statusDelaysMs, (status) => ctx.emit(rec, status, errors)),
      );
    },
  });

  const ctx: MetaSimContext = {
    opts,
    graph,
    deliveries,
    windows,
    settings,
    sent,
    asyncFailures,
    emit: (rec, status, errors) =>
      graph.emitStatuses(
        [
          {
            wamid: rec.wamid,
            status,
            to: rec.to,
            errors,
            callbackData:
              typeof rec.body.biz_opaque_callback_data === 'string'
                ? rec.body.biz_opaque_callback_data
                : undefined,
          },
        ],
        rec.phoneNumberId,
      ),
    grantToken(token, wabaId) {
      graph.es.businessTokens.set(token, wabaId);
      graph.setTokenInfo(token, {
        isValid: true,
        expiresAt: 0,
        type: 'SYSTEM_USER',
        granularScopes: [
          { scope: 'whatsapp_business_management', target_ids: [wabaId] },
          { scope: 'whatsapp_business_messaging', target_ids: [wabaId] },
        ],
      });
      for (const p of graph.es.wabas.get(wabaId)?.phones ?? []) graph.opts.tokens[p.id] = token;
    },
  };

  // The signup page's side of Embedded Signup (the SDK and its dialog), then Graph.
  const pages = metaEsPages({ appId: opts.appId, configId: opts.configId });
  const { app, onRequestDone } = simulatorApp(metaControlRoutes(ctx), (req, res) => {
    pages(req, res, () => void graph.handle(req, res));
  });
  const life = lifecycle(app, async () => {
    await deliveries.close();
    await graph.stop();
  });
  const es = graph.es;
  return {
    app,
    deliveries,
    onRequestDone,
    ctx,
    ...life,
    exportState(): MetaSimState {
      return {
        tokens: graph.opts.tokens,
        debugTokens: graph.opts.debugTokens ?? {},
        wabas: [...es.wabas].map(([id, w]) => [
          id,
          { phones: w.phones, subscribedApps: [...w.subscribedApps] },
        ]),
        businessTokens: [...es.businessTokens],
        registered: [...es.registered],
        twoStepPins: [...es.twoStepPins],
        windows: windows.export(),
      };
    },
    importState(raw) {
      const s = raw as Partial<MetaSimState>;
      Object.assign(graph.opts.tokens, s.tokens);
      graph.opts.debugTokens = { ...graph.opts.debugTokens, ...s.debugTokens };
      for (const [id, w] of s.wabas ?? [])
        es.wabas.set(id, { phones: w.phones, subscribedApps: new Set(w.subscribedApps) });
      for (const [k, v] of s.businessTokens ?? []) es.businessTokens.set(k, v);
      for (const [k, v] of s.registered ?? []) es.registered.set(k, v);
      for (const [k, v] of s.twoStepPins ?? []) es.twoStepPins.set(k, v);
      windows.import(s.windows);
    },
  };
}
