import { createHash } from 'node:crypto';
import type { MessageHistoryDoc } from '../../db/models/message-history.model';

/** The public shape of a message (GET /v1/messages/:id and list items). */
export function messageView(d: MessageHistoryDoc) {
  // FerretDB may leave null fields out of a stored document: normalise to null.
  const n = <T>(v: T | undefined | null): T | null => v ?? null;
  return {
    id: d.messageId,
    from: d.senderId,
    to: d.recipientPhone,
    recipientName: n(d.recipientName),
    type: d.messageType,
    content: d.content,
    status: d.status,
    priority: d.priority,
    provider: d.provider,
    providerMessageId: n(d.providerMessageId),
    retryCount: d.retryCount ?? 0,
    retryable: d.status === 'failed' && d.retryable === true,
    error: d.errorMessage == null ? null : { code: n(d.errorCode), message: d.errorMessage },
    // Queued after a send round that failed for a reason that passes: why, and when it tries again.
    retrying:
      d.status === 'queued' && d.nextAttemptAt
        ? {
            rounds: d.sendRounds ?? 0,
            lastError: { code: n(d.lastErrorCode), message: d.lastErrorMessage ?? '' },
            nextAttemptAt: d.nextAttemptAt,
          }
        : null,
    metadata: n(d.metadata),
    broadcastId: n(d.broadcastId),
    idempotencyKey: n(d.idempotencyKey),
    createdAt: d.createdAt,
    sentAt: n(d.sentAt),
    deliveredAt: n(d.deliveredAt),
    readAt: n(d.readAt),
    failedAt: n(d.failedAt),
    cancelledAt: n(d.cancelledAt),
  };
}

/** JSON with sorted keys, so two equal bodies hash the same whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export const requestHashOf = (parsedBody: unknown): string =>
  createHash('sha256').update(canonical(parsedBody)).digest('hex');

/** An idempotency key names the resource: the same key always maps to the same id (and workflow id). */
export const idForKey = (prefix: 'msg' | 'onb' | 'bc', tenantId: string, key: string): string =>
  `${prefix}_${createHash('sha256').update(`${tenantId}\n${key}`).digest('base64url').slice(0, 32)}`;
