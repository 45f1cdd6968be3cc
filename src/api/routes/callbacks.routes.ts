import { Router } from 'express';
import type { TenantCallbackRepository } from '../../db/repositories/tenant-callback.repository';
import { notFound } from '../../domain/errors';
import { setCallbackBody } from '../../schemas/callback.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

/** The tenant's status callback: set (the signing secret is returned once), read, remove. */
export function callbacksRoutes(deps: { callbacks: TenantCallbackRepository }): Router {
  const r = Router();
  r.put(
    '/callbacks',
    route({ body: setCallbackBody }, async ({ body }, _req, res) => {
      res.json(await deps.callbacks.set(authOf(res).tenantId, body.url));
    }),
  );
  r.get(
    '/callbacks',
    route({}, async (_input, _req, res) => {
      const cb = await deps.callbacks.get(authOf(res).tenantId);
      if (!cb) throw notFound('callback', 'for this tenant');
      res.json(cb);
    }),
  );
  r.delete(
    '/callbacks',
    route({}, async (_input, _req, res) => {
      if (!(await deps.callbacks.remove(authOf(res).tenantId))) throw notFound('callback', 'for this tenant');
      res.status(204).end();
    }),
  );
  return r;
}
