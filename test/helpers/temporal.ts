import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { freePort, startTemporalDevServer } from '../../scripts/lib/infra';
import { testEnv } from './env';

let runtimeInstalled = false;

/** Clients and workers on the run's real Temporal dev server, each test on a task queue of its own. */
export async function connectTestTemporal(): Promise<{
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = testEnv('TEST_TEMPORAL_ADDRESS');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection }),
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
    client: new Client({ connection }),
    nativeConnection,
    async stop() {
      await connection.close();
      await nativeConnection.close();
      await server.stop();
    },
  };
}
