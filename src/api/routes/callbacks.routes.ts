import { Router } from 'express';
import type { TenantCallbackRepository } from '../../db/repositories/tenant-callback.repository';
import { notFound } from '../../domain/errors';
import { setCallbackBody } from '../../schemas/callback.schema';
import {
  CallbackTargetRefused,
  resolveCallbackTarget,
  type CallbackTargetPolicy,
  type HostResolver,
} from '../../callbacks/callback-target';
import { authOf } from '../middleware/auth';
import { route, ValidationFailed } from '../middleware/validate';

/** How long PUT /v1/callbacks waits for the host's addresses before it answers unresolvable_host. */
const REGISTRATION_LOOKUP_MS = 5_000;

export interface CallbacksRoutesDeps {
  callbacks: TenantCallbackRepository;
  /** Which URLs may be registered, and the resolver that checks their host (issue 15). */
  targets: { policy: CallbackTargetPolicy; resolve: HostResolver };
}

/**
 * The tenant's status callback: set (the signing secret is returned once), read, remove. A URL
 * whose scheme or any resolved address the policy forbids is a 400 naming the rule; the worker
 * checks again at every delivery, since DNS can change after registration.
 */
export function callbacksRoutes(deps: CallbacksRoutesDeps): Router {
  const r = Router();
  r.put(
    '/callbacks',
    route({ body: setCallbackBody }, async ({ body }, _req, res) => {
      try {
        await resolveCallbackTarget(
          body.url,
          deps.targets.policy,
          deps.targets.resolve,
          AbortSignal.timeout(REGISTRATION_LOOKUP_MS),
        );
      } catch (err) {
        if (!(err instanceof CallbackTargetRefused)) throw err;
        throw new ValidationFailed([{ field: 'body.url', rule: err.rule, message: err.message }]);
      }
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
