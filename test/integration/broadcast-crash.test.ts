import request from 'supertest';
import type { Worker } from '@temporalio/worker';
import { idForKey, requestHashOf } from '../../src/api/messages/message-view';
import { messageHistoryModel } from '../../src/db/models/message-history.model';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { recipientMessageId } from '../../src/domain/broadcast';
import { createBroadcastBody } from '../../src/schemas/broadcast.schema';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { testEnv } from '../helpers/env';
import { startChildWorker } from '../helpers/child-worker';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, eventually, messagingDeps, startMessagingApi } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { connectTestTemporal, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';

const PHONE_ID = '300000000000018';
const TOKEN = 'EAAG-bcrash-token-0123456789';
const TENANT = 'tenant-bcrash';

/** Crash safety of broadcasts (issue 18): a worker killed mid-broadcast, an API that died mid-accept. */
describe('broadcasts: processes killed', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
  let fake: MetaGraphFake;
  let api: Awaited<ReturnType<typeof startMessagingApi>>;
  let deps: ReturnType<typeof messagingDeps>;
  let key: string;
  const taskQueue = uniqueTaskQueue('bcrash');
  const phone = (i: number) => `4917${String(10_000_000 + i)}`;
  const template = { name: 'crash_notice', language: 'en_US' };
  const sendsOf = (broadcastId: string, n: number) =>
    Array.from({ length: n }, (_, i) => fake.sendsFor(recipientMessageId(broadcastId, i)).length);

  beforeAll(async () => {
    db = await openTestDatabase();
    temporal = await connectTestTemporal();
    fake = await new MetaGraphFake({ tokens: { [PHONE_ID]: TOKEN }, appSecret: APP_SECRET }).start();
    deps = messagingDeps({ conn: db.conn, temporal: temporal.client, taskQueue, metaBaseUrl: fake.baseUrl });
    api = await startMessagingApi({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue,
      logger: captureLogger().logger,
      deps,
    });
    await deps.senders.register(TENANT, {
      senderId: 'meta-bx',
      phoneNumberId: PHONE_ID,
      wabaId: '1020',
      displayPhoneNumber: '15550000018',
      accessToken: TOKEN,
    });
    key = (await createApiKeyRepository(db.conn).create(TENANT)).token;
  });
  afterAll(async () => {
    await api.close();
    await fake.stop();
    await db.drop();
    await temporal.close();
  });

  it('a worker SIGKILLed mid-broadcast: every recipient sent, none twice except the sends in flight at the kill', async () => {
    const child = await startChildWorker({
      CHILD_MONGODB_URI: db.uri,
      CHILD_TEMPORAL_ADDRESS: testEnv('TEST_TEMPORAL_ADDRESS'),
      CHILD_TASK_QUEUE: taskQueue,
      CHILD_META_URL: fake.baseUrl,
      // Answered sends wait in the journal 1.5 s before their records are written: at the kill, some
      // are journaled only (never to be sent again), some are written to their records.
      CHILD_BROADCAST_FOLD_MS: '1500',
    });
    // Meta holds every send 800 ms: at the kill, a known set of sends is in flight at the fake.
    fake.setLatency(800);
    await request(api.app)
      .put('/v1/senders/meta-bx/rate')
      .set('Authorization', `Bearer ${key}`)
      .send({ ratePerSecond: 20, burst: 1 })
      .expect(200);
    const n = 60;
    const id = (
      await request(api.app)
        .post('/v1/broadcasts')
        .set('Authorization', `Bearer ${key}`)
        .send({
          from: 'meta-bx',
          type: 'template',
          template,
          recipients: Array.from({ length: n }, (_, i) => ({ to: phone(i) })),
        })
        .expect(202)
    ).body.id as string;
    // Far enough that some sends were written to their records, while later ones are journaled.
    await eventually(
      async () =>
        (await messageHistoryModel(db.conn).countDocuments({ broadcastId: id, status: 'sent' })) > 0,
      'part of the broadcast sent and written',
    );
    const inFlightAtKill = fake.inFlight;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // What the dead worker left: sends that reached Meta (answered or still held when the worker
    // died) whose `sent` it never recorded. Only these may go out twice (the documented
    // at-least-once case); a recipient recorded as sent must never be sent again.
    await eventually(async () => fake.handling === 0, "the dead worker's requests handled at the fake");
    // Recorded = written to the record, or journaled (the record written later, by the next worker).
    const journaled = new Map(
      (await deps.broadcasts.journaledSends(TENANT, id)).map((j) => [j.messageId, j.providerMessageId]),
    );
    const reachedUnrecorded: number[] = [];
    let writtenAtKill = 0;
    for (let i = 0; i < n; i++) {
      const doc = await deps.messages.get(TENANT, recipientMessageId(id, i));
      if (doc?.status === 'sent') writtenAtKill++;
      if (
        doc?.status === 'queued' &&
        !journaled.has(recipientMessageId(id, i)) &&
        fake.sendsFor(recipientMessageId(id, i)).length > 0
      )
        reachedUnrecorded.push(i);
    }
    expect(journaled.size).toBeGreaterThan(0);
    expect(writtenAtKill).toBeGreaterThan(0);
    fake.setLatency(0);

    const worker: Worker = await createTestWorker(temporal.nativeConnection, taskQueue, deps.activities);
    await worker.runUntil(
      eventually(
        async () => {
          const b = await deps.broadcasts.get(TENANT, id);
          return b?.status === 'completed';
        },
        'the broadcast completed by the new worker',
        60_000,
      ),
    );
    const counts = sendsOf(id, n);
    expect(counts.every((c) => c >= 1)).toBe(true);
    const duplicated = counts.reduce((a, c) => a + c - 1, 0);
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(duplicated).toBeLessThanOrEqual(reachedUnrecorded.length);
    counts.forEach((c, i) => {
      if (c > 1) expect(reachedUnrecorded).toContain(i);
    });
    // Every record is sent with a provider id Meta gave for it; a journaled one with the journal's.
    for (let i = 0; i < n; i++) {
      const doc = await deps.messages.get(TENANT, recipientMessageId(id, i));
      expect(doc?.status).toBe('sent');
      expect(fake.sendsFor(recipientMessageId(id, i)).map((s) => s.wamid)).toContain(doc?.providerMessageId);
      const j = journaled.get(recipientMessageId(id, i));
      if (j) expect(doc?.providerMessageId).toBe(j);
    }
    expect(await deps.broadcasts.journaledSends(TENANT, id)).toEqual([]);
  });

  it('an API that died between storing the recipients and starting the workflow: the same Idempotency-Key starts it, once', async () => {
    const body = {
      from: 'meta-bx',
      type: 'template',
      template,
      recipients: Array.from({ length: 5 }, (_, i) => ({ to: phone(100 + i) })),
    };
    // What the dead API had written: the broadcast and its recipients, no workflow.
    const parsed = createBroadcastBody.parse(body);
    const broadcastId = idForKey('bc', TENANT, 'died-mid-accept');
    const now = new Date();
    await deps.broadcasts.create(
      {
        tenantId: TENANT,
        broadcastId,
        name: null,
        senderId: 'meta-bx',
        provider: 'meta',
        sessionId: null,
        senderUserId: 'k',
        priority: parsed.priority,
        messageType: 'template',
        content: parsed.content as unknown as Record<string, unknown>,
        total: 5,
        notBefore: null,
        validityMs: null,
        idempotencyKey: 'died-mid-accept',
        requestHash: requestHashOf(parsed),
        workflowId: workflowIds.broadcast(TENANT, broadcastId),
        createdAt: now,
      },
      parsed.recipients,
    );
    const worker: Worker = await createTestWorker(temporal.nativeConnection, taskQueue, deps.activities);
    await worker.runUntil(async () => {
      const res = await request(api.app)
        .post('/v1/broadcasts')
        .set('Authorization', `Bearer ${key}`)
        .set('Idempotency-Key', 'died-mid-accept')
        .send(body)
        .expect(202);
      expect(res.body.id).toBe(broadcastId);
      expect(res.headers['idempotent-replayed']).toBe('true');
      await eventually(
        async () => (await deps.broadcasts.get(TENANT, broadcastId))?.status === 'completed',
        'the broadcast sent',
      );
      // Asked again: the same broadcast, nothing sent twice.
      await request(api.app)
        .post('/v1/broadcasts')
        .set('Authorization', `Bearer ${key}`)
        .set('Idempotency-Key', 'died-mid-accept')
        .send(body)
        .expect(202);
    });
    expect(sendsOf(broadcastId, 5)).toEqual([1, 1, 1, 1, 1]);
  });
});
