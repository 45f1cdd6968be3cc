import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { newWamid } from '../cloud-api.payloads';
import { ControlError, digits, handler, parse, recipientOf, recordRoutes, timingBody } from '../sim-app';
import { metaFault, metaStatusError } from './meta-error-codes';
import type { EsPhone } from './meta-es.fake';
import type { MetaSimContext } from './meta.simulator';

const metaId = z.string().regex(/^\d{5,30}$/, 'must be digits');
const userNumber = z.string().regex(/^\+?\d{6,15}$/, 'must be a phone number (digits, optional +)');
const statusName = z.enum(['sent', 'delivered', 'read', 'failed']);

const numberBody = z.strictObject({
  wabaId: metaId.optional(),
  phoneNumberId: metaId.optional(),
  displayPhoneNumber: z
    .string()
    .regex(/^\+?[\d\s()-]{7,24}$/, 'must be a phone number')
    .optional(),
  verifiedName: z.string().min(1).max(100).optional(),
});
const signupBody = numberBody.extend({
  codeTtlMs: z.number().int().min(1_000).max(3_600_000).optional(),
  /** The business portfolio the FINISH event names (the signup dialog shows it first). */
  businessId: metaId.optional(),
});
const inboundBody = z.strictObject({
  from: userNumber,
  phoneNumberId: metaId.optional(),
  /** Our number, as displayed (digits compared). */
  to: z.string().optional(),
  text: z.string().min(1).max(4096).optional(),
  name: z.string().min(1).max(100).optional(),
  /** A whole Cloud API message (`type` and its object), instead of `text`. */
  message: z.record(z.string(), z.unknown()).optional(),
  /** The wamid the customer replies to (`context`). */
  replyTo: z.string().optional(),
});
const errorBody = z.strictObject({
  code: z.number().int().min(0),
  subcode: z.number().int().optional(),
  httpStatus: z.number().int().min(400).max(599).optional(),
  message: z.string().min(1).max(500).optional(),
  retryAfter: z.string().regex(/^\d+$/).optional(),
});
const failNextBody = errorBody.extend({
  count: z.number().int().min(1).max(1_000).default(1),
  /** Accept the send, then report it `failed` by webhook (131047, 131026, 131049 …). */
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

const displayOf = (p: EsPhone) => p.display_phone_number.replace(/\D/g, '');
const newDisplay = () => `+1 555-${digits(3)}-${digits(4)}`;

/**
 * The Meta simulator's control API (`/_sim`): the business side (an Embedded Signup that yields a
 * code, a number with a system-user token), the customer side (inbound messages), and the knobs
 * (errors by code, status timing, a status now, Meta's webhook handshake), plus what was sent and
 * delivered. Every route is documented in README ("Official platform simulators").
 */
export function metaControlRoutes(ctx: MetaSimContext): Router {
  const { graph, deliveries, settings } = ctx;
  const es = graph.es;
  const r = Router();

  const phones = () => [...es.wabas].flatMap(([wabaId, w]) => w.phones.map((p) => ({ wabaId, p })));
  /** A number in a WABA (both created as needed), as Embedded Signup or Business Manager sets it up. */
  const addNumber = (b: z.output<typeof numberBody>) => {
    const wabaId = b.wabaId ?? digits(15);
    const waba = es.wabas.get(wabaId) ?? { phones: [], subscribedApps: new Set<string>() };
    es.wabas.set(wabaId, waba);
    const phoneNumberId = b.phoneNumberId ?? digits(15);
    const taken = phones().find((x) => x.p.id === phoneNumberId);
    if (taken && taken.wabaId !== wabaId)
      throw new ControlError(409, `phone number ${phoneNumberId} is in WABA ${taken.wabaId}`);
    let phone = waba.phones.find((p) => p.id === phoneNumberId);
    if (!phone) {
      phone = {
        id: phoneNumberId,
        display_phone_number: b.displayPhoneNumber ?? newDisplay(),
        verified_name: b.verifiedName ?? 'Simulated Business',
      };
      waba.phones.push(phone);
    }
    return { wabaId, phoneNumberId, displayPhoneNumber: displayOf(phone) };
  };

  r.get('/', (_req, res) => {
    res.json({
      provider: 'meta',
      appId: ctx.opts.appId,
      webhookUrl: ctx.opts.webhookUrl,
      numbers: phones().map(({ wabaId, p }) => ({
        wabaId,
        phoneNumberId: p.id,
        displayPhoneNumber: displayOf(p),
        registered: es.registered.has(p.id),
        appSubscribed: (es.wabas.get(wabaId)?.subscribedApps.size ?? 0) > 0,
      })),
      settings,
      sent: ctx.sent.length,
    });
  });

  r.post(
    '/signup',
    handler((req, res) => {
      const b = parse(signupBody, req.body);
      const n = addNumber(b);
      const code = `AQ${randomBytes(48).toString('base64url')}`;
      const ttlMs = b.codeTtlMs ?? ctx.opts.codeTtlMs ?? 30_000;
      es.issueCode(code, { token: `EAAG${randomBytes(48).toString('base64url')}`, wabaId: n.wabaId, ttlMs });
      res.status(201).json({
        code,
        expiresAt: new Date(Date.now() + ttlMs).toISOString(),
        ...n,
        // The page's FB.login callback gets `code`; its message listener gets this event (a JSON string).
        finishEvent: {
          type: 'WA_EMBEDDED_SIGNUP',
          event: 'FINISH',
          version: '3',
          data: {
            phone_number_id: n.phoneNumberId,
            waba_id: n.wabaId,
            business_id: b.businessId ?? digits(15),
          },
        },
      });
    }),
  );

  r.post(
    '/numbers',
    handler((req, res) => {
      const n = addNumber(parse(numberBody, req.body));
      const accessToken = `EAAG${randomBytes(48).toString('base64url')}`;
      ctx.grantToken(accessToken, n.wabaId);
      // A number in use on the Cloud API is registered already.
      es.registered.set(n.phoneNumberId, es.registered.get(n.phoneNumberId) ?? '000000');
      res.status(201).json({ ...n, accessToken });
    }),
  );

  r.post(
    '/inbound',
    handler(async (req, res) => {
      const b = parse(inboundBody, req.body);
      const candidates = phones().filter(
        ({ p }) =>
          (!b.phoneNumberId || p.id === b.phoneNumberId) &&
          (!b.to || displayOf(p) === b.to.replace(/\D/g, '')),
      );
      const from = b.from.replace(/\D/g, '');
      const wrote = [...ctx.sent]
        .reverse()
        .find((x) => x.to === from && candidates.some((c) => c.p.id === x.phoneNumberId));
      const { p } = recipientOf(
        candidates,
        candidates.find((c) => c.p.id === wrote?.phoneNumberId),
        'number',
        'name one with phoneNumberId or to (create one with POST /_sim/signup or /_sim/numbers)',
      );
      const wamid = newWamid();
      const content = b.message ?? { type: 'text', text: { body: b.text ?? 'Hello' } };
      const message = b.replyTo ? { ...content, context: { from: displayOf(p), id: b.replyTo } } : content;
      ctx.windows.opened(p.id, from);
      await deliveries.chain(wamid, [
        {
          label: 'inbound',
          afterMs: 0,
          post: () => graph.emitInbound({ phoneNumberId: p.id, wamid, from, name: b.name, message }),
        },
      ]);
      res.json({ wamid, phoneNumberId: p.id, from, webhook: deliveries.lastOf(wamid) });
    }),
  );

  r.post(
    '/fail-next',
    handler((req, res) => {
      const b = parse(failNextBody, req.body);
      if (b.async) for (let i = 0; i < b.count; i++) ctx.asyncFailures.push(b);
      else graph.failNext(metaFault(b), b.count);
      res.json({
        queued: b.count,
        mode: b.async ? 'failed status webhook' : 'error answer',
        error: metaFault(b),
      });
    }),
  );

  r.post(
    '/down',
    handler((req, res) => {
      const fault = metaFault(parse(errorBody, { code: 2, ...req.body }));
      graph.down(fault);
      res.json({ down: true, error: fault });
    }),
  );
  r.delete('/down', (_req, res) => {
    graph.up();
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

  r.post(
    '/verify-webhook',
    handler(async (_req, res) => {
      const token = ctx.opts.verifyToken;
      if (!token) throw new ControlError(409, 'no verify token configured (META_WEBHOOK_VERIFY_TOKEN)');
      const challenge = digits(10);
      const url = new URL(ctx.opts.webhookUrl);
      url.search = new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.verify_token': token,
        'hub.challenge': challenge,
      }).toString();
      const answer = await fetch(url);
      const body = await answer.text();
      res.json({ verified: answer.status === 200 && body === challenge, httpStatus: answer.status, body });
    }),
  );
  return r;
}
