import { Router } from 'express';
import { z } from 'zod';
import type { SessionHealthRepository } from '../../db/repositories/session-health.repository';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

export const sessionHealthQuery = z.strictObject({
  outcome: z.enum(['healthy', 'drifted', 'qr_expired', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * `GET /v1/health/sessions`: the latest finished health sweep as the caller's tenant sees it —
 * counts and per-session outcomes of its own sessions only. Before the first sweep, the same shape
 * with null sweep id and times, zero counts and no sessions or credentials: nothing is missing, the
 * sweep has simply not run yet.
 */
export function sessionHealthRoutes(deps: {
  sweeps: Pick<SessionHealthRepository, 'latestForTenant'>;
}): Router {
  const r = Router();
  r.get(
    '/health/sessions',
    route({ query: sessionHealthQuery }, async ({ query }, _req, res) => {
      res.json(await deps.sweeps.latestForTenant(authOf(res).tenantId, query));
    }),
  );
  return r;
}
