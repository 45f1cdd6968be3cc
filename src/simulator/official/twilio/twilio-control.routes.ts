import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { ControlError, digits, handler, parse, recipientOf, recordRoutes, timingBody } from '../sim-app';
import { twilioErrorHttp, twilioErrorMessage } from './twilio-error-codes';
import type { TwilioSimContext } from './twilio.simulator';

const e164 = z.string().regex(/^\+?[1-9]\d{7,14}$/, 'must be an E.164 phone number');
const statusName = z.enum(['queued', 'sent', 'delivered', 'read', 'failed', 'undelivered']);

const senderBody = z.strictObject({
  phoneNumber: e164.optional(),
  /** An account the simulator knows; absent = a new account (a tenant's own). */
  accountSid: z
    .string()
    .regex(/^AC[0-9a-f]{32}$/)
    .optional(),
});
const inboundBody = z.strictObject({
  from: e164,
  /** Our number (a WhatsApp sender); optional when there is only one. */
  to: e164.optional(),
  body: z.string().max(1600).optional(),
  profileName: z.string().min(1).max(100).optional(),
  media: z.strictObject({ url: z.url(), contentType: z.string().min(3) }).optional(),
  button: z.strictObject({ payload: z.string(), text: z.string() }).optional(),
  location: z
    .strictObject({
      latitude: z.number(),
      longitude: z.number(),
      address: z.string().optional(),
      label: z.string().optional(),
    })
    .optional(),
});
const failBody = z.strictObject({
  code: z.number().int().min(0).optional(),
  httpStatus: z.number().int().min(400).max(599).optional(),
  message: z.string().min(1).max(500).optional(),
  retryAfter: z.string().regex(/^\d+$/).optional(),
  /** The connection is dropped without an answer. */
  network: z.boolean().default(false),
  count: z.number().int().min(1).max(1_000).default(1),
  /** Accept the send (201), then report it by status callback with this ErrorCode (63016, 63024 …). */
  async: z.boolean().default(false),
  asyncStatus: z.enum(['failed', 'undelivered']).default('failed'),
});
const statusBody = z.strictObject({
  sid: z.string(),
  status: statusName,
  errorCode: z.number().int().optional(),
});
const settingsBody = z.strictObject({
  statusDelaysMs: timingBody.optional(),
  statuses: z.array(statusName).max(8).optional(),
  enforceWindow: z.boolean().optional(),
  /** What a new sender becomes after its first polls: ONLINE, OFFLINE, or PENDING_VERIFICATION (OTP). */
  senderOutcome: z.enum(['online', 'offline', 'pending']).optional(),
  verificationCode: z
    .string()
    .regex(/^\d{4,10}$/)
    .optional(),
});

const hex = (n: number) => randomBytes(n / 2).toString('hex');

/**
 * The Twilio simulator's control API (`/_sim`): the tenant's side (an account with an ONLINE
 * WhatsApp sender, to register with `POST /v1/senders`), the customer side (inbound messages),
 * knobs (errors by code, timing, the Senders API outcome, a status now) and records.
 */
