import { randomBytes } from 'node:crypto';
import type { MessageHistoryDoc } from '../../db/models/message-history.model';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import { DomainError } from '../../domain/errors';
import type { MessageStatus } from '../../domain/message';
import { idForKey } from './message-view';
import type { MessageRuns } from './message-run';

export interface Accepted {
  id: string;
  status: MessageStatus;
  replayed: boolean;
}

/** The id an Idempotency-Key names (the same key, the same message), or a fresh one without a key. */
export const messageIdFor = (tenantId: string, idempotencyKey: string | null): string =>
  idempotencyKey ? idForKey('msg', tenantId, idempotencyKey) : `msg_${randomBytes(16).toString('base64url')}`;

/**
 * A repeated POST /v1/messages with a key already used: the message the key made, if the body is
 * the same (compared by request hash: from the record, or from the run's memo before the record is
 * written), else 409 `idempotency_key_reused`.
 */
export function createMessageReplay(deps: {
  messages: Pick<MessageHistoryRepository, 'get'>;
  runs: Pick<MessageRuns, 'memoHash'>;
}) {
  return async function replay(
    tenantId: string,
    messageId: string,
    requestHash: string,
    recorded?: MessageHistoryDoc,
  ): Promise<Accepted> {
    const doc = recorded ?? (await deps.messages.get(tenantId, messageId));
    const storedHash = doc?.requestHash || (await deps.runs.memoHash(tenantId, messageId));
    if (storedHash !== requestHash)
      throw new DomainError(
        'conflict',
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request body',
        { id: messageId },
      );
    return { id: messageId, status: doc?.status ?? 'queued', replayed: true };
  };
}
