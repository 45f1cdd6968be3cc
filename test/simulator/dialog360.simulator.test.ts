import { createDialog360Simulator } from '../../src/simulator/official/dialog360/dialog360.simulator';
import { startWebhookReceiver, until } from '../fakes/webhook-receiver.fake';

/**
 * The 360dialog simulator's contract (reference/official-platform.md B): the Partner API and the
 * messaging API on one port, webhooks forwarded unsigned with the configured headers, its control API.
 */
const PARTNER = 'simPA';
const PARTNER_KEY = 'partner-key-123';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sim: ReturnType<typeof createDialog360Simulator>;
let base = '';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sim = createDialog360Simulator({
    partnerId: PARTNER,
    partnerApiKey: PARTNER_KEY,
    timing: { sent: 0, delivered: 0, read: 0 },
    retryDelaysMs: [],
  });
  base = (await sim.listen()).url;
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as Json };
}

const partner = { 'X-API-Key': PARTNER_KEY };
const hookHeaders = { 'X-Dw-Channel': 'set-below', 'X-Dw-Webhook-Secret': 'hook-secret' };

/** A channel onboarded as our saga does it: key minted, webhook pointed at the receiver. */
async function onboardedChannel() {
  const ch = (await call('POST', '/_sim/channels', { phoneNumber: '+49 30 1234567' })).body;
  const minted = await call(
    'POST',
    `/api/v2/partners/${PARTNER}/channels/${ch.channelId}/api_keys`,
    {},
    partner,
  );
  expect(minted.status).toBe(201);
  const apiKey = minted.body.api_keys[0].api_key as string;
  const webhook = {
    url: `${receiver.url}/webhooks/360dialog`,
    headers: { ...hookHeaders, 'X-Dw-Channel': ch.channelId },
  };
  const set = await call('POST', '/v1/configs/webhook', webhook, { 'D360-API-KEY': apiKey });
  expect(set).toEqual({ status: 200, body: webhook });
  return { ...ch, apiKey } as Json;
}

const hooksWith = (needle: string) => receiver.received.filter((w) => w.raw.includes(needle));

it('lists a granted channel on the Partner API as 360dialog does, for the partner key only', async () => {
  const ch = (await call('POST', '/_sim/channels', {})).body;
  expect(ch.redirectQuery).toBe(`client=${ch.clientId}&channels=[${ch.channelId}]`);
  const filters = encodeURIComponent(JSON.stringify({ id: ch.channelId }));
  const list = await call(
    'GET',
    `/api/v2/partners/${PARTNER}/channels?filters=${filters}`,
    undefined,
    partner,
  );
  expect(list.body.partner_channels).toEqual([
    expect.objectContaining({
      id: ch.channelId,
      client_id: ch.clientId,
      setup_info: expect.objectContaining({ phone_number: ch.phoneNumber }),
      waba_account: expect.objectContaining({ external_id: ch.wabaId }),
    }),
  ]);
  const refused = await call('GET', `/api/v2/partners/${PARTNER}/channels`, undefined, {
    'X-API-Key': 'wrong',
  });
  expect(refused).toEqual({
    status: 401,
    body: { meta: { success: false, http_code: 401, developer_message: 'Invalid API key' } },
  });
});

it('a channel the client did not grant gets no key (403)', async () => {
  const ch = (await call('POST', '/_sim/channels', { permission: false })).body;
  const r = await call('POST', `/api/v2/partners/${PARTNER}/channels/${ch.channelId}/api_keys`, {}, partner);
  expect(r.status).toBe(403);
});

