import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { newWamid } from '../cloud-api.payloads';
import { metaFault, metaStatusError } from '../meta/meta-error-codes';
import { ControlError, digits, handler, parse, recipientOf, recordRoutes, timingBody } from '../sim-app';
import type { Dialog360Fault } from './dialog360.fake';
import type { Dialog360SimContext } from './dialog360.simulator';

const id = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must match ^[A-Za-z0-9_-]{1,40}$');
const statusName = z.enum(['sent', 'delivered', 'read', 'failed']);

const channelBody = z.strictObject({
  clientId: id.optional(),
  channelId: id.optional(),
  /** As the hub shows it, e.g. "+49 30 1234567". */
  phoneNumber: z
    .string()
    .regex(/^\+?[\d\s()-]{7,24}$/, 'must be a phone number')
    .optional(),
  wabaId: z
    .string()
    .regex(/^\d{5,30}$/)
    .optional(),
  /** The partner may mint the channel's API key (false: the client did not grant it). */
  permission: z.boolean().default(true),
});
const inboundBody = z.strictObject({
  from: z.string().regex(/^\+?\d{6,15}$/, 'must be a phone number'),
  channelId: id.optional(),
  to: z.string().optional(),
  text: z.string().min(1).max(4096).optional(),
  name: z.string().min(1).max(100).optional(),
  message: z.record(z.string(), z.unknown()).optional(),
  replyTo: z.string().optional(),
});
const failBody = z.strictObject({
  /** A Meta error code, passed through in Graph's shape (360dialog forwards Meta's answers). */
  code: z.number().int().min(0).optional(),
  /** 360dialog's own envelope, its terse `{"error"}`, a proxy's HTML page, or a dropped connection. */
  shape: z.enum(['graph', 'd360', 'plain', 'html', 'network']).optional(),
  httpStatus: z.number().int().min(400).max(599).optional(),
  message: z.string().min(1).max(500).optional(),
  retryAfter: z.string().regex(/^\d+$/).optional(),
  count: z.number().int().min(1).max(1_000).default(1),
  async: z.boolean().default(false),
});
const statusBody = z.strictObject({
  wamid: z.string(),
  status: statusName,
  errorCode: z.number().int().optional(),
});
const settingsBody = z.strictObject({
  statusDelaysMs: timingBody.optional(),
  statuses: z.array(statusName).max(8).optional(),
  enforceWindow: z.boolean().optional(),
});

const alnum = (n: number) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);

/** The send answer a fail-next body asks for. */
function faultOf(b: z.output<typeof failBody>): Dialog360Fault {
  const shape = b.shape ?? (b.code !== undefined ? 'graph' : 'd360');
  switch (shape) {
    case 'graph': {
      const f = metaFault({ ...b, code: b.code ?? 131000 });
      return {
        shape,
        httpStatus: f.httpStatus,
        code: f.code ?? 131000,
        message: f.message,
        retryAfter: b.retryAfter,
        isTransient: f.isTransient,
      };
    }
    case 'd360':
      return {
        shape,
        httpStatus: b.httpStatus ?? 400,
        developerMessage: b.message,
        retryAfter: b.retryAfter,
      };
    case 'plain':
      return { shape, httpStatus: b.httpStatus ?? 400, error: b.message, retryAfter: b.retryAfter };
    case 'html':
      return { shape, httpStatus: b.httpStatus ?? 502, retryAfter: b.retryAfter };
    case 'network':
      return { shape };
  }
}

/**
 * The 360dialog simulator's control API (`/_sim`): the client side of Integrated Onboarding (a
 * channel granted to the partner, with the redirect query 360dialog would send), the customer side
 * (inbound messages to the number's webhook), knobs (errors, timing, a status now) and records.
 */
