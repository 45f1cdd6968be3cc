import { Router } from 'express';
import type { ConversationRepository } from '../../db/repositories/conversation.repository';
import type { CustomerWindowRepository } from '../../db/repositories/customer-window.repository';
import type { InboundMessageRepository } from '../../db/repositories/inbound-message.repository';
import { customerWindow } from '../../domain/customer-window';
import { notFound } from '../../domain/errors';
import { isOfficialProvider } from '../../providers/official-providers';
import { conversationParams, conversationQuery, listInboundQuery } from '../../schemas/conversation.schema';
import { messageView } from '../messages/message-view';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

export interface ConversationsRoutesDeps {
  inbound: Pick<InboundMessageRepository, 'page'>;
  conversations: Pick<ConversationRepository, 'page'>;
  windows: Pick<CustomerWindowRepository, 'lastInboundAt'>;
  /** The provider of one of the tenant's senders (official number or session), or null. */
  providerOf(tenantId: string, senderId: string): Promise<string | null>;
  /** CUSTOMER_WINDOW_MARGIN_MS: the window shown closes when POST /v1/messages starts refusing. */
  windowMarginMs: number;
  now?: () => Date;
}

/**
 * `GET /v1/inbound`: the tenant's inbound messages. `GET /v1/conversations/{senderId}/{contact}`:
 * one sender's thread with one contact, both directions, with the 24-hour customer-service window
 * of an official sender. Reads only; another tenant's sender is not found, its messages never read.
 */
export function conversationsRoutes(deps: ConversationsRoutesDeps): Router {
  const r = Router();

  r.get(
    '/inbound',
    route({ query: listInboundQuery }, async ({ query }, _req, res) => {
      const { from, ...rest } = query;
      res.json(await deps.inbound.page(authOf(res).tenantId, { ...rest, senderId: from }));
    }),
  );

  r.get(
    '/conversations/:senderId/:contact',
    route({ params: conversationParams, query: conversationQuery }, async ({ params, query }, _req, res) => {
      const { tenantId } = authOf(res);
      const { senderId, contact } = params;
      const provider = await deps.providerOf(tenantId, senderId);
      if (!provider) throw notFound('sender', senderId);
      const [page, last] = await Promise.all([
        deps.conversations.page(tenantId, senderId, contact, query),
        isOfficialProvider(provider) ? deps.windows.lastInboundAt(tenantId, senderId, contact) : null,
      ]);
      const w = customerWindow(last, deps.now?.() ?? new Date(), deps.windowMarginMs);
      res.json({
        senderId,
        contact,
        provider,
        // WhatsApp Web sessions have no customer-service window.
        window: isOfficialProvider(provider)
          ? { open: w.open, lastInboundAt: w.lastInboundAt, closesAt: w.closesAt }
          : null,
        items: page.items.map((e) =>
          e.direction === 'inbound'
            ? { direction: e.direction, at: e.at, ...e.inbound }
            : { direction: e.direction, at: e.at, ...messageView(e.message) },
        ),
        nextCursor: page.nextCursor,
      });
    }),
  );

  return r;
}
