import { randomBytes } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { freePort, startTemporalDevServer } from '../../scripts/lib/infra';
import { testEnv } from './env';
import { createPayloadCodec } from '../../src/temporal/payload-codec';
import { createRecipientHasher } from '../../src/temporal/recipient-hash';

/**
 * Every test client and worker seals payloads as production does (issue 15): one fixed test key
 * ring, so a worker of one helper decodes what a client of another encoded.
 */
export const TEST_PAYLOAD_KEYS = new Map([['test1', Buffer.alloc(32, 7)]]);
export const testPayloadCodec = createPayloadCodec(TEST_PAYLOAD_KEYS, 'test1');
export const testDataConverter = { payloadCodecs: [testPayloadCodec] };
export const testRecipientHash = createRecipientHasher(Buffer.alloc(32, 9));
/**
 * A fetched history with every sealed payload list opened by the test codec (in place), for tests
 * that read activity inputs or results from history.
 */
export async function openHistoryPayloads<T>(history: T): Promise<T> {
  const visit = async (node: unknown): Promise<void> => {
    if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
    const obj = node as { payloads?: unknown };
    if (
      Array.isArray(obj.payloads) &&
      obj.payloads.every((p) => p && typeof p === 'object' && 'metadata' in p)
    ) {
      obj.payloads = await testPayloadCodec.decode(
        obj.payloads as Parameters<typeof testPayloadCodec.decode>[0],
      );
      return;
    }
    for (const value of Object.values(node)) await visit(value);
  };
  await visit(history);
  return history;
}

/** The same keys as environment variables, for the real entry points run as child processes. */
export const TEST_TEMPORAL_PROTECTION_ENV = {
  TEMPORAL_PAYLOAD_KEYS: `test1:${Buffer.alloc(32, 7).toString('base64')}`,
  TEMPORAL_RECIPIENT_HASH_KEY: Buffer.alloc(32, 9).toString('base64'),
};

let runtimeInstalled = false;

/**
 * Clients and workers on the run's real Temporal dev server (or the one at `address`: a test's own),
 * each test on a task queue of its own.
 */
export async function connectTestTemporal(address = testEnv('TEST_TEMPORAL_ADDRESS')): Promise<{
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, dataConverter: testDataConverter }),
    connection,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export const uniqueTaskQueue = (prefix = 'test'): string => `${prefix}-${randomBytes(6).toString('hex')}`;

export function createTestWorker(
  nativeConnection: NativeConnection,
  taskQueue: string,
  activities: Partial<Activities>,
): Promise<Worker> {
  return Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: { codePath: testEnv('TEST_WORKFLOW_BUNDLE') },
    dataConverter: testDataConverter,
    activities,
  });
}

/**
 * A Temporal dev server of the test file's own (in memory, random port), for dynamic config the
 * shared one must not have — e.g. a low continue-as-new threshold.
 */
export async function startDedicatedTemporal(dynamicConfig: string[]): Promise<{
  client: Client;
  nativeConnection: NativeConnection;
  stop(): Promise<void>;
}> {
  const port = await freePort();
  const server = await startTemporalDevServer({ port, logLevel: 'error', dynamicConfig });
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  const nativeConnection = await NativeConnection.connect({ address: `127.0.0.1:${port}` });
  return {
    client: new Client({ connection, dataConverter: testDataConverter }),
    nativeConnection,
    async stop() {
      await connection.close();
      await nativeConnection.close();
      await server.stop();
    },
  };
}

/**
 * The local activities a workflow's history records (one marker each), by type, in order: read
 * from the markers' data (opened with the test codec).
 */
export async function localActivitiesIn(
  history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>,
): Promise<string[]> {
  const opened = await openHistoryPayloads(history);
  return (opened.events ?? []).flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    if (!data) return [];
    const marker = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string };
    return marker.activity_type ? [marker.activity_type] : [];
  });
}
