import { Client, Connection } from '@temporalio/client';

export interface TemporalClientHandle {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

export async function connectTemporalClient(opts: {
  address: string;
  namespace: string;
}): Promise<TemporalClientHandle> {
  const connection = await Connection.connect({ address: opts.address, connectTimeout: '5s' });
  const client = new Client({ connection, namespace: opts.namespace });
  return { client, connection, close: () => connection.close() };
}

/** Readiness probe: the frontend answers and the namespace exists. */
export async function pingTemporal(client: Client): Promise<void> {
  await client.workflowService.describeNamespace({ namespace: client.options.namespace });
}
