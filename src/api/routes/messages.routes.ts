import { Router } from 'express';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import { notFound } from '../../domain/errors';
import {
  listMessagesQuery,
  messageParams,
  sendMessageBody,
  sendMessageQuery,
} from '../../schemas/message.schema';
import { authOf } from '../middleware/auth';
import { route, ValidationFailed } from '../middleware/validate';
import { idempotencyKeyOf } from '../middleware/idempotency-key';
import type { MessagesService } from '../messages/messages.service';
import { messageView } from '../messages/message-view';

export interface MessagesRouteDeps {
  commands: MessagesService;
  messages: MessageHistoryRepository;
}

/** `/v1/messages`: send (202 once durable), idempotency, cancel, retry, get, list. */
export function messagesRoutes(deps: MessagesRouteDeps): Router {
  const r = Router();

  r.post(
    '/messages',
    route({ body: sendMessageBody, query: sendMessageQuery }, async ({ body, query }, req, res) => {
      const { tenantId, keyId } = authOf(res);
      const key = idempotencyKeyOf(req);
      const accepted = await deps.commands.accept(tenantId, keyId, body, key);
      if (accepted.replayed) res.setHeader('Idempotent-Replayed', 'true');
      if (query.wait === 'sent') {
        const doc = await deps.commands.waitUntilSent(tenantId, accepted.id);
        if (doc && doc.status !== 'queued') {
          res.status(200).json(messageView(doc));
          return;
        }
      }
      res.status(202).json({ id: accepted.id, status: accepted.status });
    }),
  );

  r.get(
    '/messages',
    route({ query: listMessagesQuery }, async ({ query }, _req, res) => {
      const { tenantId } = authOf(res);
      if (query.cursor && !deps.messages.isValidCursor(query.cursor))
        throw new ValidationFailed([
          { field: 'query.cursor', rule: 'invalid_format', message: 'must be a cursor from a previous page' },
        ]);
      const page = await deps.messages.list(tenantId, {
        senderId: query.from,
        broadcastId: query.broadcastId,
        status: query.status,
        recipientPhone: query.to,
        since: query.since,
        until: query.until,
        limit: query.limit,
        cursor: query.cursor,
      });
      res.json({ items: page.items.map(messageView), nextCursor: page.nextCursor });
    }),
  );

  r.get(
    '/messages/:id',
    route({ params: messageParams }, async ({ params }, _req, res) => {
      const { tenantId } = authOf(res);
      const doc = await deps.messages.get(tenantId, params.id);
      if (doc) {
        res.json(messageView(doc));
        return;
      }
      if (!(await deps.commands.acceptedButUnrecorded(tenantId, params.id)))
        throw notFound('message', params.id);
      res.json({ id: params.id, status: 'queued' });
    }),
  );

  r.post(
    '/messages/:id/cancel',
    route({ params: messageParams }, async ({ params }, _req, res) => {
      await deps.commands.cancel(authOf(res).tenantId, params.id);
      res.json({ id: params.id, status: 'cancelled' });
    }),
  );

  r.post(
    '/messages/:id/retry',
    route({ params: messageParams }, async ({ params }, _req, res) => {
      const out = await deps.commands.retry(authOf(res).tenantId, params.id);
      res.status(202).json({ id: out.id, status: out.status, retryCount: out.retryCount });
    }),
  );

  return r;
}
