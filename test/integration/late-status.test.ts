import request from 'supertest';
import type { Worker } from '@temporalio/worker';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, eventually, messagingDeps, startMessagingApi } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { connectTestTemporal, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';

const TENANT = 'tenant-late';
const PHONE_ID = '106540352242922';
const TOKEN = 'EAAG-late-status-token-0123456789';

/**
 * A message's workflow follows statuses for MESSAGE_STATUS_TIMEOUT_MS (here 300 ms, 24 h by
 * default); people read messages later. A delivered or read arriving after the workflow ended
 * still moves the record forward — only forward, and only for the provider id the record holds.
 */
describe('messages: statuses after the workflow stopped following', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
  let fake: MetaGraphFake;
  let api: Awaited<ReturnType<typeof startMessagingApi>>;
  let deps: ReturnType<typeof messagingDeps>;
  let worker: Worker;
  let running: Promise<void>;
  let auth: { Authorization: string };
  const taskQueue = uniqueTaskQueue('late');

  beforeAll(async () => {
    db = await openTestDatabase();
    temporal = await connectTestTemporal();
    fake = await new MetaGraphFake({ tokens: { [PHONE_ID]: TOKEN }, appSecret: APP_SECRET }).start();
    deps = messagingDeps({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      metaBaseUrl: fake.baseUrl,
      settings: { statusTimeoutMs: 300 },
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
      senderId: 'meta-late',
      phoneNumberId: PHONE_ID,
      wabaId: '102290129340398',
      displayPhoneNumber: '15550783881',
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

  const sendAndFinish = async (body: string) => {
    const id = (
      await request(api.app)
        .post('/v1/messages')
        .set(auth)
        .send({ from: 'meta-late', to: '16505551234', type: 'text', text: { body } })
        .expect(202)
    ).body.id as string;
    await eventually(async () => (await deps.messages.get(TENANT, id))?.status === 'sent', 'sent');
    // The workflow ends when its status timeout passes without a final status.
    const state = (await temporal.client.workflow.getHandle(workflowIds.message(TENANT, id)).result()) as {
      status: string;
    };
    expect(state.status).toBe('sent');
    return { id, wamid: fake.sendsFor(id)[0]?.wamid as string };
  };

  it('applies delivered and read that arrive after the workflow ended, forward only', async () => {
    const { id, wamid } = await sendAndFinish('late read');
    const cb = `${TENANT}:${id}`;
    // The webhook's 200 comes after the write: no waiting needed.
    expect(await fake.emitStatuses([{ wamid, status: 'read', callbackData: cb }])).toBe(200);
    let doc = await deps.messages.get(TENANT, id);
    expect(doc?.status).toBe('read');
    const readAt = doc?.readAt;
    expect(doc?.readAt).not.toBeNull();
    expect(doc?.deliveredAt).toEqual(doc?.readAt);
    // Later, older or failing statuses never move it back.
    expect(
      await fake.emitStatuses([
        { wamid, status: 'delivered', callbackData: cb },
        { wamid, status: 'failed', callbackData: cb },
        { wamid, status: 'read' },
      ]),
    ).toBe(200);
    doc = await deps.messages.get(TENANT, id);
    expect(doc?.status).toBe('read');
    expect(doc?.readAt).toEqual(readAt);
    expect(doc?.errorCode ?? null).toBeNull();
  });

  it('finds the message by its wamid when the status carries no reference; another wamid moves nothing', async () => {
    const { id, wamid } = await sendAndFinish('late delivered');
    expect(
      await fake.emitStatuses([
        { wamid: 'wamid.SOMETHING-ELSE', status: 'read', callbackData: `${TENANT}:${id}` },
      ]),
    ).toBe(200);
    expect((await deps.messages.get(TENANT, id))?.status).toBe('sent');
    expect(await fake.emitStatuses([{ wamid, status: 'delivered' }])).toBe(200);
    expect((await deps.messages.get(TENANT, id))?.status).toBe('delivered');
  });
});
