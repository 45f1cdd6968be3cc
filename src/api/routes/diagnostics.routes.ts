import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { pingWorkflow } from '../../../workflows/ping.workflow';
import type { DiagnosticPingRepository } from '../../db/repositories/diagnostic-ping.repository';
import { notFound } from '../../domain/errors';
import { withinWorkerTimeout } from '../../temporal/within';
import { workflowIds } from '../../temporal/workflow-ids';
import { TenantIdKey } from '../../temporal/search-attributes';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';
import { pingParams, pingQuery } from '../../schemas/diagnostics.schema';

export interface DiagnosticsDeps {
  temporal: Client;
  taskQueue: string;
  pings: Pick<DiagnosticPingRepository, 'get'>;
}

/**
 * `POST /v1/diagnostics/ping` runs a workflow whose activity writes to MongoDB, and answers with the
 * round trip — the quickest way for an operator to see that a worker is polling the task queue.
 */
export function diagnosticsRoutes(deps: DiagnosticsDeps): Router {
  const r = Router();

  r.post(
    '/diagnostics/ping',
    route({ query: pingQuery }, async ({ query }, _req, res) => {
      const { tenantId } = authOf(res);
      const pingId = randomUUID();
      const started = Date.now();
      const handle = await deps.temporal.workflow.start<typeof pingWorkflow>('pingWorkflow', {
        workflowId: workflowIds.ping(tenantId, pingId),
        taskQueue: deps.taskQueue,
        args: [{ tenantId, pingId }],
        workflowExecutionTimeout: '5m',
        typedSearchAttributes: [{ key: TenantIdKey, value: tenantId }],
        staticSummary: 'Diagnostics ping',
      });
      const result = await withinWorkerTimeout(
        handle.result(),
        query.timeoutMs,
        `No worker completed the ping within ${query.timeoutMs} ms`,
        { workflowId: handle.workflowId },
      );
      res.json({ ...result, roundTripMs: Date.now() - started });
    }),
  );

  r.get(
    '/diagnostics/pings/:pingId',
    route({ params: pingParams }, async ({ params }, _req, res) => {
      const { tenantId } = authOf(res);
      const ping = await deps.pings.get(tenantId, params.pingId);
      if (!ping) throw notFound('ping', params.pingId);
      res.json(ping);
    }),
  );

  return r;
}