it("sends with the minted key, then forwards sent, delivered, read to the number's webhook with its headers, unsigned", async () => {
  const ch = await onboardedChannel();
  const res = await call(
    'POST',
    '/messages',
    {
      messaging_product: 'whatsapp',
      to: '4915112345678',
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
      biz_opaque_callback_data: 'acme:msg_1:mac',
    },
    { 'D360-API-KEY': ch.apiKey },
  );
  expect(res.body).toEqual({
    messaging_product: 'whatsapp',
    contacts: [{ input: '4915112345678', wa_id: '4915112345678' }],
    messages: [{ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' }],
  });
  const wamid = res.body.messages[0].id as string;
  await until(
    () => hooksWith(wamid),
    (h) => h.length === 3,
    'three status webhooks',
  );
  const hooks = hooksWith(wamid);
  expect(hooks.map((w) => (JSON.parse(w.raw) as Json).entry[0].changes[0].value.statuses[0].status)).toEqual([
    'sent',
    'delivered',
    'read',
  ]);
  for (const w of hooks) {
    expect(w.headers).toMatchObject({ 'x-dw-channel': ch.channelId, 'x-dw-webhook-secret': 'hook-secret' });
    expect(w.headers['x-hub-signature-256']).toBeUndefined();
    const value = (JSON.parse(w.raw) as Json).entry[0].changes[0].value;
    expect(value.metadata).toEqual({
      display_phone_number: '49301234567',
      phone_number_id: ch.phoneNumberId,
    });
    expect(value.statuses[0].biz_opaque_callback_data).toBe('acme:msg_1:mac');
  }

  const inbound = await call('POST', '/_sim/inbound', {
    from: '+4915112345678',
    channelId: ch.channelId,
    text: 'Hi',
  });
  expect(inbound.body.webhook).toMatchObject({ httpStatus: 200, attempts: 1 });
  const [w] = hooksWith(inbound.body.wamid as string);
  expect((JSON.parse(w!.raw) as Json).entry[0].changes[0].value.messages).toEqual([
    expect.objectContaining({ from: '4915112345678', type: 'text', text: { body: 'Hi' } }),
  ]);
  // A new key revokes the old one (360dialog: one key per number).
  await call('POST', `/api/v2/partners/${PARTNER}/channels/${ch.channelId}/api_keys`, {}, partner);
  const old = await call(
    'POST',
    '/messages',
    { messaging_product: 'whatsapp' },
    { 'D360-API-KEY': ch.apiKey },
  );
  expect(old.status).toBe(401);
});

it("answers errors on request in the shape asked: Meta's passed through, 360dialog's own, a proxy's page", async () => {
  const ch = await onboardedChannel();
  const send = () =>
    call(
      'POST',
      '/messages',
      {
        messaging_product: 'whatsapp',
        to: '4915112345678',
        type: 'template',
        template: { name: 't', language: { code: 'en' } },
      },
      { 'D360-API-KEY': ch.apiKey },
    );
  await call('POST', '/_sim/fail-next', { code: 131056 });
  const graph = await send();
  expect([graph.status, graph.body.error.code, graph.body.error.type]).toEqual([
    400,
    131056,
    'OAuthException',
  ]);
  await call('POST', '/_sim/fail-next', { shape: 'd360', httpStatus: 400, message: 'Template not found' });
  expect((await send()).body.meta).toMatchObject({
    success: false,
    http_code: 400,
    developer_message: 'Template not found',
  });
  await call('POST', '/_sim/fail-next', { shape: 'html' });
  expect(await send()).toMatchObject({ status: 502, body: expect.stringContaining('<html>') });
  expect((await send()).status).toBe(200);
});

it('refuses a webhook URL with an underscore, as 360dialog does', async () => {
  const ch = await onboardedChannel();
  const r = await call(
    'POST',
    '/v1/configs/webhook',
    { url: 'https://my_host.example/hook' },
    { 'D360-API-KEY': ch.apiKey },
  );
  expect(r.status).toBe(400);
  expect(r.body.meta).toMatchObject({ success: false, developer_message: 'Invalid webhook url' });
});

it('its channels, keys and webhooks survive a restart (exportState → importState)', async () => {
  const ch = await onboardedChannel();
  const next = createDialog360Simulator({ partnerId: PARTNER, partnerApiKey: PARTNER_KEY });
  next.importState(JSON.parse(JSON.stringify(sim.exportState())));
  const url = (await next.listen()).url;
  try {
    const res = await fetch(`${url}/v1/configs/webhook`, { headers: { 'D360-API-KEY': ch.apiKey } });
    expect(await res.json()).toMatchObject({ url: `${receiver.url}/webhooks/360dialog` });
  } finally {
    await next.close();
  }
});