export function twilioControlRoutes(ctx: TwilioSimContext): Router {
  const { messages, senders, deliveries, settings } = ctx;
  const r = Router();

  const settingsView = () => ({
    ...settings,
    senderOutcome: senders.opts.outcome ?? 'online',
    verificationCode: senders.opts.verificationCode ?? '123456',
  });

  r.get('/', (_req, res) => {
    res.json({
      provider: 'twilio',
      accounts: Object.keys(ctx.accounts),
      senders: [...senders.senders.values()].map((s) => ({
        sid: s.sid,
        accountSid: s.accountSid,
        senderId: s.senderId,
        status: s.status,
        webhook: (s.body.webhook as { callback_url?: string } | undefined)?.callback_url ?? null,
      })),
      settings: settingsView(),
    });
  });

  r.post(
    '/senders',
    handler((req, res) => {
      const b = parse(senderBody, req.body);
      if (b.accountSid && ctx.accounts[b.accountSid] === undefined)
        throw new ControlError(404, `unknown account ${b.accountSid}`);
      const accountSid = b.accountSid ?? `AC${hex(32)}`;
      ctx.accounts[accountSid] ??= hex(32);
      const phoneNumber = `+${(b.phoneNumber ?? `1555${digits(7)}`).replace(/\D/g, '')}`;
      if (senders.bySenderId(`whatsapp:${phoneNumber}`))
        throw new ControlError(409, `a sender whatsapp:${phoneNumber} exists`);
      const s = senders.addExisting(accountSid, phoneNumber);
      res.status(201).json({
        accountSid,
        authToken: ctx.accounts[accountSid],
        phoneNumber,
        senderSid: s.sid,
        status: s.status,
      });
    }),
  );

  r.post(
    '/inbound',
    handler(async (req, res) => {
      const b = parse(inboundBody, req.body);
      const to = b.to?.replace(/\D/g, '');
      const found = [...senders.senders.values()].filter(
        (s) => s.status === 'ONLINE' && (!to || s.senderId === `whatsapp:+${to}`),
      );
      const from = b.from.replace(/\D/g, '');
      const wrote = [...ctx.sent]
        .reverse()
        .find((x) => x.to === from && found.some((f) => f.senderId === `whatsapp:+${x.from}`));
      const s = recipientOf(
        found,
        found.find((f) => f.senderId === `whatsapp:+${wrote?.from ?? ''}`),
        'ONLINE sender',
        'name one with to',
      );
      const ours = s.senderId.replace(/\D/g, '');
      const url =
        (s.body.webhook as { callback_url?: string } | undefined)?.callback_url ?? ctx.opts.inboundUrl;
      const messageSid = `${b.media ? 'MM' : 'SM'}${hex(32)}`;
      ctx.windows.opened(ours, from);
      await deliveries.chain(messageSid, [
        {
          label: 'inbound',
          afterMs: 0,
          post: async () =>
            (
              await messages.sendInbound(url, {
                accountSid: s.accountSid,
                from,
                to: ours,
                body: b.body ?? (b.media || b.location || b.button ? '' : 'Hello'),
                profileName: b.profileName,
                media: b.media,
                button: b.button,
                location: b.location,
                messageSid,
              })
            ).status,
        },
      ]);
      res.json({ messageSid, to: `+${ours}`, from: `+${from}`, webhook: deliveries.lastOf(messageSid) });
    }),
  );

  r.post(
    '/fail-next',
    handler((req, res) => {
      const b = parse(failBody, req.body);
      if (!b.network && b.code === undefined)
        throw new ControlError(400, 'code: required (or network: true)');
      const code = b.code ?? 0;
      if (b.async) {
        for (let i = 0; i < b.count; i++)
          ctx.asyncFailures.push({ code, message: b.message, status: b.asyncStatus });
      } else
        messages.failNext(
          b.network
            ? { network: true }
            : {
                httpStatus: b.httpStatus ?? twilioErrorHttp(code),
                code,
                message: b.message ?? twilioErrorMessage(code),
                retryAfter: b.retryAfter,
              },
          b.count,
        );
      res.json({ queued: b.count, mode: b.async ? `${b.asyncStatus} status callback` : 'error answer' });
    }),
  );
  r.post(
    '/down',
    handler((req, res) => {
      const b = parse(failBody, { code: 20503, ...req.body });
      const code = b.code ?? 20503;
      messages.down({
        httpStatus: b.httpStatus ?? twilioErrorHttp(code),
        code,
        message: twilioErrorMessage(code),
      });
      res.json({ down: true });
    }),
  );
  r.delete('/down', (_req, res) => {
    messages.up();
    res.json({ down: false });
  });

  r.post(
    '/status',
    handler(async (req, res) => {
      const b = parse(statusBody, req.body);
      const rec = ctx.sent.find((s) => s.sid === b.sid);
      if (!rec) throw new ControlError(404, `no message ${b.sid} was sent`);
      const error = b.errorCode === undefined ? undefined : { code: b.errorCode };
      await deliveries.chain(rec.sid, [
        { label: `status:${b.status}`, afterMs: 0, post: () => ctx.emit(rec, b.status, error) },
      ]);
      res.json(deliveries.lastOf(rec.sid));
    }),
  );

  r.get('/settings', (_req, res) => void res.json(settingsView()));
  r.put(
    '/settings',
    handler((req, res) => {
      const b = parse(settingsBody, req.body);
      Object.assign(settings.statusDelaysMs, b.statusDelaysMs);
      if (b.statuses) settings.statuses = b.statuses;
      if (b.enforceWindow !== undefined) settings.enforceWindow = b.enforceWindow;
      if (b.senderOutcome) senders.opts.outcome = b.senderOutcome;
      if (b.verificationCode) senders.opts.verificationCode = b.verificationCode;
      res.json(settingsView());
    }),
  );

  recordRoutes(r, deliveries, ctx.sent, (s) => s.sid);
  return r;
}
