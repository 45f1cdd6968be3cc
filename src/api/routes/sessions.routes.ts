import { Router } from 'express';
import QRCode from 'qrcode';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { SessionRepository } from '../../db/repositories/session.repository';
import { DomainError, notFound } from '../../domain/errors';
import type { GatewayKind } from '../../domain/gateway-kind';
import { SESSION_STATUS_INFO } from '../../domain/session-status';
import { SessionIdKey, SessionStatusKey, TenantIdKey } from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/workflow-ids';
import { createSessionBody, listSessionsQuery, sessionParams } from '../../schemas/session.schema';
import {
  SESSION_STATE_CONFLICT,
  deleteUpdate,
  disconnectUpdate,
  getSessionQuery,
  restartUpdate,
  type SessionTiming,
  type SessionView,
  type SessionWorkflowInput,
} from '../../../workflows/session.definitions';
import type { sessionWorkflow } from '../../../workflows/session.workflow';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';
import { toResponse, viewFromRecord } from './session-views';

export interface SessionRoutesDeps {
  temporal: Client;
  taskQueue: string;
  sessions: Pick<SessionRepository, 'get' | 'list'>;
  gatewayKind: GatewayKind;
  timing: SessionTiming;
  /** How long GET waits for the workflow's query before answering from the projection. */
  queryTimeoutMs?: number;
}

/**
 * `/v1/sessions`: the API starts, queries and updates session workflows and reads the
 * projection; it never calls a gateway. Another tenant's session is simply not found: workflow
 * ids and projection keys both carry the tenant.
 */
export function sessionRoutes(deps: SessionRoutesDeps): Router {
  const r = Router();
  const handle = (tenantId: string, sessionId: string) =>
    deps.temporal.workflow.getHandle(workflowIds.session(tenantId, sessionId));

  /**
   * The running workflow's live view; otherwise (closed — a deleted session's workflow completes —
   * not found, or not answering in time) the projection; null when neither knows the session.
   */
  async function current(tenantId: string, sessionId: string): Promise<SessionView | null> {
    try {
      const deadline = Date.now() + (deps.queryTimeoutMs ?? 5_000);
      const view = await deps.temporal.withDeadline(deadline, async () => {
        const h = handle(tenantId, sessionId);
        const { status } = await h.describe();
        return status.name === 'RUNNING' ? h.query(getSessionQuery) : null;
      });
      if (view) return view;
    } catch {
      // fall through to the projection
    }
    const rec = await deps.sessions.get(tenantId, sessionId);
    return rec ? viewFromRecord(rec) : null;
  }

  async function update(
    tenantId: string,
    sessionId: string,
    def: typeof disconnectUpdate,
  ): Promise<SessionView> {
    try {
      return await handle(tenantId, sessionId).executeUpdate(def);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('session', sessionId);
      if (
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === SESSION_STATE_CONFLICT
      ) {
        throw new DomainError('conflict', 'session_state_conflict', err.cause.message);
      }
      throw err;
    }
  }

  r.post(
    '/sessions',
    route({ body: createSessionBody }, async ({ body }, _req, res) => {
      const { tenantId } = authOf(res);
      const input: SessionWorkflowInput = {
        tenantId,
        sessionId: body.sessionId,
        name: body.name ?? null,
        gatewayKind: deps.gatewayKind,
        timing: deps.timing,
      };
      try {
        await deps.temporal.workflow.start<typeof sessionWorkflow>('sessionWorkflow', {
          workflowId: workflowIds.session(tenantId, body.sessionId),
          taskQueue: deps.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: [
            { key: TenantIdKey, value: tenantId },
            { key: SessionIdKey, value: body.sessionId },
            { key: SessionStatusKey, value: 'creating' },
          ],
          staticSummary: `WhatsApp session ${body.sessionId}`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new DomainError('conflict', 'session_exists', `Session ${body.sessionId} already exists`);
        }
        throw err;
      }
      const info = SESSION_STATUS_INFO.creating;
      res.status(202).location(`/v1/sessions/${body.sessionId}`).json({
        sessionId: body.sessionId,
        name: input.name,
        status: 'creating',
        label: info.label,
        color: info.color,
        isActive: info.isActive,
        canShowQrCode: info.canShowQrCode,
        qr: null,
        connectedAt: null,
        lastActivityAt: null,
        attempt: 1,
        gatewayKind: deps.gatewayKind,
      });
    }),
  );

  r.get(
    '/sessions',
    route({ query: listSessionsQuery }, async ({ query }, _req, res) => {
      const { tenantId } = authOf(res);
      const rows = await deps.sessions.list(tenantId, { limit: query.limit + 1, after: query.after });
      const page = rows.slice(0, query.limit);
      // Lists stay light: the QR image is only on the session itself.
      const data = page.map((row) => {
        const v = viewFromRecord(row);
        return { ...v, qr: null, hasQr: v.qr !== null };
      });
      res.json({ data, next: rows.length > query.limit ? (page[page.length - 1]?.sessionId ?? null) : null });
    }),
  );

  r.get(
    '/sessions/:sessionId',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      const v = await current(authOf(res).tenantId, params.sessionId);
      if (!v) throw notFound('session', params.sessionId);
      res.json(await toResponse(v));
    }),
  );

  r.get(
    '/sessions/:sessionId/qr.png',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      const v = await current(authOf(res).tenantId, params.sessionId);
      if (!v) throw notFound('session', params.sessionId);
      if (!v.qr)
        throw new DomainError(
          'not_found',
          'qr_not_available',
          `Session ${params.sessionId} has no QR code (status ${v.status})`,
        );
      const png = await QRCode.toBuffer(v.qr, { type: 'png', margin: 2, width: 300 });
      res.status(200).set({ 'Content-Type': 'image/png', 'Cache-Control': 'no-store' }).send(png);
    }),
  );

  r.post(
    '/sessions/:sessionId/disconnect',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      const v = await update(authOf(res).tenantId, params.sessionId, disconnectUpdate);
      res.json(await toResponse(v));
    }),
  );

  r.post(
    '/sessions/:sessionId/restart',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      const v = await update(authOf(res).tenantId, params.sessionId, restartUpdate);
      res.status(202).json(await toResponse(v));
    }),
  );

  r.delete(
    '/sessions/:sessionId',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      await update(authOf(res).tenantId, params.sessionId, deleteUpdate);
      res.json({ sessionId: params.sessionId, deleted: true });
    }),
  );

  return r;
}
