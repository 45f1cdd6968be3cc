import { createMetaSimulator } from '../../src/simulator/official/meta/meta.simulator';
import { startWebhookReceiver, until } from '../fakes/webhook-receiver.fake';
import { metaSign } from '../fixtures/webhook-payloads';

/**
 * The Meta simulator's contract (reference/official-platform.md A): Graph's answers and error
 * shapes, Embedded Signup's server side, status and inbound webhooks signed with the app secret,
 * and its control API.
 */
const APP_ID = '1234567890';
const SECRET = 'sim-app-secret';
const VERIFY = 'verify-token-123';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let refuseNext = 0;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sim: ReturnType<typeof createMetaSimulator>;
let base = '';

beforeAll(async () => {
  // Our API's part: 500 while told to, and Meta's handshake answered with the challenge.
  receiver = await startWebhookReceiver((w) => {
    if (w.method === 'GET') {
      const q = new URL(w.url, 'http://x').searchParams;
      return q.get('hub.verify_token') === VERIFY
        ? { status: 200, body: q.get('hub.challenge') ?? '' }
        : { status: 403 };
    }
    return refuseNext-- > 0 ? { status: 500 } : { status: 200 };
  });
  sim = createMetaSimulator({
    appId: APP_ID,
    appSecret: SECRET,
    webhookUrl: `${receiver.url}/webhooks/meta`,
    verifyToken: VERIFY,
    timing: { sent: 0, delivered: 0, read: 0 },
    retryDelaysMs: [0, 0],
  });
  base = (await sim.listen()).url;
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const template = (to: string) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: { name: 'hello_world', language: { code: 'en_US' } },
  biz_opaque_callback_data: `acme:msg_${to}:mac`,
});

/** The status webhooks about one wamid, in arrival order. */
const statusesOf = (wamid: string) =>
  receiver
    .json('/webhooks/meta')
    .flatMap((p) => (p as Json).entry[0].changes[0].value.statuses ?? [])
    .filter((s: Json) => s.id === wamid);

async function ownNumber() {
  const n = await call('POST', '/_sim/numbers', {});
  expect(n.status).toBe(201);
  return n.body as { wabaId: string; phoneNumberId: string; displayPhoneNumber: string; accessToken: string };
}

describe('Embedded Signup', () => {
  it('a code exchanges once into a business token of its WABA; subscribe, list and register answer as Meta', async () => {
    const s = (await call('POST', '/_sim/signup', { displayPhoneNumber: '+1 631-555-0101' })).body;
    expect(s.finishEvent).toEqual({
      type: 'WA_EMBEDDED_SIGNUP',
      event: 'FINISH',
      version: '3',
      data: { phone_number_id: s.phoneNumberId, waba_id: s.wabaId, business_id: expect.any(String) },
    });
    const exchange = (secret: string) =>
      call('GET', `/v23.0/oauth/access_token?client_id=${APP_ID}&client_secret=${secret}&code=${s.code}`);
    expect((await exchange('wrong')).body.error).toMatchObject({ code: 101, type: 'OAuthException' });
    const ok = await exchange(SECRET);
    expect(ok).toEqual({ status: 200, body: { access_token: expect.any(String), token_type: 'bearer' } });
    const again = await exchange(SECRET);
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 100, error_subcode: 36009, type: 'OAuthException' });

    const token = ok.body.access_token as string;
    const debug = await call(
      'GET',
      `/v23.0/debug_token?input_token=${token}`,
      undefined,
      `${APP_ID}|${SECRET}`,
    );
    expect(debug.body.data).toMatchObject({
      is_valid: true,
      granular_scopes: expect.arrayContaining([
        { scope: 'whatsapp_business_messaging', target_ids: [s.wabaId] },
      ]),
    });
    const phones = await call('GET', `/v23.0/${s.wabaId}/phone_numbers`, undefined, token);
    expect(phones.body.data).toEqual([
      expect.objectContaining({ id: s.phoneNumberId, display_phone_number: '+1 631-555-0101' }),
    ]);
    expect((await call('POST', `/v23.0/${s.wabaId}/subscribed_apps`, {}, token)).body).toEqual({
      success: true,
    });
    const bad = await call(
      'POST',
      `/v23.0/${s.phoneNumberId}/register`,
      { messaging_product: 'whatsapp', pin: '12' },
      token,
    );
    expect(bad.status).toBe(400);
    const reg = await call(
      'POST',
      `/v23.0/${s.phoneNumberId}/register`,
      { messaging_product: 'whatsapp', pin: '123456' },
      token,
    );
    expect(reg.body).toEqual({ success: true });
    const state = (await call('GET', '/_sim')).body;
    expect(state.numbers).toContainEqual({
      wabaId: s.wabaId,
      phoneNumberId: s.phoneNumberId,
      displayPhoneNumber: '16315550101',
      registered: true,
      appSubscribed: true,
    });
  });

  it('an expired code is refused with subcode 36007', async () => {
    const s = (await call('POST', '/_sim/signup', { codeTtlMs: 1_000 })).body;
    sim.ctx.graph.es.codes.get(s.code)!.expiresAt = Date.now() - 1;
    const r = await call(
      'GET',
      `/v23.0/oauth/access_token?client_id=${APP_ID}&client_secret=${SECRET}&code=${s.code}`,
    );
    expect(r.body.error).toMatchObject({ code: 100, error_subcode: 36007 });
  });
});

