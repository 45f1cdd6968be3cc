import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { SessionRepository } from '../../db/repositories/session.repository';
import { DomainError, notFound } from '../../domain/errors';
import type { Page, PageCursor } from '../../domain/page-cursor';
import type { GatewayKind } from '../../domain/gateway-kind';
import { SessionIdKey, SessionStatusKey, TenantIdKey } from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/workflow-ids';
import {
  SESSION_STATE_CONFLICT,
  deleteUpdate,
  disconnectUpdate,
  getSessionQuery,
  restartUpdate,
  sessionView,
  type SessionTiming,
  type SessionView,
  type SessionWorkflowInput,
} from '../../../workflows/session.definitions';
import type { sessionWorkflow } from '../../../workflows/session.workflow';

export interface SessionsServiceDeps {
  temporal: Client;
  taskQueue: string;
  sessions: Pick<SessionRepository, 'get' | 'list'>;
  gatewayKind: GatewayKind;
  timing: SessionTiming;
  /** How long a read waits for the workflow's query before answering from the projection. */
  queryTimeoutMs?: number;
}

export type SessionsService = ReturnType<typeof createSessionsService>;

/** The input of a new session's workflow: the one place it is built. */
export function sessionWorkflowInput(
  deps: Pick<SessionsServiceDeps, 'gatewayKind' | 'timing'>,
  tenantId: string,
  session: { sessionId: string; name: string | null },
): SessionWorkflowInput {
  const { sessionId, name } = session;
  return { tenantId, sessionId, name, gatewayKind: deps.gatewayKind, timing: deps.timing };
}

/**
 * Sessions between the /v1 routes and Temporal: starts, queries and updates session workflows and
 * reads the projection; never calls a gateway. Another tenant's session is simply not found:
 * workflow ids and projection keys both carry the tenant. Errors are domain errors.
 */
export function createSessionsService(deps: SessionsServiceDeps) {
  const handle = (tenantId: string, sessionId: string) =>
    deps.temporal.workflow.getHandle(workflowIds.session(tenantId, sessionId));

  async function update(tenantId: string, sessionId: string, def: typeof disconnectUpdate) {
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

  return {
    /** Starts the session's workflow; the view it starts from. A session id already in use is a conflict. */
    async create(
      tenantId: string,
      session: { sessionId: string; name: string | null },
    ): Promise<SessionView> {
      const input = sessionWorkflowInput(deps, tenantId, session);
      try {
        await deps.temporal.workflow.start<typeof sessionWorkflow>('sessionWorkflow', {
          workflowId: workflowIds.session(tenantId, input.sessionId),
          taskQueue: deps.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: [
            { key: TenantIdKey, value: tenantId },
            { key: SessionIdKey, value: input.sessionId },
            { key: SessionStatusKey, value: 'creating' },
          ],
          staticSummary: `WhatsApp session ${input.sessionId}`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new DomainError('conflict', 'session_exists', `Session ${input.sessionId} already exists`);
        }
        throw err;
      }
      const { sessionId, name, gatewayKind } = input;
      return sessionView({
        sessionId,
        name,
        status: 'creating',
        qr: null,
        connectedAt: null,
        lastActivityAt: null,
        attempt: 1,
        gatewayKind,
        error: null,
      });
    },

    /** The projection, newest first, a page at a time (the workflows are not asked). */
    async list(tenantId: string, page: { limit: number; cursor?: PageCursor }): Promise<Page<SessionView>> {
      const rows = await deps.sessions.list(tenantId, page);
      return { items: rows.items.map((row) => sessionView(row)), nextCursor: rows.nextCursor };
    },

    /**
     * The running workflow's live view; otherwise (closed — a deleted session's workflow completes —
     * not found, or not answering in time) the projection; null when neither knows the session.
     */
    async get(tenantId: string, sessionId: string): Promise<SessionView | null> {
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
      return rec ? sessionView(rec) : null;
    },

    disconnect: (tenantId: string, sessionId: string) => update(tenantId, sessionId, disconnectUpdate),
    restart: (tenantId: string, sessionId: string) => update(tenantId, sessionId, restartUpdate),
    delete: (tenantId: string, sessionId: string) => update(tenantId, sessionId, deleteUpdate),
  };
}
