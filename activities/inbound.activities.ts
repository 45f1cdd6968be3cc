import type { InboundMessageRepository } from '../src/db/repositories/inbound-message.repository';
import type { InboundMessageEvent } from '../src/domain/message';

export interface InboundActivityDeps {
  repo: InboundMessageRepository;
}

export function createInboundActivities(all: { inbound?: InboundActivityDeps }) {
  return {
    /** Stores an inbound message once (upsert on tenant + provider + provider id). */
    async recordInboundMessage(r: {
      tenantId: string;
      senderId: string;
      message: InboundMessageEvent;
    }): Promise<boolean> {
      if (!all.inbound) throw new Error('inbound activities are not configured in this worker');
      return all.inbound.repo.store(r.tenantId, r.senderId, r.message);
    },
  };
}
