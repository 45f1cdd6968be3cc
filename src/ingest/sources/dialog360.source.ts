import type { SenderRepository } from '../../db/repositories/sender.repository';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../logging/logger';
import {
  normaliseDialog360Webhook,
  readDialog360Headers,
  verifyDialog360Secret,
} from '../../providers/dialog360/dialog360.webhook';
import { dialog360Official } from '../../providers/dialog360/dialog360.official';
import { parseWebhookJson, webhookRawBody } from '../../api/middleware/webhook-body';
import type { WebhookSource } from '../webhook-source';

export interface Dialog360SourceDeps {
  senders: Pick<SenderRepository, 'withCredentialsByRoutingKey'>;
  logger: Logger;
}

/** The channel a 360dialog webhook authenticated: its sender is the owner of everything in it. */
interface Dialog360Channel {
  tenantId: string;
  senderId: string;
  displayPhoneNumber: string;
}

const refused = () =>
  new DomainError(
    'unauthorized',
    'invalid_webhook_secret',
    'X-Dw-Channel or X-Dw-Webhook-Secret is missing or wrong',
  );

/**
 * Meta's envelope as 360dialog forwards it, authenticated by the headers our onboarding configured
 * on the channel's webhook: X-Dw-Channel names the sender (routing key `360dialog:<channel>`),
 * X-Dw-Webhook-Secret must equal its sealed secret (constant time); anything missing or wrong is 401
 * before the body is looked at. The sender named owns every status, message, alert and rejected entry.
 */
export function dialog360WebhookSource(deps: Dialog360SourceDeps): WebhookSource<Dialog360Channel> {
  return {
    async verify(req) {
      const given = readDialog360Headers(req.headers);
      if (!given) throw refused();
      const found = await deps.senders.withCredentialsByRoutingKey(
        dialog360Official.routingKey({ channelId: given.channelId }),
      );
      const expected = found?.credentials.provider === '360dialog' ? found.credentials.webhookSecret : '';
      if (!found || !verifyDialog360Secret(given.secret, expected)) {
        deps.logger.warn({ channelId: given.channelId, known: !!found }, '360dialog webhook refused');
        throw refused();
      }
      const { tenantId, sender } = found;
      return { tenantId, senderId: sender.id, displayPhoneNumber: sender.displayPhoneNumber };
    },
    normalise(req, channel) {
      const { statuses, inbound, alerts, rejected } = normaliseDialog360Webhook(
        parseWebhookJson(webhookRawBody(req)),
      );
      const { tenantId, senderId } = channel;
      return {
        provider: '360dialog',
        statuses,
        scopedStatuses: [],
        inbound,
        alerts,
        rejected,
        owners: {
          // The channel's tenant owns every status; a reference must be ours and name it (issue 15).
          ofStatus: async () => tenantId,
          ofRecipient: async () => ({ tenantId, senderId }),
          ofWaba: async () => [channel],
          ofRejected: async () => tenantId,
        },
      };
    },
    answer(res, result) {
      res.status(200).json(result);
    },
  };
}
