import type { SenderRepository } from '../../db/repositories/sender.repository';
import type { RejectedEntry } from '../../domain/dead-letter';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../logging/logger';
import { normaliseMetaWebhook, verifyMetaSignature } from '../../providers/meta/meta.webhook';
import { parseWebhookJson, webhookRawBody } from '../../api/middleware/webhook-body';
import { memo } from '../memo';
import type { WebhookSource } from '../webhook-source';

export interface MetaSourceDeps {
  appSecret: string | undefined;
  /** Who owns a receiving number (statuses, inbound messages) or a WABA (alerts, dead letters). */
  senders: Pick<SenderRepository, 'findByPhoneNumberId' | 'findByWabaId'>;
  logger: Logger;
}

/**
 * Meta's own webhook: X-Hub-Signature-256 over the raw bytes, checked before anything is parsed
 * (META_APP_SECRET unset = 503). A status, an inbound message or a rejected entry belongs to the
 * owner of its `phone_number_id`; an alert (and a rejected entry without a known number) to the
 * tenants with a sender on its WABA.
 */
export function metaWebhookSource(deps: MetaSourceDeps): WebhookSource<Buffer> {
  return {
    async verify(req) {
      if (!deps.appSecret)
        throw new DomainError('unavailable', 'webhook_not_configured', 'META_APP_SECRET is not set');
      const raw = webhookRawBody(req);
      if (!verifyMetaSignature(raw, req.headers['x-hub-signature-256'], deps.appSecret))
        throw new DomainError(
          'unauthorized',
          'invalid_signature',
          'X-Hub-Signature-256 is missing or does not match',
        );
      return raw;
    },
    normalise(_req, raw) {
      const { statuses, inbound, alerts, rejected } = normaliseMetaWebhook(parseWebhookJson(raw));
      // Looked up once per webhook: a batch names a number or a WABA many times.
      const ofNumber = memo(async (phoneNumberId: string) => {
        const owner = await deps.senders.findByPhoneNumberId(phoneNumberId);
        if (!owner) deps.logger.warn({ phoneNumberId }, 'meta webhook for an unknown number');
        return owner;
      });
      const ofWaba = memo((wabaId: string) => deps.senders.findByWabaId(wabaId));
      /** The tenant of a rejected entry: its number's, else its WABA's when only one tenant has it. */
      const ofRejected = async (e: RejectedEntry): Promise<string | null> => {
        const byNumber = e.routing?.phoneNumberId ? await ofNumber(e.routing.phoneNumberId) : null;
        if (byNumber) return byNumber.tenantId;
        const tenants = new Set(
          (e.routing?.wabaId ? await ofWaba(e.routing.wabaId) : []).map((s) => s.tenantId),
        );
        return tenants.size === 1 ? ([...tenants][0] as string) : null;
      };
      return {
        provider: 'meta',
        statuses,
        scopedStatuses: [],
        inbound,
        alerts,
        rejected,
        owners: {
          ofStatus: async (ev) =>
            ev.senderAccountId ? ((await ofNumber(ev.senderAccountId))?.tenantId ?? null) : null,
          ofRecipient: ofNumber,
          ofWaba,
          ofRejected,
        },
      };
    },
    answer(res, result) {
      res.status(200).json(result);
    },
  };
}
