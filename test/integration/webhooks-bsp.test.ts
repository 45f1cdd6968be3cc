import { Registry } from 'prom-client';
import type { Express } from 'express';
import request from 'supertest';
import { createMetrics } from '../../src/observability/metrics';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { captureLogger } from '../helpers/logger';
import { eventually } from '../helpers/messaging';
import { sample } from '../helpers/prometheus';
import { statusSignals } from '../helpers/webhook-app';
import { encodeForm, twilioSign, type TwilioForm } from '../fixtures/webhook-payloads';
import { useStack } from '../fixtures/stack';

const A = 'wh-bsp-a';
const B = 'wh-bsp-b';
const KEY_A = 'd360-key-tenant-a-0123456789';
const KEY_B = 'd360-key-tenant-b-0123456789';
const SECRET_A = 'X8s1mF0vJq2u6TQy0r7Wk5b3cN4aZ9eHdLpGtVhYxRo';
const SECRET_B = 'p3QvB7nT1yR8eW2uZ5kX0mC6aS9dF4gHjLqNrVtYwEo';
const SID_A = `AC${'a1'.repeat(16)}`;
const SID_B = `AC${'b2'.repeat(16)}`;
const TOK_A = 'twilio-auth-token-tenant-a-0001';
const TOK_B = 'twilio-auth-token-tenant-b-0002';
const TW_A = '14155238886';
const TW_B = '14155239999';
const PUBLIC = 'https://dw.example.com';

type Form = TwilioForm;
/** 360dialog's channel registration as the onboarding stores it (one WABA for both tenants here). */
const reg360 = (
  senderId: string,
  channelId: string,
  apiKey: string,
  webhookSecret: string,
  phone: string,
) => ({
  senderId,
  channelId,
  displayPhoneNumber: phone,
  wabaId: '102290129340398',
  credentials: { provider: '360dialog' as const, apiKey, webhookSecret },
});

