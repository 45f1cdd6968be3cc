import type { CustomerWindowRepository } from '../src/db/repositories/customer-window.repository';
import type { InboundMessageRepository } from '../src/db/repositories/inbound-message.repository';
import type { InboundMessageEvent } from '../src/domain/message';

export interface InboundActivityDeps {
  repo: InboundMessageRepository;
  /** The 24-hour customer-service window: every inbound message (re)opens it. */
  windows?: Pick<CustomerWindowRepository, 'touch'>;
}

export function createInboundActivities(all: { inbound?: InboundActivityDeps }) {
  return {
    /** Stores an inbound message once (upsert on tenant + provider + provider id) and opens the user's window. */
    async recordInboundMessage(r: {
      tenantId: string;
      senderId: string;
      message: InboundMessageEvent;
    }): Promise<boolean> {
      if (!all.inbound) throw new Error('inbound activities are not configured in this worker');
      const stored = await all.inbound.repo.store(r.tenantId, r.senderId, r.message);
      // Idempotent ($max): a retry or a redelivered message leaves the window where it is.
      await all.inbound.windows?.touch(r.tenantId, r.senderId, r.message.from, new Date(r.message.at));
      return stored;
    },
  };
}
