import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { TemporalConnectionOptions } from './connection-options';
import { dataConverterFor } from './payload-codec';

export interface TemporalClientHandle {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

export async function connectTemporalClient(opts: {
  /** Address, TLS and API key: temporalConnectionOptions(config), or just an address in tests. */
  connection: TemporalConnectionOptions | { address: string };
  namespace: string;
  /** The payload codec (createPayloadCodec); undefined = payloads in plain text. */
  payloadCodec: PayloadCodec | undefined;
  /**
   * Attempts per call while Temporal does not answer (gRPC UNAVAILABLE). The SDK's default, 10,
   * waits about 20 s; the API takes fewer so a request is answered 503 within seconds.
   */
  rpcAttempts?: number;
}): Promise<TemporalClientHandle> {
  const connection = await Connection.connect({
    ...opts.connection,
    connectTimeout: '5s',
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: opts.rpcAttempts }))],
  });
  const client = new Client({
    connection,
    namespace: opts.namespace,
    dataConverter: dataConverterFor(opts.payloadCodec),
  });
  return { client, connection, close: () => connection.close() };
}

/** Readiness probe: the frontend answers and the namespace exists. */
export async function pingTemporal(client: Client): Promise<void> {
  await client.workflowService.describeNamespace({ namespace: client.options.namespace });
}
