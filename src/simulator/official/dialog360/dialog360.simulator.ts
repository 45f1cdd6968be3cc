import { REENGAGEMENT_ERROR } from '../cloud-api.payloads';
import { Deliveries } from '../deliveries';
import { metaStatusError, type RequestedError } from '../meta/meta-error-codes';
import {
  CustomerWindows,
  DEFAULT_TIMING,
  lifecycle,
  simulatorApp,
  statusSteps,
  type OfficialSimulator,
  type StatusTiming,
} from '../sim-app';
import { dialog360ControlRoutes } from './dialog360-control.routes';
import { Dialog360HubFake, type HubChannel } from './dialog360-hub.fake';
import { Dialog360Fake, type Dialog360FakeState, type StatusName } from './dialog360.fake';

/**
 * 360dialog for the local stack, both hosts on one port: the Partner API (hub.360dialog.io,
 * `/api/v2/partners/…`: channels, API keys) and the messaging API (waba-v2.360dialog.io:
 * `POST /messages`, `/v1/configs/webhook`), answering as the fakes do. A key the hub mints works
 * on the messaging API at once; statuses of accepted messages are forwarded to the number's
 * configured webhook with its custom headers (no signature, as 360dialog), one per status after its
 * delay. Unlike 360dialog, a webhook URL with an explicit port is accepted: the local API listens
 * on one (`rejectWebhookPort` to refuse it as 360dialog does).
 */
export interface Dialog360SimulatorOptions {
  partnerId: string;
  partnerApiKey: string;
  timing?: Partial<StatusTiming>;
  retryDelaysMs?: number[];
  rejectWebhookPort?: boolean;
}

export interface Dialog360SimSettings {
  statusDelaysMs: StatusTiming;
  statuses: StatusName[];
  enforceWindow: boolean;
}

export interface Dialog360SentRecord {
  wamid: string;
  channelId: string | null;
  phoneNumberId: string;
  to: string;
  type: string;
  body: Record<string, unknown>;
  at: string;
}

export interface Dialog360SimContext {
  opts: Dialog360SimulatorOptions;
  hub: Dialog360HubFake;
  waba: Dialog360Fake;
  deliveries: Deliveries;
  windows: CustomerWindows;
  settings: Dialog360SimSettings;
  sent: Dialog360SentRecord[];
  asyncFailures: RequestedError[];
  /** channel id → the Meta phone number id behind it. */
  phoneIds: Map<string, string>;
  emit(rec: Dialog360SentRecord, status: StatusName, errors?: unknown[]): Promise<number>;
}

interface Dialog360SimState {
  channels: HubChannel[];
  phoneIds: [string, string][];
  waba: Dialog360FakeState;
  windows: [string, number][];
}

const KEEP_SENT = 1_000;

export function createDialog360Simulator(
  opts: Dialog360SimulatorOptions,
): OfficialSimulator & { ctx: Dialog360SimContext } {
  const deliveries = new Deliveries(opts.retryDelaysMs);
  const windows = new CustomerWindows();
  const phoneIds = new Map<string, string>();
  const settings: Dialog360SimSettings = {
    statusDelaysMs: { ...DEFAULT_TIMING, ...opts.timing },
    statuses: ['sent', 'delivered', 'read'],
    enforceWindow: true,
  };
  const sent: Dialog360SentRecord[] = [];
  const asyncFailures: RequestedError[] = [];
  const channelOf = (phoneNumberId: string) =>
    [...phoneIds].find(([, id]) => id === phoneNumberId)?.[0] ?? null;

  const waba: Dialog360Fake = new Dialog360Fake({
    rejectWebhookPort: opts.rejectWebhookPort ?? false,
    onAccepted: ({ wamid, apiKey, body }) => {
      const phoneNumberId = waba.numberOf(apiKey)?.phoneNumberId ?? '';
      const rec: Dialog360SentRecord = {
        wamid,
        channelId: channelOf(phoneNumberId),
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
        statusSteps(statuses, settings.statusDelaysMs, (s) => ctx.emit(rec, s, errors)),
      );
    },
  });
  const hub = new Dialog360HubFake({
    partnerId: opts.partnerId,
    partnerApiKey: opts.partnerApiKey,
    onApiKey: (ch, apiKey) =>
      waba.addApiKey(apiKey, {
        phoneNumberId: phoneIds.get(ch.id),
        displayPhoneNumber: (ch.phoneNumber ?? '').replace(/\D/g, ''),
        wabaId: ch.wabaId,
      }),
  });

  const ctx: Dialog360SimContext = {
    opts,
    hub,
    waba,
    deliveries,
    windows,
    settings,
    sent,
    asyncFailures,
    phoneIds,
    async emit(rec, status, errors) {
      // The number's current key: a newer key revokes the one the message was sent with.
      const key = waba.apiKeyOf(rec.phoneNumberId);
      if (!key) throw new Error(`no API key for number ${rec.phoneNumberId}`);
      const callbackData =
        typeof rec.body.biz_opaque_callback_data === 'string' ? rec.body.biz_opaque_callback_data : undefined;
      const [code] = await waba.emitStatuses(key, [
        { wamid: rec.wamid, status, to: rec.to, errors, callbackData },
      ]);
      return code ?? 0;
    },
  };

  const { app, onRequestDone } = simulatorApp(dialog360ControlRoutes(ctx), (req, res) =>
    req.path.startsWith('/api/v2/') ? hub.handle(req, res) : waba.handle(req, res),
  );
  const life = lifecycle(app, async () => {
    await deliveries.close();
    await hub.stop();
    await waba.stop();
  });
  return {
    app,
    deliveries,
    onRequestDone,
    ctx,
    ...life,
    exportState(): Dialog360SimState {
      return {
        channels: [...hub.channels.values()],
        phoneIds: [...phoneIds],
        waba: waba.exportState(),
        windows: windows.export(),
      };
    },
    importState(raw) {
      const s = raw as Partial<Dialog360SimState>;
      for (const ch of s.channels ?? []) hub.addChannel(ch);
      for (const [c, p] of s.phoneIds ?? []) phoneIds.set(c, p);
      if (s.waba) waba.importState(s.waba);
      windows.import(s.windows);
    },
  };
}
