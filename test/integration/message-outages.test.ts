import request from 'supertest';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/observability/metrics';
import { workflowIds } from '../../src/temporal/workflow-ids';
import type { MessageWorkflowInput } from '../../workflows/message.definitions';
import type { MetaGraphFake } from '../fakes/meta-graph.fake';
import { TEST_SETTINGS, eventually } from '../helpers/messaging';
import { localActivitiesIn } from '../helpers/temporal';
import { useStack } from '../fixtures/stack';

const PHONE_ID = '106540352249001';
const TOKEN = 'EAAG-outage-token-0123456789';
const TENANT = 'tenant-outage';

/**
 * Provider outages delay messages, they never fail them before their validity (issue 13): rounds of
 * attempts, each through the sender's gate, until the provider is back or the validity has passed
 * (then `expired`, retryable). Also: a message waiting between rounds can be cancelled, and input
 * the database refuses ends in a visible failed state instead of retrying for ever.
 */
describe('messages under provider outages (real Temporal, real FerretDB, Meta fake)', () => {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  afterAll(() => stack.fakes.meta.up());
  const stack = useStack({
    queue: 'outage',
    tenants: [TENANT],
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN } } },
    messaging: { metrics },
    senders: {
      [TENANT]: [
        {
          senderId: 'meta-out',
          phoneNumberId: PHONE_ID,
          wabaId: '1020',
          displayPhoneNumber: '15550000001',
          accessToken: TOKEN,
        },
      ],
    },
  });
  let fake: MetaGraphFake;
  let key: string;
  beforeAll(() => {
    fake = stack.fakes.meta;
    key = stack.key(TENANT);
  });

  const post = (body: object) =>
    request(stack.api.app).post('/v1/messages').set('Authorization', `Bearer ${key}`).send(body);
  const get = (path: string) => request(stack.api.app).get(path).set('Authorization', `Bearer ${key}`);
  const text = (body: string, extra: object = {}) => ({
    from: 'meta-out',
    to: '+1 650 555 0100',
    type: 'text',
    text: { body },
    ...extra,
  });
  const doc = (id: string) => stack.deps.messages.get(TENANT, id);

  afterEach(() => fake.up());

  it('an outage longer than the old attempt budget: messages wait (showing why) and are sent once when the provider is back', async () => {
    fake.down(); // HTTP 500, code 2, "Service temporarily unavailable", is_transient
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await post(text(`outage ${i}`)).expect(202)).body.id as string);
    // Each has failed more than one round of TEST_SETTINGS.maxAttempts (3) attempts: the old rule failed it here.
    for (const id of ids)
      await eventually(async () => ((await doc(id))?.sendRounds ?? 0) >= 2, `${id} retried past a round`);
    const view = (await get(`/v1/messages/${ids[0]}`).expect(200)).body;
    expect(view).toMatchObject({
      status: 'queued',
      error: null,
      retrying: { lastError: { code: '2', message: expect.stringContaining('temporarily unavailable') } },
    });
    expect(Date.parse(view.retrying.nextAttemptAt)).not.toBeNaN();

    fake.up();
    for (const id of ids) await eventually(async () => (await doc(id))?.status === 'sent', `${id} sent`);
    for (const id of ids) {
      expect(fake.sendsFor(id)).toHaveLength(1);
      const sent = await doc(id);
      expect(sent).toMatchObject({ status: 'sent', retryCount: 0, nextAttemptAt: null });
      expect(sent?.errorCode ?? null).toBeNull();
    }
    // Every round asked the sender's rate limiter for a permit (the first with the queued record,
    // each later one on its own; read from the history's local-activity markers): retries are
    // paced by the sender's rate like first attempts.
    for (const id of ids) {
      const handle = stack.temporal.client.workflow.getHandle(workflowIds.message(TENANT, id));
      const { rounds } = (await handle.query('getMessageState')) as { rounds: number };
      const asks = (await localActivitiesIn(await handle.fetchHistory())).filter(
        (t) => t === 'requestSendPermit' || t === 'recordMessageQueued',
      );
      expect(rounds).toBeGreaterThanOrEqual(3);
      expect(asks).toHaveLength(rounds);
    }
  });

  it('an outage past the validity fails the message as expired, retryable; a retry then sends it', async () => {
    fake.down();
    // Its own validity of 2 s (default 4 h): one or two rounds, then expired.
    const id = (await post(text('expires', { validitySeconds: 2 })).expect(202)).body.id as string;
    await eventually(async () => (await doc(id))?.status === 'failed', 'expired', 20_000);
    const failed = (await get(`/v1/messages/${id}`).expect(200)).body;
    expect(failed).toMatchObject({
      status: 'failed',
      retryable: true,
      error: { code: 'expired', message: expect.stringContaining('temporarily unavailable') },
    });
    expect(fake.sendsFor(id)).toHaveLength(0);

    fake.up();
    await request(stack.api.app)
      .post(`/v1/messages/${id}/retry`)
      .set('Authorization', `Bearer ${key}`)
      .expect(202);
    await eventually(async () => (await doc(id))?.status === 'sent', 'sent after retry');
    expect(fake.sendsFor(id)).toHaveLength(1);
  });

  it('a permanent error during an outage still fails at once, not retryable', async () => {
    fake.down({ httpStatus: 400, code: 131026, message: 'Message undeliverable' });
    const id = (await post(text('undeliverable')).expect(202)).body.id as string;
    await eventually(async () => (await doc(id))?.status === 'failed', 'failed');
    expect(await doc(id)).toMatchObject({ errorCode: '131026', retryable: false, sendRounds: 0 });
  });

  it('a message waiting between rounds can be cancelled; nothing is sent after', async () => {
    fake.down();
    const id = (await post(text('cancel me')).expect(202)).body.id as string;
    await eventually(async () => ((await doc(id))?.sendRounds ?? 0) >= 1, 'waiting between rounds');
    // The cancel is refused only while a round is running: try until it lands between rounds.
    await eventually(async () => {
      const res = await request(stack.api.app)
        .post(`/v1/messages/${id}/cancel`)
        .set('Authorization', `Bearer ${key}`);
      return res.status === 200;
    }, 'cancel accepted');
    await eventually(async () => (await doc(id))?.status === 'cancelled', 'cancelled');
    fake.up();
    const handle = stack.temporal.client.workflow.getHandle(workflowIds.message(TENANT, id));
    await handle.result();
    expect(fake.sendsFor(id)).toHaveLength(0);
  });

  it('input the database refuses ends failed (unstorable_input), counted, instead of retrying for ever', async () => {
    // Bypasses the API (which refuses such input at the door): a NUL character FerretDB cannot store.
    const messageId = `msg_poison_${Date.now()}`;
    const input: MessageWorkflowInput = {
      tenantId: TENANT,
      messageId,
      senderId: 'meta-out',
      provider: 'meta',
      sessionId: null,
      senderUserId: null,
      priority: 'normal',
      to: '16505550100',
      recipientName: null,
      content: { type: 'text', text: { body: 'poison \u0000 body' } },
      metadata: { $where: 'sleep(1000)' },
      idempotencyKey: null,
      requestHash: 'h',
      acceptedAt: new Date().toISOString(),
      retry: false,
      settings: TEST_SETTINGS,
    };
    const handle = await stack.temporal.client.workflow.start('messageWorkflow', {
      workflowId: workflowIds.message(TENANT, messageId),
      taskQueue: stack.taskQueue,
      args: [input],
    });
    const state = (await handle.result()) as { status: string; error: { code: string } };
    expect(state).toMatchObject({ status: 'failed', error: { code: 'unstorable_input' } });
    expect(await doc(messageId)).toMatchObject({
      status: 'failed',
      errorCode: 'unstorable_input',
      content: { type: 'text' },
    });
    expect(fake.sendsFor(messageId)).toHaveLength(0);
    const counted = await metrics.registry.getSingleMetricAsString('whatsapp_storage_rejections_total');
    expect(counted).toMatch(/activity="recordMessageQueued"} 1/);
  });
});
