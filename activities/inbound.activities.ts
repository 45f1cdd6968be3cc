import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CustomerWindowRepository } from '../src/db/repositories/customer-window.repository';
import type { DeadLetterRepository } from '../src/db/repositories/dead-letter.repository';
import type { InboundMessageRepository } from '../src/db/repositories/inbound-message.repository';
import type { MessageHistoryRepository } from '../src/db/repositories/message-history.repository';
import { deadLetterProviderOf } from '../src/domain/dead-letter';
import type { InboundMessageEvent } from '../src/domain/message';
import { storableString, truncateText } from '../src/domain/storable';
import type { Metrics } from '../src/observability/metrics';
import { readableIds } from '../src/schemas/webhook.schema';
import { atStorageBoundary } from './storage-boundary';
import { OwnFailureTypes } from './to-failure';

export interface InboundActivityDeps {
  repo: InboundMessageRepository;
  /** The 24-hour customer-service window: every inbound message (re)opens it. */
  windows?: Pick<CustomerWindowRepository, 'touch'>;
  /** Where a message the database refuses for good is set aside (GET /v1/dead-letters). */
  deadLetters: Pick<DeadLetterRepository, 'record'>;
}

/** What became of an inbound message: stored now, stored before (a redelivery), or set aside. */
export type InboundRecorded = 'stored' | 'duplicate' | 'dead_lettered';

const isRejection = (err: unknown): err is ApplicationFailure =>
  err instanceof ApplicationFailure && err.type === OwnFailureTypes.storageRejected;

export function createInboundActivities(all: {
  inbound: InboundActivityDeps;
  /** Messages we sent, by the provider's id: a reaction to one is linked to it by our id. */
  messages: Pick<MessageHistoryRepository, 'findByProviderMessageId'>;
  metrics?: Metrics;
}) {
  /** A reaction, edit or revoke names the earlier message; ours (one we sent) also by its messageId. */
  async function linked(tenantId: string, m: InboundMessageEvent): Promise<InboundMessageEvent> {
    if (!m.refersTo || m.refersTo.messageId !== undefined) return m;
    const sent = await all.messages.findByProviderMessageId(m.provider, m.refersTo.providerMessageId);
    return sent?.tenantId === tenantId ? { ...m, refersTo: { ...m.refersTo, messageId: sent.messageId } } : m;
  }

  return {
    /**
     * Stores an inbound message once (upsert on tenant + provider + provider id; made storable by the
     * repository) and opens the user's window. Our database unreachable: retried for ever by the
     * workflow's policy (atStorageBoundary). The database refusing the message: retried a few
     * times, then the message is dead-lettered (metric, log line naming it) and `dead_lettered`
     * tells the workflow to end without forwarding — never retried for ever.
     */
    async recordInboundMessage(r: {
      tenantId: string;
      senderId: string;
      message: InboundMessageEvent;
    }): Promise<InboundRecorded> {
      const { repo, windows, deadLetters } = all.inbound;
      const m = r.message;
      const boundary = (activity: string) => ({
        activity,
        subject: `inbound message ${r.tenantId}:${m.provider}:${truncateText(storableString(String(m.providerMessageId)), 200).text}`,
        onRejected: () => all.metrics?.storageRejected(activity),
      });
      let stored: boolean;
      try {
        stored = await atStorageBoundary(boundary('recordInboundMessage'), async () =>
          repo.store(r.tenantId, r.senderId, await linked(r.tenantId, m)),
        );
      } catch (err) {
        if (!isRejection(err)) throw err;
        const provider = deadLetterProviderOf(m.provider);
        const { id } = await atStorageBoundary(boundary('recordInboundDeadLetter'), () =>
          deadLetters.record(provider, r.tenantId, {
            kind: 'message',
            reason: 'storage_rejected',
            issues: [{ path: '', code: 'storage_rejected', message: truncateText(err.message, 200).text }],
            providerIds: readableIds({ messageId: m.providerMessageId, senderId: r.senderId, from: m.from }),
            entry: m,
          }),
        );
        all.metrics?.webhookDeadLetter(provider, 'storage_rejected');
        log.warn('inbound message dead-lettered: the database refused it', {
          tenantId: r.tenantId,
          provider: m.provider,
          deadLetterId: id,
        });
        return 'dead_lettered';
      }
      try {
        // Idempotent ($max): a retry or a redelivered message leaves the window where it is.
        await atStorageBoundary(boundary('touchCustomerWindow'), async () =>
          windows?.touch(r.tenantId, r.senderId, m.from, new Date(m.at)),
        );
      } catch (err) {
        // The message is stored; a window that cannot be recorded costs the window, not the message.
        if (!isRejection(err)) throw err;
      }
      return stored ? 'stored' : 'duplicate';
    },
  };
}
