import request from 'supertest';
import type { Worker } from '@temporalio/worker';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { getGateStateQuery, type GateRate } from '../../workflows/message.definitions';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, eventually, messagingDeps, startMessagingApi } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { connectTestTemporal, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';

const TOKEN = 'EAAG-flow-token-0123456789';
const SENDERS = { slow: '200000000000001', paced: '200000000000002', outage: '200000000000003' };

describe('messages: rate limit per sender, priority, cancel, provider outage', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
  let fake: MetaGraphFake;
  let api: Awaited<ReturnType<typeof startMessagingApi>>;
  let deps: ReturnType<typeof messagingDeps>;
  let worker: Worker;
  let running: Promise<void>;
  let key: string;
  let rate: GateRate = { ratePerSec: 1000, burst: 1000 };
  const taskQueue = uniqueTaskQueue('msgflow');

  const send = (from: string, body: string, priority = 'normal') =>
    request(api.app)
      .post('/v1/messages')
      .set('Authorization', `Bearer ${key}`)
      .send({ from, to: '4915112345678', type: 'text', text: { body }, priority })
      .expect(202);
  const statusOf = async (id: string) => (await deps.messages.get('tenant-f', id))?.status;
  const gate = (sender: string) =>
    temporal.client.workflow.getHandle(workflowIds.senderGate('tenant-f', sender));
  const bodiesSentBy = (phoneId: string) =>
    fake.accepted
      .filter((a) => fake.requests.some((r) => r.path.includes(phoneId) && r.body === a.body))
      .map((a) => (a.body.text as { body: string }).body);

  beforeAll(async () => {
    db = await openTestDatabase();
    temporal = await connectTestTemporal();
    fake = await new MetaGraphFake({
      tokens: Object.fromEntries(Object.values(SENDERS).map((p) => [p, TOKEN])),
      appSecret: APP_SECRET,
    }).start();
    deps = messagingDeps({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      metaBaseUrl: fake.baseUrl,
      rateFor: () => rate,
      settings: { maxAttempts: 6, initialRetryMs: 300, maxRetryMs: 2_000 },
    });
    api = await startMessagingApi({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      logger: captureLogger().logger,
      deps,
    });
    key = (await createApiKeyRepository(db.conn).create('tenant-f')).token;
    for (const [id, phoneNumberId] of Object.entries(SENDERS))
      await deps.senders.register('tenant-f', {
        senderId: id,
        phoneNumberId,
        wabaId: '102290129340398',
        displayPhoneNumber: '15550000000',
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

  it('cancels a message while it waits for its turn (409 once it is not queued any more)', async () => {
    rate = { ratePerSec: 0.01, burst: 1 };
    const first = (await send('slow', 'takes the only token')).body.id as string;
    await eventually(async () => (await statusOf(first)) === 'sent', 'first sent');
    const second = (await send('slow', 'waits')).body.id as string;
    await eventually(
      async () => (await gate('slow').query(getGateStateQuery)).queued.normal === 1,
      'second queued at the gate',
    );
    const res = await request(api.app)
      .post(`/v1/messages/${second}/cancel`)
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    expect(res.body).toEqual({ id: second, status: 'cancelled' });
    await eventually(async () => (await statusOf(second)) === 'cancelled', 'cancelled');
    await eventually(
      async () => (await gate('slow').query(getGateStateQuery)).queued.normal === 0,
      'withdrawn from the gate',
    );
    const again = await request(api.app)
      .post(`/v1/messages/${second}/cancel`)
      .set('Authorization', `Bearer ${key}`)
      .expect(409);
    expect(again.body.error.code).toBe('not_cancellable');
    await request(api.app)
      .post(`/v1/messages/${first}/cancel`)
      .set('Authorization', `Bearer ${key}`)
      .expect(409);
    await request(api.app)
      .post(`/v1/messages/${second}/retry`)
      .set('Authorization', `Bearer ${key}`)
      .expect(409);
    expect(fake.sendsFor(second)).toHaveLength(0);
  });

  it('paces a sender at its rate, queues the excess, and lets high priority overtake queued low', async () => {
    rate = { ratePerSec: 2, burst: 1 };
    const ids: string[] = [];
    ids.push((await send('paced', 'n0')).body.id);
    // n0 takes the only token of the burst; everything after it has to queue.
    await eventually(async () => (await statusOf(ids[0] as string)) === 'sent', 'n0 sent');
    for (const b of ['l1', 'l2', 'n1', 'n2', 'l3', 'n3'])
      ids.push((await send('paced', b, b.startsWith('l') ? 'low' : 'normal')).body.id);
    await eventually(async () => {
      const s = await gate('paced').query(getGateStateQuery);
      return s.queued.low + s.queued.normal + s.granted - 1 >= 6;
    }, 'all queued at the gate');
    for (const b of ['h1', 'h2']) ids.push((await send('paced', b, 'high')).body.id);
    for (const id of ids) await eventually(async () => (await statusOf(id)) === 'sent', `${id} sent`, 30_000);

    const order = bodiesSentBy(SENDERS.paced);
    expect(order).toHaveLength(9);
    const pos = (b: string) => order.indexOf(b);
    // Both high messages overtook every queued low one (queued before them).
    expect(pos('n0')).toBe(0);
    for (const h of ['h1', 'h2']) for (const l of ['l1', 'l2', 'l3']) expect(pos(h)).toBeLessThan(pos(l));
    // Lows went last, FIFO among themselves; normals FIFO too.
    expect(order.slice(-3)).toEqual(['l1', 'l2', 'l3']);
    expect(pos('n1')).toBeLessThan(pos('n2'));
    // 9 sends at 2/s with a burst of 1 cannot take less than 4 s (lower bound only: never flaky).
    const times = fake.accepted
      .filter((a) => order.includes((a.body.text as { body: string }).body))
      .map((a) => a.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(((9 - 1) / 2) * 1000 * 0.9);
  });

  it('waits through a provider outage, then sends everything exactly once', async () => {
    rate = { ratePerSec: 1000, burst: 1000 };
    fake.down();
    const before = fake.requests.length;
    const ids = [
      (await send('outage', 'o1')).body.id as string,
      (await send('outage', 'o2')).body.id as string,
    ];
    await eventually(async () => fake.requests.length - before >= 4, 'failed attempts during the outage');
    expect(await Promise.all(ids.map(statusOf))).toEqual(['queued', 'queued']);
    fake.up();
    for (const id of ids)
      await eventually(async () => (await statusOf(id)) === 'sent', 'sent after the outage');
    for (const id of ids) expect(fake.sendsFor(id)).toHaveLength(1);
  });
});
