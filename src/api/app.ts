import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logging/logger';
import type { DiagnosticPingRepository } from '../db/repositories/diagnostic-ping.repository';
import { errorHandler, notFoundRoute } from './middleware/errors';
import { requestId } from './middleware/request-id';
import { requireApiKey, type Authenticator } from './middleware/auth';
import { healthRoutes, type ReadinessChecks } from './routes/health.routes';
import { diagnosticsRoutes } from './routes/diagnostics.routes';

export interface AppDeps {
  logger: Logger;
  bodyLimit: string;
  apiKeys: Authenticator;
  temporal: Client;
  taskQueue: string;
  readiness: ReadinessChecks;
  pings: Pick<DiagnosticPingRepository, 'get'>;
}

declare module 'http' {
  interface IncomingMessage {
    /** The exact bytes of a JSON body, kept for webhook signature checks. */
    rawBody?: Buffer;
  }
}

/** Builds the Express app from its dependencies; `listen` is the server's business (src/api/server.ts). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use(pinoHttp({ logger: deps.logger, genReqId: requestId, quietReqLogger: true }));
  app.use(helmet());
  app.use(
    express.json({
      limit: deps.bodyLimit,
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );

  app.use(healthRoutes(deps.readiness));

  const v1 = express.Router();
  v1.use(requireApiKey(deps.apiKeys));
  v1.use(diagnosticsRoutes({ temporal: deps.temporal, taskQueue: deps.taskQueue, pings: deps.pings }));
  app.use('/v1', v1);

  app.use(notFoundRoute);
  app.use(errorHandler);
  return app;
}
