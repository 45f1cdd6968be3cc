import { Router } from 'express';
import type { BroadcastRepository } from '../../db/repositories/broadcast.repository';
import { broadcastParams, createBroadcastBody, listBroadcastsQuery } from '../../schemas/broadcast.schema';
import type { BroadcastsService } from '../broadcasts/broadcasts.service';
import { authOf } from '../middleware/auth';
import { idempotencyKeyOf } from '../middleware/idempotency-key';
import { route, ValidationFailed } from '../middleware/validate';

export interface BroadcastsRouteDeps {
  commands: BroadcastsService;
  broadcasts: BroadcastRepository;
}

/** `/v1/broadcasts` (issue 18): create (202 once durable), get, list, pause, resume, cancel. */
export function broadcastsRoutes(deps: BroadcastsRouteDeps): Router {
  const r = Router();

  r.post(
    '/broadcasts',
    route({ body: createBroadcastBody }, async ({ body }, req, res) => {
      const { tenantId, keyId } = authOf(res);
      const accepted = await deps.commands.accept(tenantId, keyId, body, idempotencyKeyOf(req));
      if (accepted.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(202).json({ id: accepted.id, status: accepted.status, total: accepted.total });
    }),
  );

  r.get(
    '/broadcasts',
    route({ query: listBroadcastsQuery }, async ({ query }, _req, res) => {
      const { tenantId } = authOf(res);
      if (query.cursor && !deps.broadcasts.isValidCursor(query.cursor))
        throw new ValidationFailed([
          { field: 'query.cursor', rule: 'invalid_format', message: 'must be a cursor from a previous page' },
        ]);
      const page = await deps.broadcasts.list(tenantId, {
        senderId: query.from,
        status: query.status,
        since: query.since,
        limit: query.limit,
        cursor: query.cursor,
      });
      res.json({
        items: await Promise.all(page.items.map((d) => deps.commands.view(d, false))),
        nextCursor: page.nextCursor,
      });
    }),
  );

  r.get(
    '/broadcasts/:id',
    route({ params: broadcastParams }, async ({ params }, _req, res) => {
      res.json(await deps.commands.get(authOf(res).tenantId, params.id));
    }),
  );

  for (const command of ['pause', 'resume', 'cancel'] as const)
    r.post(
      `/broadcasts/:id/${command}`,
      route({ params: broadcastParams }, async ({ params }, _req, res) => {
        res.json(await deps.commands.command(authOf(res).tenantId, params.id, command));
      }),
    );

  return r;
}
