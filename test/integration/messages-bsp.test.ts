import request from 'supertest';
import { eventually } from '../helpers/messaging';
import { useStack } from '../fixtures/stack';

const TENANT = 'bsp-tenant-a';
const D360_KEY = 'd360-bsp-key-0123456789';
const ACCOUNT = 'ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const AUTH_TOKEN = 'twilio-bsp-auth-token-0123';
const TWILIO_NUMBER = '14155238886';
const CONTENT_SID = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';

describe('messages through BSPs: API → message workflow → 360dialog / Twilio fakes', () => {
  const stack = useStack({
    queue: 'bsp',
    fakes: {
      meta: { tokens: {} },
      dialog360: { apiKeys: { [D360_KEY]: { phoneNumberId: '360000111' } } },
      twilio: { accounts: { [ACCOUNT]: AUTH_TOKEN }, senders: { [ACCOUNT]: [TWILIO_NUMBER] } },
    },
    tenants: [TENANT],
    senders: {
      [TENANT]: [
        {
          senderId: 'd360-main',
          displayPhoneNumber: '+1 555 010 0001',
          channelId: 'bsp-channel-1',
          credentials: { provider: '360dialog', apiKey: D360_KEY, webhookSecret: 'bsp-webhook-secret' },
        },
        {
          senderId: 'twilio-main',
          displayPhoneNumber: `+${TWILIO_NUMBER}`,
          credentials: { provider: 'twilio', accountSid: ACCOUNT, authToken: AUTH_TOKEN },
        },
      ],
    },
  });

  const post = (body: object) =>
    request(stack.api.app).post('/v1/messages').set(stack.auth(TENANT)).send(body);
  const text = (from: string, body: string) => ({
    from,
    to: '+1 650 555 1234',
    type: 'text',
    text: { body },
  });
  const statusOf = async (id: string) => (await stack.deps.messages.get(TENANT, id))?.status;
  const d360Sends = (body: string) =>
    stack.fakes.dialog360.requests.filter(
      (r) => (r.body as { text?: { body?: string } } | null)?.text?.body === body,
    );
  const twilioSends = (body: string) => stack.fakes.twilio.requests.filter((r) => r.form.Body === body);

  it('360dialog: accepted, sent with D360-API-KEY, the wamid recorded as provider message id', async () => {
    const res = await post(text('d360-main', 'hello via 360')).expect(202);
    const id = res.body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    const sends = stack.fakes.dialog360.sendsFor(id);
    expect(sends).toHaveLength(1);
    const doc = (await request(stack.api.app).get(`/v1/messages/${id}`).set(stack.auth(TENANT))).body;
    expect(doc).toMatchObject({
      id,
      from: 'd360-main',
      status: 'sent',
      provider: '360dialog',
      providerMessageId: sends[0]?.wamid,
      error: null,
    });
    const req = d360Sends('hello via 360')[0];
    expect(req?.headers['d360-api-key']).toBe(D360_KEY);
    // `<tenant>:<messageId>:<mac>` (issue 15): only we can mint a reference statuses are routed by.
    expect(req?.body).toMatchObject({
      to: '16505551234',
      biz_opaque_callback_data: expect.stringMatching(new RegExp(`^${TENANT}:${id}:[A-Za-z0-9_-]{22}$`)),
    });
  });

  it('Twilio: accepted, sent with Basic auth and our StatusCallback, the SM sid recorded', async () => {
    const id = (await post(text('twilio-main', 'hello via twilio')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    const [sent] = stack.fakes.twilio.sendsFor(id);
    expect(sent?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(await stack.deps.messages.get(TENANT, id)).toMatchObject({
      provider: 'twilio',
      providerMessageId: sent?.sid,
    });
    expect(sent?.statusCallback).toBe(`${stack.api.url}/webhooks/twilio?ref=${TENANT}:${id}`);
    const req = twilioSends('hello via twilio')[0];
    expect(req?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`,
    );
    expect(req?.form).toMatchObject({ From: `whatsapp:+${TWILIO_NUMBER}`, To: 'whatsapp:+16505551234' });
  });

  it('Twilio: a template goes out as its Content SID with numbered variables', async () => {
    const id = (
      await post({
        from: 'twilio-main',
        to: '16505551234',
        type: 'template',
        template: {
          name: CONTENT_SID,
          language: 'en',
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Jane' }] }],
        },
      }).expect(202)
    ).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    expect(stack.fakes.twilio.sendsFor(id)[0]?.form).toMatchObject({
      ContentSid: CONTENT_SID,
      ContentVariables: '{"1":"Jane"}',
    });
  });

  it('Twilio: types it cannot send are refused at the API with 422 unsupported_message_type', async () => {
    const res = await post({
      from: 'twilio-main',
      to: '16505551234',
      type: 'interactive_buttons',
      interactive_buttons: { body: 'Pick', buttons: [{ id: 'a', title: 'A' }] },
    }).expect(422);
    expect(res.body.error.code).toBe('unsupported_message_type');
  });

  it('360dialog: a transient 502 is retried and the message is sent', async () => {
    stack.fakes.dialog360.failNext({
      shape: 'd360',
      httpStatus: 502,
      developerMessage: 'WhatsApp for Business API not available',
    });
    const id = (await post(text('d360-main', 'flaky 360')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    expect(d360Sends('flaky 360')).toHaveLength(2);
    const doc = (await request(stack.api.app).get(`/v1/messages/${id}`).set(stack.auth(TENANT))).body;
    expect(doc).toMatchObject({ status: 'sent', retryCount: 0, error: null });
  });

  it('Twilio: a 20503 and a 20429 (Retry-After) are retried and the message is sent', async () => {
    stack.fakes.twilio.failNext({ httpStatus: 503, code: 20503, message: 'Service Unavailable' });
    stack.fakes.twilio.failNext({
      httpStatus: 429,
      code: 20429,
      message: 'Too Many Requests',
      retryAfter: '0',
    });
    const id = (await post(text('twilio-main', 'flaky twilio')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    expect(twilioSends('flaky twilio')).toHaveLength(3);
    expect(stack.fakes.twilio.sendsFor(id)).toHaveLength(1);
  });

  it('Twilio: a permanent error (21211 invalid To) fails at once with Twilio’s code stored', async () => {
    stack.fakes.twilio.failNext({
      httpStatus: 400,
      code: 21211,
      message: "The 'To' number is not a valid phone number.",
    });
    const id = (await post(text('twilio-main', 'bad recipient')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'failed', 'failed');
    expect(twilioSends('bad recipient')).toHaveLength(1);
    const doc = (await request(stack.api.app).get(`/v1/messages/${id}`).set(stack.auth(TENANT))).body;
    expect(doc).toMatchObject({
      status: 'failed',
      retryable: false,
      error: { code: '21211', message: expect.stringContaining('not a valid phone number') },
    });
  });

  it('360dialog: a Meta error passed through (131026) fails at once with Meta’s code stored', async () => {
    stack.fakes.dialog360.failNext({
      shape: 'graph',
      httpStatus: 400,
      code: 131026,
      message: 'Message undeliverable',
    });
    const id = (await post(text('d360-main', 'undeliverable 360')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'failed', 'failed');
    expect(d360Sends('undeliverable 360')).toHaveLength(1);
    expect(await stack.deps.messages.get(TENANT, id)).toMatchObject({
      provider: '360dialog',
      errorCode: '131026',
      retryable: false,
    });
  });
});
