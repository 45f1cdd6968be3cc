import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createDiagnosticsActivities } from '../../activities/diagnostics.activities';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { createPayloadCodec, KEY_ID_METADATA } from '../../src/temporal/payload-codec';
import { testEnv } from '../helpers/env';
import { uniqueTaskQueue } from '../helpers/temporal';
import { useInfra } from '../fixtures/infra';

/**
 * Rotating the payload key on a live system (issue 15): a workflow started while key A was active
 * is finished by a worker whose ring holds A and B with B active — it reads what A sealed and seals
 * what it writes with B.
 */
describe('payload codec key rotation on the real server', () => {
  const infra = useInfra({ queue: 'rotate' });

  it('started under key A, finished after B became active: decodes, and new payloads carry B', async () => {
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    const before = { payloadCodecs: [createPayloadCodec(new Map([['a', keyA]]))] };
    const rotated = {
      payloadCodecs: [
        createPayloadCodec(
          new Map([
            ['a', keyA],
            ['b', keyB],
          ]),
          'b',
        ),
      ],
    };
    const taskQueue = uniqueTaskQueue('rotate');
    const workflowId = `ping:rotate:${randomBytes(4).toString('hex')}`;
    // Accepted while A is active; no worker has picked it up yet.
    await new Client({ connection: infra.temporal.connection, dataConverter: before }).workflow.start(
      'pingWorkflow',
      {
        taskQueue,
        workflowId,
        args: [{ tenantId: 'rotate', pingId: randomBytes(4).toString('hex') }],
      },
    );

    const worker = await Worker.create({
      connection: infra.temporal.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: testEnv('TEST_WORKFLOW_BUNDLE') },
      dataConverter: rotated,
      activities: createDiagnosticsActivities({ pings: createDiagnosticPingRepository(infra.db.conn) }),
    });
    const after = new Client({ connection: infra.temporal.connection, dataConverter: rotated });
    const result = await worker.runUntil(after.workflow.getHandle(workflowId).result());
    expect(result).toMatchObject({ writes: 1 });

    const events = (await after.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const kid = (p?: { metadata?: Record<string, Uint8Array> | null } | null) =>
      p?.metadata?.[KEY_ID_METADATA] ? Buffer.from(p.metadata[KEY_ID_METADATA]).toString() : undefined;
    expect(kid(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0])).toBe('a');
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes,
    )?.activityTaskScheduledEventAttributes;
    expect(kid(scheduled?.input?.payloads?.[0])).toBe('b');
    const completed = events.find(
      (e) => e.workflowExecutionCompletedEventAttributes,
    )?.workflowExecutionCompletedEventAttributes;
    expect(kid(completed?.result?.payloads?.[0])).toBe('b');
  });
});