describe('sending', () => {
  it("answers with Meta's MessageResponsePayload, then posts sent, delivered, read as three signed webhooks", async () => {
    const n = await ownNumber();
    const res = await call(
      'POST',
      `/v23.0/${n.phoneNumberId}/messages`,
      template('+4915112345678'),
      n.accessToken,
    );
    expect(res).toEqual({
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: '+4915112345678', wa_id: '4915112345678' }],
        messages: [{ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' }],
      },
    });
    const wamid = res.body.messages[0].id as string;
    await until(
      () => statusesOf(wamid),
      (s) => s.length === 3,
      'three statuses',
    );
    expect(statusesOf(wamid).map((s: Json) => s.status)).toEqual(['sent', 'delivered', 'read']);
    const hooks = receiver.received.filter((w) => w.raw.includes(wamid));
    expect(hooks).toHaveLength(3);
    for (const w of hooks) {
      expect(w.headers['x-hub-signature-256']).toBe(metaSign(w.raw, SECRET));
      const value = (JSON.parse(w.raw) as Json).entry[0].changes[0].value;
      expect(value.metadata).toEqual({
        display_phone_number: n.displayPhoneNumber,
        phone_number_id: n.phoneNumberId,
      });
      expect(value.statuses[0]).toMatchObject({
        biz_opaque_callback_data: 'acme:msg_+4915112345678:mac',
        recipient_id: '4915112345678',
        pricing: { pricing_model: 'PMP' },
      });
    }
    expect((JSON.parse(hooks[0]!.raw) as Json).entry[0].id).toBe(n.wabaId);
  });

  it('a free-form message outside the window is accepted, then failed with 131047; after the customer writes, it is read', async () => {
    const n = await ownNumber();
    const text = { messaging_product: 'whatsapp', to: '4915100000001', type: 'text', text: { body: 'Hi' } };
    const first = await call('POST', `/v23.0/${n.phoneNumberId}/messages`, text, n.accessToken);
    expect(first.status).toBe(200);
    const failed = await until(
      () => statusesOf(first.body.messages[0].id),
      (s) => s.length > 0,
      'the failed status',
    );
    expect(failed).toEqual([
      expect.objectContaining({ status: 'failed', errors: [expect.objectContaining({ code: 131047 })] }),
    ]);

    const inbound = await call('POST', '/_sim/inbound', {
      from: '+4915100000001',
      to: n.displayPhoneNumber,
      text: 'Hello',
      name: 'Erika',
    });
    expect(inbound.body.webhook).toMatchObject({ label: 'inbound', httpStatus: 200, attempts: 1 });
    const w = receiver.received.find((x) => x.raw.includes(inbound.body.wamid))!;
    expect(w.headers['x-hub-signature-256']).toBe(metaSign(w.raw, SECRET));
    expect((JSON.parse(w.raw) as Json).entry[0].changes[0].value).toMatchObject({
      metadata: { phone_number_id: n.phoneNumberId },
      contacts: [{ profile: { name: 'Erika' }, wa_id: '4915100000001' }],
      messages: [{ from: '4915100000001', id: inbound.body.wamid, type: 'text', text: { body: 'Hello' } }],
    });

    const second = await call('POST', `/v23.0/${n.phoneNumberId}/messages`, text, n.accessToken);
    await until(
      () => statusesOf(second.body.messages[0].id),
      (s) => s.length === 3,
      'three statuses',
    );
  });

  it('checks what Meta checks: a bad token is 190, a fourth button 131009', async () => {
    const n = await ownNumber();
    const noAuth = await call(
      'POST',
      `/v23.0/${n.phoneNumberId}/messages`,
      template('4915100000002'),
      'nope',
    );
    expect(noAuth.status).toBe(401);
    expect(noAuth.body.error).toMatchObject({ code: 190, type: 'OAuthException' });
    const buttons = [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `b${i}`, title: `B${i}` } }));
    const r = await call(
      'POST',
      `/v23.0/${n.phoneNumberId}/messages`,
      {
        messaging_product: 'whatsapp',
        to: '4915100000002',
        type: 'interactive',
        interactive: { type: 'button', body: { text: 'x' }, action: { buttons } },
      },
      n.accessToken,
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 131009, error_data: { messaging_product: 'whatsapp' } });
  });
});

