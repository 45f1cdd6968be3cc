import request from 'supertest';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, eventually, messagingDeps, startMessagingApi } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { createTestWorker, startDedicatedTemporal, uniqueTaskQueue } from '../helpers/temporal';

const TOKEN = 'EAAG-can-token-0123456789';
const PHONE_ID = '200000000000009';

/**
 * The per-sender gate is long-lived: under load it must continue-as-new with its queue and bucket
 * carried over, losing and duplicating nothing. Its own dev server suggests continue-as-new at 40
 * history events (default 4,096), so 30 paced messages force at least one new run mid-queue.
 */
describe('sender gate continue-as-new (own Temporal dev server, low history threshold)', () => {
  let dedicated: Awaited<ReturnType<typeof startDedicatedTemporal>>;
  let nativeConnection: NativeConnection;
  let client: Client;
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let fake: MetaGraphFake;
  let api: Awaited<ReturnType<typeof startMessagingApi>>;
  let deps: ReturnType<typeof messagingDeps>;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueTaskQueue('gatecan');

  beforeAll(async () => {
    dedicated = await startDedicatedTemporal(['limit.historyCount.suggestContinueAsNew=40']);
    ({ client, nativeConnection } = dedicated);
    db = await openTestDatabase();
    fake = await new MetaGraphFake({ tokens: { [PHONE_ID]: TOKEN }, appSecret: APP_SECRET }).start();
    deps = messagingDeps({
      conn: db.conn,
      temporal: client,
      taskQueue,
      metaBaseUrl: fake.baseUrl,
      rateFor: () => ({ ratePerSec: 5, burst: 1 }),
    });
    api = await startMessagingApi({
      conn: db.conn,
      temporal: client,
      taskQueue,
      logger: captureLogger().logger,
      deps,
    });
    await deps.senders.register('tenant-g', {
      senderId: 'paced',
      phoneNumberId: PHONE_ID,
      wabaId: '102290129340398',
      displayPhoneNumber: '15550000000',
      accessToken: TOKEN,
    });
    worker = await createTestWorker(nativeConnection, taskQueue, deps.activities);
    running = worker.run();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await api.close();
    await fake.stop();
    await db.drop();
    await dedicated.stop();
  });

  it('carries its queue across runs: every message sent exactly once', async () => {
    const key = (await createApiKeyRepository(db.conn).create('tenant-g')).token;
    const bodies = Array.from({ length: 30 }, (_, i) => `paced message ${i}`);
    const ids: string[] = [];
    for (const body of bodies) {
      const res = await request(api.app)
        .post('/v1/messages')
        .set('Authorization', `Bearer ${key}`)
        .send({ from: 'paced', to: '4915112345678', type: 'text', text: { body } })
        .expect(202);
      ids.push(res.body.id as string);
    }

    await eventually(
      async () => {
        const statuses = await Promise.all(
          ids.map(async (id) => (await deps.messages.get('tenant-g', id))?.status),
        );
        return statuses.every((s) => s === 'sent' || s === 'delivered' || s === 'read');
      },
      'all 30 messages sent',
      100_000,
    );

    const sent = fake.accepted.map((a) => (a.body.text as { body: string }).body);
    expect(sent.sort()).toEqual([...bodies].sort()); // none lost, none twice

    // The gate really did continue as new (more than one run for its workflow id).
    const gateId = workflowIds.senderGate('tenant-g', 'paced');
    const runs: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId="${gateId}"` }))
      runs.push(wf.status.name);
    expect(runs).toContain('CONTINUED_AS_NEW');
  }, 120_000);
});
