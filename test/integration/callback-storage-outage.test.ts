import type { Connection } from 'mongoose';
import { createCallbackActivities } from '../../activities/callbacks.activities';
import { connectMongo } from '../../src/db/connection';
import { createTenantCallbackRepository } from '../../src/db/repositories/tenant-callback.repository';
import { createSecretBox } from '../../src/security/secret-box';
import { workflowIds } from '../../src/temporal/workflow-ids';
import type { inboundMessageWorkflow } from '../../workflows/inbound.workflow';
import { startCallbackEndpoint, type CallbackEndpoint } from '../fakes/callback-endpoint.fake';
import { eventually, LOCAL_CALLBACK_DELIVERY } from '../helpers/messaging';
import { startOwnFerretDb, type OwnFerretDb } from '../fixtures/own-servers';
import { useStack } from '../fixtures/stack';

/**
 * The callback activity reads the tenant's target from our database before it calls anyone: while
 * that database is down it waits inside the attempt (issue 15), so an outage of ours never uses up
 * the tenant's delivery attempts. The callbacks collection lives on a FerretDB of the test's own,
 * SIGKILLed and restarted; the inbound record on the run's shared one.
 */
describe('callback delivery while our database is down (a FerretDB of its own)', () => {
  let ferret: OwnFerretDb;
  let conn: Connection;
  let receiver: CallbackEndpoint;
  // The messaging stack on the run's database; the callback targets in the FerretDB of its own.
  const stack = useStack({ queue: 'cbout', worker: false });

  beforeAll(async () => {
    ferret = await startOwnFerretDb('cbout');
    conn = await connectMongo(ferret.uri('cbout'), { maxPoolSize: 5 });
    receiver = await startCallbackEndpoint((_req, res) => res.writeHead(200).end());
    const callbacks = createTenantCallbackRepository(
      conn,
      createSecretBox(new Map([['k1', Buffer.alloc(32, 3)]])),
    );
    await callbacks.set('tenant-cbout', receiver.url);
    await stack.runWorker({
      ...stack.deps.activities,
      ...createCallbackActivities({ callbacks: { repo: callbacks, ...LOCAL_CALLBACK_DELIVERY } }),
    });
  });
  // Once the worker is down (declared after the stack).
  afterAll(async () => {
    await receiver.close();
    await conn.close();
    await ferret.close();
  });

  it('waits inside its first attempt while the target cannot be read, then delivers once it can', async () => {
    await ferret.kill();

    const providerMessageId = 'wamid.cbout.1';
    const handle = await stack.temporal.client.workflow.start<typeof inboundMessageWorkflow>(
      'inboundMessageWorkflow',
      {
        taskQueue: stack.taskQueue,
        workflowId: workflowIds.inbound('tenant-cbout', 'meta', providerMessageId),
        args: [
          {
            tenantId: 'tenant-cbout',
            senderId: 'meta-main',
            notify: true,
            // Two attempts, 50 ms apart: a read failure that spent attempts would fail the callback at once.
            callbackMaxAttempts: 2,
            callbackRetryInitialMs: 50,
            message: {
              provider: 'meta',
              providerMessageId,
              recipientAccountId: '4000',
              from: '4915112345678',
              fromName: null,
              at: new Date().toISOString(),
              type: 'text',
              text: 'while down',
              content: { body: 'while down' },
            },
          },
        ],
      },
    );
    // The delivery is waiting in its first attempt: it heartbeats between reads of the database.
    await eventually(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some(
        (a) =>
          a.activityType?.name === 'deliverStatusCallback' && Number(a.attempt) === 1 && a.lastHeartbeatTime,
      );
    }, 'the callback waiting for the database inside attempt 1');
    expect(receiver.received).toHaveLength(0);

    await ferret.restart();
    await handle.result();
    expect(receiver.received).toHaveLength(1);
    const history = await handle.fetchHistory();
    const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    // recordInboundMessage is a local activity: the only task started is the callback, once.
    expect(started.map((e) => Number(e.activityTaskStartedEventAttributes?.attempt))).toEqual([1]);
  });
});
