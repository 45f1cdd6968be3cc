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
import { twilioControlRoutes } from './twilio-control.routes';
import { twilioErrorMessage } from './twilio-error-codes';
import { TwilioSendersFake, type FakeSender, type SenderOutcome } from './twilio-senders.fake';
import { TwilioFake, type TwilioStatus } from './twilio.fake';

/**
 * Twilio for the local stack, both hosts on one port: the Messages API (api.twilio.com,
 * `/2010-04-01/Accounts/{sid}/Messages.json`) and the Senders API (messaging.twilio.com,
 * `/v2/Channels/Senders…`), answering as the fakes do. A send needs an ONLINE WhatsApp sender of
 * the account as From (63007 otherwise); its status callbacks (`X-Twilio-Signature` with the
 * account's auth token) go to the message's StatusCallback, one per status after its delay; a
 * free-form Body to a user outside the 24-hour window is accepted, then `failed` 63016, as Twilio
 * reports it. Inbound messages go to the sender's webhook, else to `inboundUrl`.
 */
export interface TwilioSimulatorOptions {
  /** The server's account (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN). */
  accountSid: string;
  authToken: string;
  /** Where inbound messages of a sender without its own webhook go: our `${PUBLIC_BASE_URL}/webhooks/twilio`. */
  inboundUrl: string;
  timing?: Partial<StatusTiming>;
  retryDelaysMs?: number[];
}

export interface TwilioSimSettings {
  statusDelaysMs: StatusTiming;
  statuses: TwilioStatus[];
  enforceWindow: boolean;
}

export interface TwilioSentRecord {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  contentSid: string | null;
  form: Record<string, string | string[]>;
  at: string;
}

export interface TwilioAsyncFailure {
  code: number;
  message?: string;
  status: 'failed' | 'undelivered';
}

export interface TwilioSimContext {
  opts: TwilioSimulatorOptions;
  /** AccountSid → AuthToken, shared by both APIs. */
  accounts: Record<string, string>;
  messages: TwilioFake;
  senders: TwilioSendersFake;
  deliveries: Deliveries;
  windows: CustomerWindows;
  settings: TwilioSimSettings;
  sent: TwilioSentRecord[];
  asyncFailures: TwilioAsyncFailure[];
  emit(
    rec: TwilioSentRecord,
    status: TwilioStatus,
    error?: { code: number; message?: string },
  ): Promise<number>;
}

interface TwilioSimState {
  accounts: Record<string, string>;
  senders: FakeSender[];
  windows: [string, number][];
}

const KEEP_SENT = 1_000;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const digitsOf = (address: string | undefined) =>
  (address ?? '').replace(/^whatsapp:/, '').replace(/\D/g, '');

export function createTwilioSimulator(
  opts: TwilioSimulatorOptions,
): OfficialSimulator & { ctx: TwilioSimContext } {
  const deliveries = new Deliveries(opts.retryDelaysMs);
  const windows = new CustomerWindows();
  const accounts: Record<string, string> = { [opts.accountSid]: opts.authToken };
  const settings: TwilioSimSettings = {
    statusDelaysMs: { ...DEFAULT_TIMING, ...opts.timing },
    statuses: ['sent', 'delivered', 'read'],
    enforceWindow: true,
  };
  const sent: TwilioSentRecord[] = [];
  const asyncFailures: TwilioAsyncFailure[] = [];
  const senders = new TwilioSendersFake({ accounts, pollsUntilDone: 2, outcome: 'online' as SenderOutcome });
  const online = (accountSid: string, digits: string) =>
    senders.bySenderId(`whatsapp:+${digits}`)?.accountSid === accountSid &&
    senders.bySenderId(`whatsapp:+${digits}`)?.status === 'ONLINE';

  const messages: TwilioFake = new TwilioFake({
    accounts,
    senders: online,
    onAccepted: (m) => {
      const rec: TwilioSentRecord = {
        sid: m.sid,
        accountSid: m.accountSid,
        from: digitsOf(one(m.form.From)),
        to: digitsOf(one(m.form.To)),
        contentSid: one(m.form.ContentSid) ?? null,
        form: m.form,
        at: new Date().toISOString(),
      };
      sent.push(rec);
      if (sent.length > KEEP_SENT) sent.splice(0, sent.length - KEEP_SENT);
      if (!m.statusCallback) return;
      const failure = asyncFailures.shift();
      const outside = settings.enforceWindow && !rec.contentSid && !windows.isOpen(rec.from, rec.to);
      const error = failure ?? (outside ? { code: 63016, status: 'failed' as const } : undefined);
      const statuses: TwilioStatus[] = error ? [error.status] : settings.statuses;
      void deliveries.chain(
        m.sid,
        statusSteps(statuses, settings.statusDelaysMs, (s) => ctx.emit(rec, s, error)),
      );
    },
  });

  const ctx: TwilioSimContext = {
    opts,
    accounts,
    messages,
    senders,
    deliveries,
    windows,
    settings,
    sent,
    asyncFailures,
    async emit(rec, status, error) {
      const [code] = await messages.emitStatuses([
        {
          sid: rec.sid,
          status,
          ...(error
            ? { errorCode: error.code, errorMessage: error.message ?? twilioErrorMessage(error.code) }
            : {}),
        },
      ]);
      return code ?? 0;
    },
  };

  const { app, onRequestDone } = simulatorApp(twilioControlRoutes(ctx), (req, res) =>
    req.path.startsWith('/v2/Channels/') ? senders.handle(req, res) : messages.handle(req, res),
  );
  const life = lifecycle(app, async () => {
    await deliveries.close();
    await senders.stop();
    await messages.stop();
  });
  return {
    app,
    deliveries,
    onRequestDone,
    ctx,
    ...life,
    async listen(port, host) {
      const l = await life.listen(port, host);
      // The Senders API's answers carry their own URL.
      senders.baseUrl = l.url;
      return l;
    },
    exportState(): TwilioSimState {
      return { accounts, senders: senders.exportState(), windows: windows.export() };
    },
    importState(raw) {
      const s = raw as Partial<TwilioSimState>;
      // The server's own token is the environment's, whatever an older state says.
      Object.assign(accounts, s.accounts, { [opts.accountSid]: opts.authToken });
      senders.importState(s.senders ?? []);
      windows.import(s.windows);
    },
  };
}
