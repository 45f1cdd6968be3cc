import request from 'supertest';
import type { Worker } from '@temporalio/worker';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { messageHistoryModel } from '../../src/db/models/message-history.model';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, eventually, messagingDeps, startMessagingApi } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { connectTestTemporal, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';

const TENANT = 'tenant-window';
const PHONE_ID = '400000000000077';
const TOKEN = 'EAAG-window-token-0123456789';
const HOUR = 3_600_000;

/**
 * The 24-hour customer-service window on the real stack: a free-form message to a user who has not
 * written (or wrote more than 24 h ago) is refused at the API with 422 before anything is started;
 * a template always goes; a message from the user, arriving by Meta's signed webhook and stored by
 * the inbound workflow, opens the window.
 */
describe('messages: the 24-hour customer-service window', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
  let fake: MetaGraphFake;
  let api: Awaited<ReturnType<typeof startMessagingApi>>;
  let deps: ReturnType<typeof messagingDeps>;
  let worker: Worker;
  let running: Promise<void>;
  let auth: { Authorization: string };
  const taskQueue = uniqueTaskQueue('window');
  const text = (to: string, body = 'hello') => ({ from: 'meta-window', to, type: 'text', text: { body } });

  beforeAll(async () => {
    db = await openTestDatabase();
    temporal = await connectTestTemporal();
    fake = await new MetaGraphFake({ tokens: { [PHONE_ID]: TOKEN }, appSecret: APP_SECRET }).start();
    deps = messagingDeps({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      metaBaseUrl: fake.baseUrl,
      customerWindowMarginMs: 60_000,
    });
    api = await startMessagingApi({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      logger: captureLogger().logger,
      deps,
    });
    fake.opts.webhookUrl = `${api.url}/webhooks/meta`;
    auth = { Authorization: `Bearer ${(await createApiKeyRepository(db.conn).create(TENANT)).token}` };
    await deps.senders.register(TENANT, {
      senderId: 'meta-window',
      phoneNumberId: PHONE_ID,
      wabaId: '1077',
      displayPhoneNumber: '15550000077',
      accessToken: TOKEN,
    });
    worker = await createTestWorker(temporal.nativeConnection, taskQueue, deps.activities);
    running = worker.run();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await api.close();
    await fake.stop();
    await db.drop();
    await temporal.close();
  });

  it('refuses free-form text to a user who never wrote, with the reason and the fix, and starts nothing', async () => {
    const res = await request(api.app).post('/v1/messages').set(auth).send(text('4915100000001')).expect(422);
    expect(res.body.error).toMatchObject({
      code: 'customer_window_closed',
      details: {
        field: 'body.type',
        rule: 'template_required_outside_24h_window',
        lastInboundAt: null,
        allowedTypes: ['template'],
      },
    });
    expect(res.body.error.message).toContain('only a template message can be sent');
    expect(await messageHistoryModel(db.conn).countDocuments({ tenantId: TENANT })).toBe(0);
    expect(fake.accepted).toHaveLength(0);
  });

  it('lets a template through outside the window', async () => {
    const id = (
      await request(api.app)
        .post('/v1/messages')
        .set(auth)
        .send({
          from: 'meta-window',
          to: '4915100000002',
          type: 'template',
          template: { name: 'order_update', language: 'en_US' },
        })
        .expect(202)
    ).body.id as string;
    await eventually(async () => (await deps.messages.get(TENANT, id))?.status === 'sent', 'template sent');
  });

  it('opens the window when the user writes (signed Meta webhook → inbound workflow), then free-form goes', async () => {
    const user = '4915100000003';
    await request(api.app).post('/v1/messages').set(auth).send(text(user)).expect(422);
    expect(
      await fake.emitInbound({ phoneNumberId: PHONE_ID, wamid: 'wamid.WINDOW1', from: user, text: 'hi' }),
    ).toBe(200);
    await eventually(
      async () => (await deps.windows.lastInboundAt(TENANT, 'meta-window', user)) !== null,
      'window recorded',
    );
    const id = (await request(api.app).post('/v1/messages').set(auth).send(text(user)).expect(202)).body
      .id as string;
    await eventually(async () => (await deps.messages.get(TENANT, id))?.status === 'sent', 'text sent');
    // The window belongs to that sender and user only.
    await request(api.app).post('/v1/messages').set(auth).send(text('4915100000004')).expect(422);
  });

  it('closes 24 h after the last inbound message (minus the margin); an older redelivery never moves it back', async () => {
    const user = '4915100000005';
    const now = Date.now();
    await deps.windows.touch(TENANT, 'meta-window', user, new Date(now - 25 * HOUR));
    const closed = await request(api.app).post('/v1/messages').set(auth).send(text(user)).expect(422);
    expect(closed.body.error.details.lastInboundAt).toBe(new Date(now - 25 * HOUR).toISOString());
    expect(closed.body.error.details.windowClosedAt).toBe(new Date(now - HOUR - 60_000).toISOString());

    // Inside the window but within the margin of its end: refused too.
    await deps.windows.touch(TENANT, 'meta-window', user, new Date(now - 24 * HOUR + 30_000));
    await request(api.app).post('/v1/messages').set(auth).send(text(user)).expect(422);

    await deps.windows.touch(TENANT, 'meta-window', user, new Date(now - 23 * HOUR));
    await deps.windows.touch(TENANT, 'meta-window', `+${user}`, new Date(now - 30 * HOUR));
    expect(await deps.windows.lastInboundAt(TENANT, 'meta-window', user)).toEqual(new Date(now - 23 * HOUR));
    await request(api.app).post('/v1/messages').set(auth).send(text(user)).expect(202);
  });

  it("never reads another tenant's window", async () => {
    const user = '4915100000006';
    await deps.windows.touch('other-tenant', 'meta-window', user, new Date());
    await request(api.app).post('/v1/messages').set(auth).send(text(user)).expect(422);
  });
});
