import type { Server } from 'node:http';
import { loadConfigOrExit } from '../config/env';
import { connectMongo, pingMongo } from '../db/connection';
import { createApiKeyRepository } from '../db/repositories/api-key.repository';
import { createDiagnosticPingRepository } from '../db/repositories/diagnostic-ping.repository';
import { createLogger } from '../logging/logger';
import { connectTemporalClient, pingTemporal } from '../temporal/client';
import { createApp } from './app';

/** Composition root of the API process: config → MongoDB → Temporal client → app → listen. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });

  const mongo = await connectMongo(config.MONGODB_URI, { maxPoolSize: config.MONGODB_MAX_POOL_SIZE });
  const temporal = await connectTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });

  const app = createApp({
    logger,
    bodyLimit: config.BODY_LIMIT,
    apiKeys: createApiKeyRepository(mongo),
    temporal: temporal.client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pings: createDiagnosticPingRepository(mongo),
    readiness: {
      temporal: () => pingTemporal(temporal.client),
      mongodb: () => pingMongo(mongo),
    },
  });

  const server: Server = app.listen(config.PORT, config.HOST, () => {
    logger.info({ port: config.PORT, host: config.HOST }, 'api listening');
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    server.close(() => {
      void Promise.allSettled([temporal.close(), mongo.close()]).then(() => {
        logger.info('api stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
