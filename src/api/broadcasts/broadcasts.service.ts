import { randomBytes } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import {
  cancelBroadcastUpdate,
  pauseBroadcastUpdate,
  resumeBroadcastUpdate,
  type BroadcastSettings,
  type BroadcastWorkflowInput,
} from '../../../workflows/broadcast.definitions';
import type { broadcastWorkflow } from '../../../workflows/broadcast.workflow';
import type { BroadcastDoc } from '../../db/models/broadcast.model';
import type { BroadcastRepository } from '../../db/repositories/broadcast.repository';
import { BROADCAST_CHUNK_SIZE, emptyCounts, type BroadcastCounts } from '../../domain/broadcast';
import { DomainError, notFound } from '../../domain/errors';
import type { MessagingRegistry } from '../../providers/messaging-registry';
import type { CreateBroadcastRequest } from '../../schemas/broadcast.schema';
import { BroadcastStatusKey, ProviderKey, SenderIdKey, TenantIdKey } from '../../temporal/search-attributes';
import { withinWorkerTimeout } from '../../temporal/within';
import { workflowIds } from '../../temporal/workflow-ids';
import { idForKey, requestHashOf } from '../messages/message-view';

export interface BroadcastsServiceDeps {
  temporal: Client;
  taskQueue: string;
  broadcasts: BroadcastRepository;
  registry: MessagingRegistry;
  settings: BroadcastSettings;
  /** Whether the tenant has a status callback (read when the broadcast is accepted). */
  callbacks?: { get(tenantId: string): Promise<unknown> };
  /** Bound on waiting for a worker to answer a pause, resume or cancel. */
  commandTimeoutMs?: number;
  /** The Temporal Web UI's base URL (a link to the broadcast's workflow); absent = no link. */
  temporalUiUrl?: string;
  namespace?: string;
}

export interface AcceptedBroadcast {
  id: string;
  status: BroadcastDoc['status'];
  total: number;
  replayed: boolean;
}

type Command = 'pause' | 'resume' | 'cancel';
const CONFLICT_CODES = { pause: 'not_pausable', resume: 'not_resumable', cancel: 'not_cancellable' };
const UPDATES = { pause: pauseBroadcastUpdate, resume: resumeBroadcastUpdate, cancel: cancelBroadcastUpdate };

/**
 * Broadcasts between the /v1 routes and Temporal (issue 18). Accept: the recipients are stored
 * (chunks) and the workflow started before the 202, so an accepted broadcast is durable; the same
 * Idempotency-Key returns the same broadcast, even after a crash between the two. Pause, resume
 * and cancel are workflow updates whose validators refuse what the state forbids (409).
 */
