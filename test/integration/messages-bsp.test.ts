import request from 'supertest';
import type { Worker } from '@temporalio/worker';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { Dialog360Fake } from '../fakes/dialog360.fake';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { TwilioFake } from '../fakes/twilio.fake';
import { captureLogger } from '../helpers/logger';
import { eventually, messagingDeps, startMessagingApi } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { connectTestTemporal, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';

const TENANT = 'bsp-tenant-a';
const D360_KEY = 'd360-bsp-key-0123456789';
const ACCOUNT = 'ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const AUTH_TOKEN = 'twilio-bsp-auth-token-0123';
const TWILIO_NUMBER = '14155238886';
const CONTENT_SID = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';

describe('messages through BSPs: API → message workflow → 360dialog / Twilio fakes', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
  let meta: MetaGraphFake;
  let d360: Dialog360Fake;
  let twilio: TwilioFake;
  let api: Awaited<ReturnType<typeof startMessagingApi>>;
  let deps: ReturnType<typeof messagingDeps>;
  let worker: Worker;
  let running: Promise<void>;
  let key: string;
  const taskQueue = uniqueTaskQueue('bsp');

  const post = (body: object) =>
    request(api.app).post('/v1/messages').set('Authorization', `Bearer ${key}`).send(body);
  const text = (from: string, body: string) => ({
    from,
    to: '+1 650 555 1234',
    type: 'text',
    text: { body },
  });
  const statusOf = async (id: string) => (await deps.messages.get(TENANT, id))?.status;
  const d360Sends = (body: string) =>
    d360.requests.filter((r) => (r.body as { text?: { body?: string } } | null)?.text?.body === body);
  const twilioSends = (body: string) => twilio.requests.filter((r) => r.form.Body === body);

  beforeAll(async () => {
    db = await openTestDatabase();
    temporal = await connectTestTemporal();
    meta = await new MetaGraphFake({ tokens: {} }).start();
    d360 = await new Dialog360Fake({ apiKeys: { [D360_KEY]: { phoneNumberId: '360000111' } } }).start();
    twilio = await new TwilioFake({
      accounts: { [ACCOUNT]: AUTH_TOKEN },
      senders: { [ACCOUNT]: [TWILIO_NUMBER] },
    }).start();
    deps = messagingDeps({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      metaBaseUrl: meta.baseUrl,
      dialog360BaseUrl: d360.baseUrl,
      twilio: { baseUrl: twilio.baseUrl, publicBaseUrl: () => api.url },
    });
    api = await startMessagingApi({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      logger: captureLogger().logger,
      deps,
    });
    key = (await createApiKeyRepository(db.conn).create(TENANT)).token;
    await deps.senders.register(TENANT, {
      senderId: 'd360-main',
      displayPhoneNumber: '+1 555 010 0001',
      channelId: 'bsp-channel-1',
      credentials: { provider: '360dialog', apiKey: D360_KEY, webhookSecret: 'bsp-webhook-secret' },
    });
    await deps.senders.register(TENANT, {
      senderId: 'twilio-main',
      displayPhoneNumber: `+${TWILIO_NUMBER}`,
      credentials: { provider: 'twilio', accountSid: ACCOUNT, authToken: AUTH_TOKEN },
    });
    worker = await createTestWorker(temporal.nativeConnection, taskQueue, deps.activities);
    running = worker.run();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await api.close();
    await Promise.all([meta.stop(), d360.stop(), twilio.stop()]);
    await db.drop();
    await temporal.close();
  });

  it('360dialog: accepted, sent with D360-API-KEY, the wamid recorded as provider message id', async () => {
    const res = await post(text('d360-main', 'hello via 360')).expect(202);
    const id = res.body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    const sends = d360.sendsFor(id);
    expect(sends).toHaveLength(1);
    const doc = (await request(api.app).get(`/v1/messages/${id}`).set('Authorization', `Bearer ${key}`)).body;
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
    const [sent] = twilio.sendsFor(id);
    expect(sent?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(await deps.messages.get(TENANT, id)).toMatchObject({
      provider: 'twilio',
      providerMessageId: sent?.sid,
    });
    expect(sent?.statusCallback).toBe(`${api.url}/webhooks/twilio?ref=${TENANT}:${id}`);
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
    expect(twilio.sendsFor(id)[0]?.form).toMatchObject({
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
    d360.failNext({
      shape: 'd360',
      httpStatus: 502,
      developerMessage: 'WhatsApp for Business API not available',
    });
    const id = (await post(text('d360-main', 'flaky 360')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    expect(d360Sends('flaky 360')).toHaveLength(2);
    const doc = (await request(api.app).get(`/v1/messages/${id}`).set('Authorization', `Bearer ${key}`)).body;
    expect(doc).toMatchObject({ status: 'sent', retryCount: 0, error: null });
  });

  it('Twilio: a 20503 and a 20429 (Retry-After) are retried and the message is sent', async () => {
    twilio.failNext({ httpStatus: 503, code: 20503, message: 'Service Unavailable' });
    twilio.failNext({ httpStatus: 429, code: 20429, message: 'Too Many Requests', retryAfter: '0' });
    const id = (await post(text('twilio-main', 'flaky twilio')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    expect(twilioSends('flaky twilio')).toHaveLength(3);
    expect(twilio.sendsFor(id)).toHaveLength(1);
  });

  it('Twilio: a permanent error (21211 invalid To) fails at once with Twilio’s code stored', async () => {
    twilio.failNext({
      httpStatus: 400,
      code: 21211,
      message: "The 'To' number is not a valid phone number.",
    });
    const id = (await post(text('twilio-main', 'bad recipient')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'failed', 'failed');
    expect(twilioSends('bad recipient')).toHaveLength(1);
    const doc = (await request(api.app).get(`/v1/messages/${id}`).set('Authorization', `Bearer ${key}`)).body;
    expect(doc).toMatchObject({
      status: 'failed',
      retryable: false,
      error: { code: '21211', message: expect.stringContaining('not a valid phone number') },
    });
  });

  it('360dialog: a Meta error passed through (131026) fails at once with Meta’s code stored', async () => {
    d360.failNext({ shape: 'graph', httpStatus: 400, code: 131026, message: 'Message undeliverable' });
    const id = (await post(text('d360-main', 'undeliverable 360')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'failed', 'failed');
    expect(d360Sends('undeliverable 360')).toHaveLength(1);
    expect(await deps.messages.get(TENANT, id)).toMatchObject({
      provider: '360dialog',
      errorCode: '131026',
      retryable: false,
    });
  });
});