describe('BSP webhooks: 360dialog (header secret) and Twilio (X-Twilio-Signature) → message workflows', () => {
  const log = captureLogger();
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  let publicApp: Express;
  const stack = useStack({
    queue: 'whbsp',
    fakes: {
      dialog360: {
        apiKeys: {
          [KEY_A]: {
            phoneNumberId: '100000000000001',
            displayPhoneNumber: '15550001111',
            wabaId: '102290129340398',
          },
          [KEY_B]: {
            phoneNumberId: '100000000000002',
            displayPhoneNumber: '15550002222',
            wabaId: '102290129340399',
          },
        },
        rejectWebhookPort: false,
      },
      twilio: { accounts: { [SID_A]: TOK_A, [SID_B]: TOK_B } },
    },
    api: { webhooks: { metrics } },
    logger: log.logger,
    tenants: [A],
    senders: {
      [A]: [
        reg360('360-a', 'chA', KEY_A, SECRET_A, '+1 555 000 1111'),
        {
          senderId: 'tw-a',
          displayPhoneNumber: `+${TW_A}`,
          credentials: { provider: 'twilio', accountSid: SID_A, authToken: TOK_A },
        },
      ],
      [B]: [
        reg360('360-b', 'chB', KEY_B, SECRET_B, '+1 555 000 2222'),
        {
          senderId: 'tw-b',
          displayPhoneNumber: `+${TW_B}`,
          credentials: { provider: 'twilio', accountSid: SID_B, authToken: TOK_B },
        },
      ],
    },
  });
  beforeAll(async () => {
    publicApp = stack.api.appFor(PUBLIC);
    // What the onboarding does: the channel's webhook with our two headers.
    for (const [key, channel, secret] of [
      [KEY_A, 'chA', SECRET_A],
      [KEY_B, 'chB', SECRET_B],
    ] as const) {
      const res = await fetch(`${stack.fakes.dialog360.baseUrl}/v1/configs/webhook`, {
        method: 'POST',
        headers: { 'D360-API-KEY': key, 'content-type': 'application/json' },
        body: JSON.stringify({
          url: `${stack.api.url}/webhooks/360dialog`,
          headers: { 'X-Dw-Channel': channel, 'X-Dw-Webhook-Secret': secret },
        }),
      });
      expect(res.status).toBe(200);
    }
  });

  const statusOf = async (id: string) => (await stack.deps.messages.get(A, id))?.status;
  const send = async (from: string, body: string) => {
    const res = await request(stack.api.app)
      .post('/v1/messages')
      .set('Authorization', `Bearer ${stack.key(A)}`)
      .send({ from, to: '+49 151 12345678', type: 'text', text: { body } })
      .expect(202);
    const id = res.body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', `${id} sent`);
    return id;
  };
  const d360Payload = (statuses: object[], phoneNumberId = '100000000000001') => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { phone_number_id: phoneNumberId }, statuses },
          },
        ],
      },
    ],
  });
  const d360Status = (wamid: string, status: string, cb?: string) => ({
    id: wamid,
    status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: '4915112345678',
    ...(cb ? { biz_opaque_callback_data: cb } : {}),
  });
  /** A signed form POST to the instance whose PUBLIC_BASE_URL is https://dw.example.com. */
  const twilioPost = (
    form: Form,
    opts: { token?: string; signUrl?: string; query?: string; signature?: string | null } = {},
  ) => {
    const path = `/webhooks/twilio${opts.query ?? ''}`;
    const signature =
      opts.signature === undefined
        ? twilioSign(opts.token ?? TOK_A, opts.signUrl ?? `${PUBLIC}${path}`, form)
        : opts.signature;
    const req = request(publicApp).post(path).type('form');
    if (signature !== null) void req.set('X-Twilio-Signature', signature);
    return req.send(encodeForm(form));
  };
  const statusForm = (sid: string, status: string, extra: Form = {}): Form => ({
    AccountSid: SID_A,
    ApiVersion: '2010-04-01',
    ChannelPrefix: 'whatsapp',
    From: `whatsapp:+${TW_A}`,
    To: 'whatsapp:+4915112345678',
    MessageSid: sid,
    SmsSid: sid,
    MessageStatus: status,
    SmsStatus: status,
    ...extra,
  });

  describe('POST /webhooks/360dialog', () => {
    it('refuses missing or wrong headers with 401 and signals nothing', async () => {
      const id = await send('360-a', 'auth checks');
      const wamid = stack.fakes.dialog360.sendsFor(id)[0]?.wamid as string;
      const payload = d360Payload([d360Status(wamid, 'delivered', `${A}:${id}`)]);
      const cases: Record<string, string>[] = [
        {},
        { 'X-Dw-Channel': 'chA' },
        { 'X-Dw-Webhook-Secret': SECRET_A },
        { 'X-Dw-Channel': 'chA', 'X-Dw-Webhook-Secret': 'wrong' },
        { 'X-Dw-Channel': 'chA', 'X-Dw-Webhook-Secret': SECRET_A.toLowerCase() },
        { 'X-Dw-Channel': 'chA', 'X-Dw-Webhook-Secret': SECRET_B },
        { 'X-Dw-Channel': 'chB', 'X-Dw-Webhook-Secret': SECRET_A },
        { 'X-Dw-Channel': 'nope', 'X-Dw-Webhook-Secret': SECRET_A },
        { 'X-Dw-Channel': 'ch/A', 'X-Dw-Webhook-Secret': SECRET_A },
      ];
      for (const headers of cases) {
        const res = await request(stack.api.app).post('/webhooks/360dialog').set(headers).send(payload);
        expect({ headers, status: res.status }).toEqual({ headers, status: 401 });
        expect(res.body.error.code).toBe('invalid_webhook_secret');
      }
      expect(await statusSignals(stack.temporal.client, A, id)).toBe(0);
      expect(await statusOf(id)).toBe('sent');
      expect(JSON.stringify(log.lines())).not.toContain(SECRET_A);
    });

    it('statuses move messages forward (batched, by reference or wamid); duplicates and reordering change nothing', async () => {
      const x = await send('360-a', 'x');
      const y = await send('360-a', 'y');
      const wx = stack.fakes.dialog360.sendsFor(x)[0]?.wamid as string;
      const wy = stack.fakes.dialog360.sendsFor(y)[0]?.wamid as string;
      const codes = await stack.fakes.dialog360.emitStatuses(
        KEY_A,
        [
          { wamid: wx, status: 'sent', callbackData: `${A}:${x}` },
          { wamid: wx, status: 'delivered', callbackData: `${A}:${x}` },
          { wamid: wx, status: 'read', callbackData: `${A}:${x}` },
          // No reference: found through the ('360dialog', wamid) mapping.
          { wamid: wy, status: 'delivered' },
        ],
        { reverse: true, duplicate: true },
      );
      expect(codes).toEqual([200, 200]);
      await eventually(async () => (await statusOf(x)) === 'read', 'x read');
      await eventually(async () => (await statusOf(y)) === 'delivered', 'y delivered');
      expect(
        await stack.fakes.dialog360.emitStatuses(KEY_A, [
          { wamid: wx, status: 'failed', callbackData: `${A}:${x}` },
        ]),
      ).toEqual([200]);
      const doc = await stack.deps.messages.get(A, x);
      expect(doc).toMatchObject({ status: 'read', provider: '360dialog', providerMessageId: wx });
      expect(doc?.deliveredAt).toEqual(expect.any(Date));
      expect(doc?.errorCode ?? null).toBeNull();
    });

    it('a sender of another tenant cannot move this tenant’s messages (reference or wamid)', async () => {
      const id = await send('360-a', 'foreign');
      const wamid = stack.fakes.dialog360.sendsFor(id)[0]?.wamid as string;
      const before = await statusSignals(stack.temporal.client, A, id);
      const res = await request(stack.api.app)
        .post('/webhooks/360dialog')
        .set({ 'X-Dw-Channel': 'chB', 'X-Dw-Webhook-Secret': SECRET_B })
        .send(
          d360Payload(
            [d360Status(wamid, 'read', `${A}:${id}`), d360Status(wamid, 'delivered')],
            '100000000000002',
          ),
        )
        .expect(200);
      // The reference naming A is not applied and set aside for B (issue 15); the wamid one is ignored.
      expect(res.body).toEqual({ received: 1, deadLettered: 1 });
      expect(await statusSignals(stack.temporal.client, A, id)).toBe(before);
      expect(await statusOf(id)).toBe('sent');
      expect(log.lines().filter((l) => l.includes('another tenant')).length).toBeGreaterThanOrEqual(1);
      expect(log.lines().filter((l) => l.includes('foreign_status')).length).toBeGreaterThanOrEqual(1);
    });

    it('inbound messages start once per wamid for the sender the header names, however often redelivered', async () => {
      const wamid = 'wamid.HBgLNDkxNTExMjM0NTY3OBUCABIYFjNFQjBBQzM2MEQ=';
      const first = await stack.fakes.dialog360.emitInbound(
        KEY_A,
        { from: '4915112345678', wamid, name: 'Zoë', text: 'Hallo 😀' },
        { duplicate: true },
      );
      expect(first).toEqual([200, 200]);
      const handle = stack.temporal.client.workflow.getHandle(workflowIds.inbound(A, '360dialog', wamid));
      await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 'inbound stored');
      expect(
        await stack.fakes.dialog360.emitInbound(KEY_A, { from: '4915112345678', wamid, text: 'Hallo 😀' }),
      ).toEqual([200]);
      const stored = (await stack.deps.inbound.list(A)).filter((m) => m.providerMessageId === wamid);
      expect(stored).toEqual([
        expect.objectContaining({
          provider: '360dialog',
          senderId: '360-a',
          text: 'Hallo 😀',
          fromName: 'Zoë',
          from: '4915112345678',
        }),
      ]);
      expect((await stack.deps.inbound.list(B)).some((m) => m.providerMessageId === wamid)).toBe(false);
    });

    it('account alerts in the envelope are stored once for the header’s tenant', async () => {
      const payload = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            time: 1750900000,
            changes: [
              {
                field: 'phone_number_quality_update',
                value: { display_phone_number: '15550001111', event: 'DOWNGRADE', current_limit: 'TIER_250' },
              },
            ],
          },
        ],
      };
      expect(await stack.fakes.dialog360.deliver(KEY_A, payload, { duplicate: true })).toEqual([200, 200]);
      const res = await request(stack.api.app)
        .get('/v1/alerts')
        .set('Authorization', `Bearer ${stack.key(A)}`)
        .expect(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          provider: '360dialog',
          event: 'DOWNGRADE',
          senderId: '360-a',
          type: 'phone_number_quality_update',
        }),
      ]);
    });
  });

  describe('POST /webhooks/twilio', () => {
    it('status callbacks (via ?ref) move the message forward; reordered and duplicated ones change nothing', async () => {
      const id = await send('tw-a', 'twilio forward');
      const sent = stack.fakes.twilio.sendsFor(id)[0];
      expect(sent?.statusCallback).toBe(`${stack.api.url}/webhooks/twilio?ref=${A}:${id}`);
      const sid = sent?.sid as string;
      const codes = await stack.fakes.twilio.emitStatuses(
        [
          { sid, status: 'queued' },
          { sid, status: 'sent' },
          { sid, status: 'delivered' },
          { sid, status: 'read' },
        ],
        { reverse: true, duplicate: true },
      );
      expect(codes).toEqual(Array(8).fill(200));
      await eventually(async () => (await statusOf(id)) === 'read', 'read');
      expect(
        await stack.fakes.twilio.emitStatuses([{ sid, status: 'undelivered', errorCode: 63016 }]),
      ).toEqual([200]);
      const doc = await stack.deps.messages.get(A, id);
      expect(doc).toMatchObject({ status: 'read', provider: 'twilio', providerMessageId: sid });
      expect(doc?.deliveredAt).toEqual(expect.any(Date));
      expect(doc?.errorCode ?? null).toBeNull();
    });

    it('queued/sending say nothing; undelivered fails the message with Twilio’s ErrorCode', async () => {
      const id = await send('tw-a', 'twilio fails');
      const sid = stack.fakes.twilio.sendsFor(id)[0]?.sid as string;
      expect(await stack.fakes.twilio.emitStatuses([{ sid, status: 'queued' }])).toEqual([200]);
      expect((await twilioPost(statusForm(sid, 'sending'), { query: `?ref=${A}:${id}` })).status).toBe(200);
      expect(await statusSignals(stack.temporal.client, A, id)).toBe(0);
      expect(
        await stack.fakes.twilio.emitStatuses([
          { sid, status: 'undelivered', errorCode: 63016, errorMessage: 'Outside the allowed window' },
        ]),
      ).toEqual([200]);
      await eventually(async () => (await statusOf(id)) === 'failed', 'failed');
      expect(await stack.deps.messages.get(A, id)).toMatchObject({
        errorCode: '63016',
        errorMessage: 'Outside the allowed window',
      });
    });

    it('without ?ref the message is found by MessageSid; the URL is accepted signed with or without :443', async () => {
      const id = await send('tw-a', 'twilio by sid');
      const sid = stack.fakes.twilio.sendsFor(id)[0]?.sid as string;
      const delivered = await twilioPost(statusForm(sid, 'delivered'), {
        signUrl: 'https://dw.example.com:443/webhooks/twilio',
      });
      expect(delivered.status).toBe(200);
      await eventually(async () => (await statusOf(id)) === 'delivered', 'delivered');
      expect((await twilioPost(statusForm(sid, 'read'))).status).toBe(200);
      await eventually(async () => (await statusOf(id)) === 'read', 'read');
    });

    it('refuses missing or wrong signatures, other URLs, changed parameters and unknown senders with 403', async () => {
      const id = await send('tw-a', 'twilio refusals');
      const sid = stack.fakes.twilio.sendsFor(id)[0]?.sid as string;
      const ref = `?ref=${A}:${id}`;
      const form = statusForm(sid, 'delivered');
      const tampered = { ...form, MessageStatus: 'read' };
      const cases: [string, Promise<request.Response> | request.Test][] = [
        ['no signature', twilioPost(form, { query: ref, signature: null })],
        ['garbage', twilioPost(form, { query: ref, signature: 'bm90IGEgc2lnbmF0dXJl' })],
        ['another tenant’s token', twilioPost(form, { query: ref, token: TOK_B })],
        [
          'http instead of https',
          twilioPost(form, { query: ref, signUrl: `http://dw.example.com/webhooks/twilio${ref}` }),
        ],
        ['signed without the query', twilioPost(form, { query: ref, signUrl: `${PUBLIC}/webhooks/twilio` })],
        [
          'a non-default port',
          twilioPost(form, { query: ref, signUrl: `https://dw.example.com:8443/webhooks/twilio${ref}` }),
        ],
        [
          'a parameter changed after signing',
          request(publicApp)
            .post(`/webhooks/twilio${ref}`)
            .type('form')
            .set('X-Twilio-Signature', twilioSign(TOK_A, `${PUBLIC}/webhooks/twilio${ref}`, form))
            .send(encodeForm(tampered)),
        ],
        ['an unknown account', twilioPost({ ...form, AccountSid: `AC${'f'.repeat(32)}` }, { query: ref })],
        ['not our number', twilioPost({ ...form, From: 'whatsapp:+14155230000' }, { query: ref })],
      ];
      for (const [what, pending] of cases) {
        const res = await pending;
        expect({ what, status: res.status }).toEqual({ what, status: 403 });
        expect(res.body.error.code).toBe('invalid_signature');
      }
      // Twilio posts forms: a JSON body, however signed, is refused (the app-wide JSON parser read it).
      const json = await request(publicApp)
        .post(`/webhooks/twilio${ref}`)
        .set('X-Twilio-Signature', twilioSign(TOK_A, `${PUBLIC}/webhooks/twilio${ref}`, form))
        .send(form);
      expect(json.status).toBe(400);
      expect(json.body.error.code).toBe('invalid_content_type');
      expect(await statusSignals(stack.temporal.client, A, id)).toBe(0);
      expect(await statusOf(id)).toBe('sent');
      expect(JSON.stringify(log.lines())).not.toContain(TOK_A);
    });

    it('another tenant’s sender cannot move this tenant’s message, even naming it in ?ref', async () => {
      const id = await send('tw-a', 'twilio foreign');
      const sid = stack.fakes.twilio.sendsFor(id)[0]?.sid as string;
      const form = { ...statusForm(sid, 'read'), AccountSid: SID_B, From: `whatsapp:+${TW_B}` };
      expect((await twilioPost(form, { token: TOK_B, query: `?ref=${A}:${id}` })).status).toBe(200);
      expect(await statusSignals(stack.temporal.client, A, id)).toBe(0);
      expect(await statusOf(id)).toBe('sent');
    });

    it('inbound: empty TwiML, stored once per MessageSid when redelivered; repeated parameters verify', async () => {
      const messageSid = `SM${'c3'.repeat(16)}`;
      const inbound = {
        AccountSid: SID_A,
        MessageSid: messageSid,
        SmsMessageSid: messageSid,
        SmsSid: messageSid,
        From: 'whatsapp:+4915112345678',
        To: `whatsapp:+${TW_A}`,
        Body: 'Olá, café 😀',
        NumMedia: '0',
        ProfileName: 'Zoë',
        WaId: '4915112345678',
        SmsStatus: 'received',
        MessageType: 'text',
        ApiVersion: '2010-04-01',
        // Parameters Twilio may add without notice, repeated: signed as twilio-node does.
        Extra: ['b', 'a', 'b'],
      };
      const res = await twilioPost(inbound);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      // The fake's own delivery (to our loopback URL), twice.
      for (let i = 0; i < 2; i++)
        expect(
          (
            await stack.fakes.twilio.sendInbound(`${stack.api.url}/webhooks/twilio`, {
              accountSid: SID_A,
              from: '4915112345678',
              to: TW_A,
              body: 'Olá, café 😀',
              profileName: 'Zoë',
              messageSid,
            })
          ).status,
        ).toBe(200);
      const handle = stack.temporal.client.workflow.getHandle(workflowIds.inbound(A, 'twilio', messageSid));
      await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 'inbound stored');
      const stored = (await stack.deps.inbound.list(A)).filter((m) => m.providerMessageId === messageSid);
      expect(stored).toEqual([
        expect.objectContaining({
          provider: 'twilio',
          senderId: 'tw-a',
          type: 'text',
          text: 'Olá, café 😀',
          fromName: 'Zoë',
          from: '4915112345678',
        }),
      ]);
      const refused = await twilioPost(
        { ...inbound, Body: 'changed' },
        { signature: twilioSign(TOK_A, `${PUBLIC}/webhooks/twilio`, inbound) },
      );
      expect(refused.status).toBe(403);
    });
  });

  it('counts every BSP webhook request by provider and outcome', async () => {
    const text = await metrics.registry.metrics();
    const count = (provider: string, outcome: string) =>
      sample(text, 'whatsapp_webhook_requests_total', { provider, outcome }) ?? 0;
    expect(count('360dialog', 'rejected_signature')).toBeGreaterThanOrEqual(9);
    expect(count('360dialog', 'accepted')).toBeGreaterThanOrEqual(5);
    expect(count('twilio', 'rejected_signature')).toBeGreaterThanOrEqual(9);
    expect(count('twilio', 'invalid')).toBe(1);
    expect(count('twilio', 'accepted')).toBeGreaterThanOrEqual(10);
  });
});