describe('errors on request', () => {
  it("answers the next send with the code's HTTP status and Graph's error shape, once", async () => {
    const n = await ownNumber();
    const send = () =>
      call('POST', `/v23.0/${n.phoneNumberId}/messages`, template('4915100000003'), n.accessToken);
    await call('POST', '/_sim/fail-next', { code: 130429 });
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: {
        message: '(#130429) Rate limit hit',
        type: 'OAuthException',
        code: 130429,
        error_data: { messaging_product: 'whatsapp', details: expect.any(String) },
        is_transient: false,
        fbtrace_id: expect.any(String),
      },
    });
    expect((await send()).status).toBe(200);
    await call('POST', '/_sim/fail-next', { code: 190 });
    const expired = await send();
    expect([expired.status, expired.body.error.error_subcode]).toEqual([401, 463]);
  });

  it('async: accepts the send, then reports it failed with the code by webhook', async () => {
    const n = await ownNumber();
    await call('POST', '/_sim/fail-next', { code: 131026, async: true });
    const res = await call(
      'POST',
      `/v23.0/${n.phoneNumberId}/messages`,
      template('4915100000004'),
      n.accessToken,
    );
    expect(res.status).toBe(200);
    const s = await until(
      () => statusesOf(res.body.messages[0].id),
      (x) => x.length > 0,
      'the failed status',
    );
    expect(s).toEqual([
      expect.objectContaining({
        status: 'failed',
        errors: [
          expect.objectContaining({
            code: 131026,
            error_data: { details: expect.stringContaining('WhatsApp') },
          }),
        ],
      }),
    ]);
  });

  it('the control API refuses a body it cannot use, naming the field', async () => {
    const r = await call('POST', '/_sim/fail-next', { code: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^code: /);
    expect(
      (await call('POST', '/_sim/inbound', { from: '+4915100000009', phoneNumberId: '99999' })).status,
    ).toBe(404);
  });
});

describe('webhook delivery', () => {
  it('a webhook answered with 500 is delivered again', async () => {
    const n = await ownNumber();
    await call('PUT', '/_sim/settings', { statuses: ['sent'] });
    refuseNext = 1;
    const res = await call(
      'POST',
      `/v23.0/${n.phoneNumberId}/messages`,
      template('4915100000005'),
      n.accessToken,
    );
    const wamid = res.body.messages[0].id as string;
    await until(
      () => statusesOf(wamid),
      (s) => s.length === 2,
      'the second delivery',
    );
    const hooks = (await call('GET', '/_sim/sent?to=4915100000005')).body.items[0].webhooks;
    expect(hooks).toEqual([expect.objectContaining({ label: 'status:sent', httpStatus: 200, attempts: 2 })]);
    await call('PUT', '/_sim/settings', { statuses: ['sent', 'delivered', 'read'] });
  });

  it("performs Meta's verification handshake against the webhook URL", async () => {
    expect((await call('POST', '/_sim/verify-webhook')).body).toMatchObject({
      verified: true,
      httpStatus: 200,
    });
  });
});

it('its numbers and tokens survive a restart (exportState → importState)', async () => {
  const n = await ownNumber();
  const next = createMetaSimulator({
    appId: APP_ID,
    appSecret: SECRET,
    webhookUrl: `${receiver.url}/webhooks/meta`,
  });
  next.importState(JSON.parse(JSON.stringify(sim.exportState())));
  const url = (await next.listen()).url;
  try {
    const res = await fetch(`${url}/v23.0/${n.phoneNumberId}?fields=id`, {
      headers: { authorization: `Bearer ${n.accessToken}` },
    });
    expect(await res.json()).toMatchObject({ id: n.phoneNumberId, display_phone_number: expect.any(String) });
  } finally {
    await next.close();
  }
});