export function createBroadcastsService(deps: BroadcastsServiceDeps) {
  const handleOf = (tenantId: string, id: string) =>
    deps.temporal.workflow.getHandle(workflowIds.broadcast(tenantId, id));
  const notifies = async (tenantId: string) =>
    deps.callbacks ? (await deps.callbacks.get(tenantId)) !== null : false;

  function replayOf(doc: BroadcastDoc, requestHash: string): AcceptedBroadcast {
    if (doc.requestHash !== requestHash)
      throw new DomainError(
        'conflict',
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request body',
        { id: doc.broadcastId },
      );
    return { id: doc.broadcastId, status: doc.status, total: doc.total, replayed: true };
  }

  async function start(doc: BroadcastDoc, notify: boolean, followStatuses: boolean): Promise<void> {
    const input: BroadcastWorkflowInput = {
      tenantId: doc.tenantId,
      broadcastId: doc.broadcastId,
      senderId: doc.senderId,
      provider: doc.provider,
      priority: doc.priority,
      total: doc.total,
      chunkCount: doc.chunkCount,
      notBefore: doc.notBefore ? doc.notBefore.toISOString() : null,
      validityMs: doc.validityMs,
      notify,
      followStatuses,
      settings: deps.settings,
    };
    await deps.temporal.workflow.start<typeof broadcastWorkflow>('broadcastWorkflow', {
      workflowId: doc.workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `broadcast of ${doc.messageType} to ${doc.total} recipients from ${doc.senderId} (${doc.provider})`,
      staticDetails: [
        `**Broadcast** \`${doc.broadcastId}\` of tenant \`${doc.tenantId}\`${doc.name ? ` — ${doc.name}` : ''}`,
        `Sender \`${doc.senderId}\` via ${doc.provider}, priority ${doc.priority}`,
        `${doc.total} recipients in ${doc.chunkCount} chunks of up to ${BROADCAST_CHUNK_SIZE}`,
      ].join('\n\n'),
      typedSearchAttributes: [
        { key: TenantIdKey, value: doc.tenantId },
        { key: SenderIdKey, value: doc.senderId },
        { key: ProviderKey, value: doc.provider },
        { key: BroadcastStatusKey, value: doc.status },
      ],
    });
  }

  return {
    async accept(
      tenantId: string,
      keyId: string,
      req: CreateBroadcastRequest,
      idempotencyKey: string | null,
    ): Promise<AcceptedBroadcast> {
      const requestHash = requestHashOf(req);
      const broadcastId = idempotencyKey
        ? idForKey('bc', tenantId, idempotencyKey)
        : `bc_${randomBytes(16).toString('base64url')}`;
      const existing = idempotencyKey ? await deps.broadcasts.get(tenantId, broadcastId) : null;
      if (existing && existing.requestHash !== requestHash) return replayOf(existing, requestHash);
      const sender = await deps.registry.resolveSender(tenantId, req.from);
      if (!existing && !sender)
        throw new DomainError(
          'unprocessable',
          'unknown_sender',
          `No sender or session ${req.from} for this tenant`,
        );
      if (!existing && sender && !sender.provider.supportedTypes.has(req.content.type))
        throw new DomainError(
          'unprocessable',
          'unsupported_message_type',
          `Sender ${req.from} (${sender.provider.name}) cannot send ${req.content.type} messages`,
          { supportedTypes: [...sender.provider.supportedTypes] },
        );
      const now = new Date();
      const doc: BroadcastDoc = existing ?? {
        _id: `${tenantId}:${broadcastId}`,
        tenantId,
        broadcastId,
        name: req.name,
        senderId: req.from,
        provider: sender?.provider.name ?? '',
        sessionId: sender?.sessionId ?? null,
        senderUserId: keyId,
        priority: req.priority,
        messageType: req.content.type,
        content: req.content as unknown as Record<string, unknown>,
        total: req.recipients.length,
        chunkCount: Math.ceil(req.recipients.length / BROADCAST_CHUNK_SIZE),
        status: req.notBefore && req.notBefore.getTime() > now.getTime() ? 'scheduled' : 'running',
        notBefore: req.notBefore,
        validityMs: req.validitySeconds === undefined ? null : req.validitySeconds * 1000,
        idempotencyKey,
        requestHash,
        workflowId: workflowIds.broadcast(tenantId, broadcastId),
        createdAt: now,
        startedAt: null,
        pausedAt: null,
        finishedAt: null,
        updatedAt: now,
      };
      if (!existing) {
        const {
          _id,
          chunkCount: _c,
          status: _s,
          startedAt: _a,
          pausedAt: _p,
          finishedAt: _f,
          updatedAt: _u,
          ...fields
        } = doc;
        await deps.broadcasts.create(fields, req.recipients);
      }
      try {
        // Also after a crash between storing and starting: the retried request starts it.
        await start(doc, await notifies(tenantId), sender?.provider.acknowledgesDelivery !== false);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        if (!existing) {
          const stored = await deps.broadcasts.get(tenantId, broadcastId);
          if (stored) return replayOf(stored, requestHash);
        }
        return replayOf(doc, requestHash);
      }
      return { id: broadcastId, status: doc.status, total: doc.total, replayed: existing !== null };
    },

    async get(tenantId: string, broadcastId: string) {
      const doc = await deps.broadcasts.get(tenantId, broadcastId);
      if (!doc) throw notFound('broadcast', broadcastId);
      return this.view(doc, true);
    },

    /** The public shape; `detailed` adds counts by status, progress, rate and ETA (aggregates). */
    async view(doc: BroadcastDoc, detailed: boolean) {
      let counts: BroadcastCounts | null = null;
      let rate: number | null = null;
      if (detailed) {
        counts = await deps.broadcasts.counts(doc.tenantId, doc.broadcastId);
        // Records are written when sending starts: until then every recipient is queued.
        const recorded = Object.values(counts).reduce((a, b) => a + b, 0);
        counts.queued += Math.max(0, doc.total - recorded);
        if (doc.status === 'running')
          rate =
            (await deps.broadcasts.sentSince(doc.tenantId, doc.broadcastId, new Date(Date.now() - 10_000))) /
            10;
      }
      const c = counts ?? emptyCounts();
      const done = doc.total - c.queued;
      const workflowUrl = deps.temporalUiUrl
        ? `${deps.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace ?? 'default')}/workflows/${encodeURIComponent(doc.workflowId)}`
        : null;
      return {
        id: doc.broadcastId,
        name: doc.name ?? null,
        from: doc.senderId,
        provider: doc.provider,
        type: doc.messageType,
        content: doc.content,
        priority: doc.priority,
        status: doc.status,
        total: doc.total,
        ...(counts
          ? {
              counts,
              progress: {
                done,
                total: doc.total,
                percent: doc.total ? Math.floor((done * 100) / doc.total) : 100,
              },
              ratePerSec: rate,
              eta:
                rate && rate > 0 && c.queued > 0
                  ? new Date(Date.now() + (c.queued / rate) * 1000).toISOString()
                  : null,
            }
          : {}),
        notBefore: doc.notBefore ?? null,
        createdAt: doc.createdAt,
        startedAt: doc.startedAt ?? null,
        pausedAt: doc.pausedAt ?? null,
        finishedAt: doc.finishedAt ?? null,
        workflowId: doc.workflowId,
        workflowUrl,
      };
    },

    /** pause | resume | cancel: 409 naming the current status when it forbids the command. */
    async command(tenantId: string, broadcastId: string, command: Command) {
      const doc = await deps.broadcasts.get(tenantId, broadcastId);
      if (!doc) throw notFound('broadcast', broadcastId);
      const conflict = (status: string) =>
        new DomainError(
          'conflict',
          CONFLICT_CODES[command],
          `Broadcast ${broadcastId} is ${status}: it cannot be ${command === 'cancel' ? 'cancelled' : `${command}d`}`,
          { status },
        );
      if (doc.status === 'completed' || doc.status === 'cancelled') throw conflict(doc.status);
      try {
        const state = await withinWorkerTimeout(
          handleOf(tenantId, broadcastId).executeUpdate(UPDATES[command]),
          deps.commandTimeoutMs ?? 10_000,
          `No worker answered the ${command} in time`,
        );
        return { id: broadcastId, status: state.status };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError)
          throw conflict(
            (err.cause as Error | undefined)?.message?.replace(/^broadcast is /, '') ?? doc.status,
          );
        if (err instanceof WorkflowNotFoundError) throw conflict(doc.status);
        throw err;
      }
    },
  };
}

export type BroadcastsService = ReturnType<typeof createBroadcastsService>;
