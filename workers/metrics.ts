import type { Registry } from 'prom-client';
import type { Config } from '../src/config/env';
import type { Logger } from '../src/logging/logger';
import { startMetricsServer, type MetricsServer } from '../src/observability/metrics-http';

/**
 * The worker's `GET /metrics` listener (WORKER_METRICS_PORT; 0 = off). A port already taken (a
 * second worker on the same host) is logged and the worker runs on without it: losing a scrape
 * target is better than losing a worker. Bound to 127.0.0.1 by default; on another interface it
 * needs METRICS_TOKEN (or METRICS_PUBLIC=true), else it answers 404 (issue 15).
 */
export async function startWorkerMetrics(
  registry: Registry,
  config: Pick<Config, 'WORKER_METRICS_PORT' | 'WORKER_METRICS_HOST' | 'METRICS_TOKEN' | 'METRICS_PUBLIC'>,
  logger: Logger,
): Promise<MetricsServer | null> {
  if (config.WORKER_METRICS_PORT === 0) return null;
  try {
    const server = await startMetricsServer({
      registry,
      port: config.WORKER_METRICS_PORT,
      host: config.WORKER_METRICS_HOST,
      token: config.METRICS_TOKEN,
      public: config.METRICS_PUBLIC,
    });
    logger.info(
      { port: server.port, host: config.WORKER_METRICS_HOST, protected: Boolean(config.METRICS_TOKEN) },
      'worker metrics listening',
    );
    return server;
  } catch (err) {
    logger.error(
      { port: config.WORKER_METRICS_PORT, error: (err as Error).message },
      'worker metrics could not listen; running without them',
    );
    return null;
  }
}