export function dialog360ControlRoutes(ctx: Dialog360SimContext): Router {
  const { hub, waba, deliveries, settings } = ctx;
  const r = Router();

  const channels = () =>
    [...hub.channels.values()].map((ch) => {
      const phoneNumberId = ctx.phoneIds.get(ch.id) ?? '';
      const key = waba.apiKeyOf(phoneNumberId);
      const webhook = key ? waba.webhookConfig(key) : null;
      return {
        channelId: ch.id,
        clientId: ch.clientId,
        phoneNumber: ch.phoneNumber,
        wabaId: ch.wabaId,
        phoneNumberId,
        permission: ch.permission !== false,
        apiKeyIssued: !!key,
        webhook: webhook && { url: webhook.url, headers: Object.keys(webhook.headers) },
      };
    });

  r.get('/', (_req, res) => {
    res.json({ provider: '360dialog', partnerId: ctx.opts.partnerId, channels: channels(), settings });
  });

  r.post(
    '/channels',
    handler((req, res) => {
      const b = parse(channelBody, req.body);
      const channelId = b.channelId ?? `${alnum(6)}CH`;
      if (hub.channels.has(channelId)) throw new ControlError(409, `channel ${channelId} exists`);
      const clientId = b.clientId ?? `${alnum(6)}CL`;
      const phoneNumber = b.phoneNumber ?? `+49 30 ${digits(7)}`;
      const wabaId = b.wabaId ?? digits(15);
      hub.addChannel({ id: channelId, clientId, phoneNumber, wabaId, permission: b.permission });
      ctx.phoneIds.set(channelId, digits(15));
      res.status(201).json({
        channelId,
        clientId,
        phoneNumber,
        wabaId,
        phoneNumberId: ctx.phoneIds.get(channelId),
        // What 360dialog appends to the partner's redirect URL once the client granted the channel.
        redirectQuery: `client=${clientId}&channels=[${channelId}]`,
      });
    }),
  );

  r.post(
    '/inbound',
    handler(async (req, res) => {
      const b = parse(inboundBody, req.body);
      const found = channels().filter(
        (c) =>
          (!b.channelId || c.channelId === b.channelId) &&
          (!b.to || (c.phoneNumber ?? '').replace(/\D/g, '') === b.to.replace(/\D/g, '')),
      );
      const from = b.from.replace(/\D/g, '');
      const wrote = [...ctx.sent]
        .reverse()
        .find((x) => x.to === from && found.some((c) => c.phoneNumberId === x.phoneNumberId));
      const ch = recipientOf(
        found,
        found.find((c) => c.phoneNumberId === wrote?.phoneNumberId),
        'channel',
        'name one with channelId or to',
      );
      const key = waba.apiKeyOf(ch.phoneNumberId);
      if (!key || !waba.webhookConfig(key))
        throw new ControlError(409, `channel ${ch.channelId} has no webhook yet (onboard it first)`);
      const wamid = newWamid();
      const content = b.message ?? { type: 'text', text: { body: b.text ?? 'Hello' } };
      const display = (ch.phoneNumber ?? '').replace(/\D/g, '');
      const message = b.replyTo ? { ...content, context: { from: display, id: b.replyTo } } : content;
      ctx.windows.opened(ch.phoneNumberId, from);
      await deliveries.chain(wamid, [
        {
          label: 'inbound',
          afterMs: 0,
          post: async () => (await waba.emitInbound(key, { from, wamid, name: b.name, message }))[0] ?? 0,
        },
      ]);
      res.json({ wamid, channelId: ch.channelId, from, webhook: deliveries.lastOf(wamid) });
    }),
  );

  r.post(
    '/fail-next',
    handler((req, res) => {
      const b = parse(failBody, req.body);
      if (b.async) {
        if (b.code === undefined) throw new ControlError(400, 'async failures need a Meta error code');
        for (let i = 0; i < b.count; i++) ctx.asyncFailures.push({ ...b, code: b.code });
      } else waba.failNext(faultOf(b), b.count);
      res.json({
        queued: b.count,
        mode: b.async ? 'failed status webhook' : 'error answer',
        error: faultOf(b),
      });
    }),
  );
  r.post(
    '/down',
    handler((req, res) => {
      const fault = faultOf(parse(failBody, { shape: 'html', httpStatus: 503, ...req.body }));
      waba.down(fault);
      res.json({ down: true, error: fault });
    }),
  );
  r.delete('/down', (_req, res) => {
    waba.up();
    res.json({ down: false });
  });

  r.post(
    '/status',
    handler(async (req, res) => {
      const b = parse(statusBody, req.body);
      const rec = ctx.sent.find((s) => s.wamid === b.wamid);
      if (!rec) throw new ControlError(404, `no message ${b.wamid} was sent`);
      const errors = b.status === 'failed' ? [metaStatusError({ code: b.errorCode ?? 131026 })] : undefined;
      await deliveries.chain(rec.wamid, [
        { label: `status:${b.status}`, afterMs: 0, post: () => ctx.emit(rec, b.status, errors) },
      ]);
      res.json(deliveries.lastOf(rec.wamid));
    }),
  );

  r.get('/settings', (_req, res) => void res.json(settings));
  r.put(
    '/settings',
    handler((req, res) => {
      const b = parse(settingsBody, req.body);
      Object.assign(settings.statusDelaysMs, b.statusDelaysMs);
      if (b.statuses) settings.statuses = b.statuses;
      if (b.enforceWindow !== undefined) settings.enforceWindow = b.enforceWindow;
      res.json(settings);
    }),
  );

  recordRoutes(r, deliveries, ctx.sent, (s) => s.wamid);
  return r;
}
