import type { Connection } from 'mongoose';
import type { TenantUsage } from '../../api/middleware/admission';
import { messageHistoryModel } from '../models/message-history.model';
import { senderModel } from '../models/sender.model';
import { whatsappSessionModel } from '../models/whatsapp-session.model';

/**
 * What a tenant holds, for the per-tenant caps (issue 15). Counts by `tenantId` (indexed on
 * MongoDB; a scan on FerretDB, bounded by the cap for queued messages). Sessions and senders are
 * counted from their records, written by the workflows a moment after the API starts them: a burst
 * of creates can overshoot the cap by what is still being written.
 */
export function createTenantUsageRepository(conn: Connection): TenantUsage {
  const Sessions = whatsappSessionModel(conn);
  const Senders = senderModel(conn);
  const Messages = messageHistoryModel(conn);
  return {
    sessions: (tenantId) => Sessions.countDocuments({ tenantId }),
    senders: (tenantId) => Senders.countDocuments({ tenantId }),
    queuedMessages: (tenantId, upTo) =>
      Messages.countDocuments({ tenantId, status: 'queued' }, { limit: upTo }),
    async messageExists(tenantId, messageId) {
      return (await Messages.countDocuments({ _id: `${tenantId}:${messageId}` }, { limit: 1 })) > 0;
    },
  };
}
