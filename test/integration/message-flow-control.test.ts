import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { workflowIds } from '../../src/temporal/workflow-ids';
import type { SendRate } from '../../src/domain/send-permit';
import type { MetaGraphFake } from '../fakes/meta-graph.fake';
import { eventually } from '../helpers/messaging';
import { startChildWorker } from '../helpers/child-worker';
import { testEnv } from '../helpers/env';
import { useStack } from '../fixtures/stack';

const TOKEN = 'EAAG-flow-token-0123456789';
const SENDERS = {
  slow: '200000000000001',
  paced: '200000000000002',
  outage: '200000000000003',
  tuned: '200000000000004',
};

describe('messages: rate limit per sender, priority, cancel, provider outage', () => {
  // Two workers poll the queue, one in a process of its own: the rate and the priority order are
  // shared state (MongoDB), not a worker's. Rates are set as the senders' own, which both read.
  let child: ChildProcess;
  afterAll(async () => {
    const childExited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await childExited;
  });
  const rate: SendRate = { ratePerSec: 1000, burst: 1000 };
  const stack = useStack({
    queue: 'msgflow',
    tenants: ['tenant-f'],
    fakes: { meta: { tokens: Object.fromEntries(Object.values(SENDERS).map((p) => [p, TOKEN])) } },
    messaging: {
      rateFor: () => rate,
      // Waiting messages ask again at least every second (production: every minute), so a rate
      // set while they wait is seen at once.
      limiterMaxWaitMs: 1_000,
      settings: { maxAttempts: 6, initialRetryMs: 300, maxRetryMs: 2_000 },
    },
    senders: {
      'tenant-f': Object.entries(SENDERS).map(([id, phoneNumberId]) => ({
        senderId: id,
        phoneNumberId,
        wabaId: '102290129340398',
        displayPhoneNumber: '15550000000',
        accessToken: TOKEN,
      })),
    },
  });
  let fake: MetaGraphFake;
  let key: string;
  beforeAll(async () => {
    fake = stack.fakes.meta;
    key = stack.key('tenant-f');
    child = await startChildWorker({
      CHILD_MONGODB_URI: stack.db.uri,
      CHILD_TEMPORAL_ADDRESS: testEnv('TEST_TEMPORAL_ADDRESS'),
      CHILD_TASK_QUEUE: stack.taskQueue,
      CHILD_META_URL: fake.baseUrl,
      CHILD_LIMITER_MAX_WAIT_MS: '1000',
    });
  });
  const setRate = (sender: string, r: SendRate) => stack.deps.limiter.setRateOverride('tenant-f', sender, r);

  const send = (from: string, body: string, priority = 'normal') =>
    request(stack.api.app)
      .post('/v1/messages')
      .set('Authorization', `Bearer ${key}`)
      .send({ from, to: '4915112345678', type: 'text', text: { body }, priority })
      .expect(202);
  const statusOf = async (id: string) => (await stack.deps.messages.get('tenant-f', id))?.status;
  /** Workflow ids of the messages waiting in the sender's line (the limiter's shared state). */
  const line = async (sender: string) =>
    (await stack.deps.limiter.line('tenant-f', sender)).map((w) => w.ticket);
  const inLine = async (sender: string, id: string) =>
    (await line(sender)).includes(workflowIds.message('tenant-f', id));
  const bodiesSentBy = (phoneId: string) =>
    fake.accepted
      .filter((a) => fake.requests.some((r) => r.path.includes(phoneId) && r.body === a.body))
      .map((a) => (a.body.text as { body: string }).body);

  it('cancels a message while it waits for its turn (409 once it is not queued any more)', async () => {
    await setRate('slow', { ratePerSec: 0.01, burst: 1 });
    const first = (await send('slow', 'takes the only token')).body.id as string;
    await eventually(async () => (await statusOf(first)) === 'sent', 'first sent');
    const second = (await send('slow', 'waits')).body.id as string;
    await eventually(() => inLine('slow', second), 'second waiting in the sender’s line');
    const res = await request(stack.api.app)
      .post(`/v1/messages/${second}/cancel`)
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    expect(res.body).toEqual({ id: second, status: 'cancelled' });
    await eventually(async () => (await statusOf(second)) === 'cancelled', 'cancelled');
    await eventually(async () => (await line('slow')).length === 0, 'left the line');
    const again = await request(stack.api.app)
      .post(`/v1/messages/${second}/cancel`)
      .set('Authorization', `Bearer ${key}`)
      .expect(409);
    expect(again.body.error.code).toBe('not_cancellable');
    await request(stack.api.app)
      .post(`/v1/messages/${first}/cancel`)
      .set('Authorization', `Bearer ${key}`)
      .expect(409);
    await request(stack.api.app)
      .post(`/v1/messages/${second}/retry`)
      .set('Authorization', `Bearer ${key}`)
      .expect(409);
    expect(fake.sendsFor(second)).toHaveLength(0);
  });

  it('paces a sender at its rate, queues the excess, and lets high priority overtake queued low', async () => {
    // Everything queues behind n0 at a rate that gives no second token during the test; only once
    // all are in line does the sender get 2/s (burst 1), so the order is the line's, not arrival's.
    await setRate('paced', { ratePerSec: 0.001, burst: 1 });
    const ids: string[] = [];
    ids.push((await send('paced', 'n0')).body.id);
    await eventually(async () => (await statusOf(ids[0] as string)) === 'sent', 'n0 sent');
    for (const b of ['l1', 'l2', 'n1', 'n2', 'l3', 'n3', 'h1', 'h2'])
      ids.push((await send('paced', b, b[0] === 'l' ? 'low' : b[0] === 'h' ? 'high' : 'normal')).body.id);
    await eventually(async () => (await line('paced')).length === 8, 'all eight in the sender’s line');
    expect((await line('paced')).map((w) => ids.indexOf(w.split(':')[2] as string))).toEqual([
      7, 8, 3, 4, 6, 1, 2, 5,
    ]);
    await setRate('paced', { ratePerSec: 2, burst: 1 });
    for (const id of ids) await eventually(async () => (await statusOf(id)) === 'sent', `${id} sent`, 30_000);

    const order = bodiesSentBy(SENDERS.paced);
    expect(order).toHaveLength(9);
    // High before normal before low, FIFO by acceptance within each, whichever worker asked.
    expect(order).toEqual(['n0', 'h1', 'h2', 'n1', 'n2', 'n3', 'l1', 'l2', 'l3']);
    // 9 sends at 2/s with a burst of 1 cannot take less than 4 s (lower bound only: never flaky).
    const times = fake.accepted
      .filter((a) => order.includes((a.body.text as { body: string }).body))
      .map((a) => a.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(((9 - 1) / 2) * 1000 * 0.9);
  });

  it('waits through a provider outage, then sends everything exactly once', async () => {
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

  it('a sender’s own rate takes effect without a restart (PUT /v1/senders/:id/rate), and bad rates are 400s', async () => {
    await setRate('tuned', { ratePerSec: 0.01, burst: 1 });
    const rateOf = () =>
      request(stack.api.app).get('/v1/senders/tuned/rate').set('Authorization', `Bearer ${key}`).expect(200);
    const first = (await send('tuned', 't0')).body.id as string;
    await eventually(async () => (await statusOf(first)) === 'sent', 't0 sent');
    const waiting = [
      (await send('tuned', 't1')).body.id as string,
      (await send('tuned', 't2', 'high')).body.id as string,
    ];
    await eventually(async () => (await line('tuned')).length === 2, 'both waiting for a token');
    expect((await rateOf()).body).toEqual({
      senderId: 'tuned',
      provider: 'meta',
      ratePerSecond: 0.01,
      burst: 1,
      source: 'sender',
      waiting: { high: 1, normal: 1, low: 0 },
    });

    const put = await request(stack.api.app)
      .put('/v1/senders/tuned/rate')
      .set('Authorization', `Bearer ${key}`)
      .send({ ratePerSecond: 50, burst: 5 })
      .expect(200);
    expect(put.body).toMatchObject({ ratePerSecond: 50, burst: 5, source: 'sender' });
    // The new rate is read at the next ask, on either worker, with no restart: the waiting ones
    // are sent when they ask again, and a new message goes at once (the bucket starts full at the
    // new rate, with tokens for those ahead of it too: order only matters when tokens are scarce).
    const third = (await send('tuned', 't3')).body.id as string;
    for (const id of [...waiting, third])
      await eventually(async () => (await statusOf(id)) === 'sent', `${id} sent at the new rate`);
    expect(bodiesSentBy(SENDERS.tuned).sort()).toEqual(['t0', 't1', 't2', 't3']);
    expect((await rateOf()).body.waiting).toEqual({ high: 0, normal: 0, low: 0 });

    const bad = await request(stack.api.app)
      .put('/v1/senders/tuned/rate')
      .set('Authorization', `Bearer ${key}`)
      .send({ ratePerSecond: 0, burst: 1.5 })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('ratePerSecond');
    expect(JSON.stringify(bad.body)).toContain('burst');
    await request(stack.api.app)
      .put('/v1/senders/nobody/rate')
      .set('Authorization', `Bearer ${key}`)
      .send({ ratePerSecond: 1, burst: 1 })
      .expect(404);
    const back = await request(stack.api.app)
      .delete('/v1/senders/tuned/rate')
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    expect(back.body).toMatchObject({ ratePerSecond: 1000, burst: 1000, source: 'provider' });
  });
});
