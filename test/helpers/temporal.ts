import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
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
