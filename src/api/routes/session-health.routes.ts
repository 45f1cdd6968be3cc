import { Router } from 'express';
import { z } from 'zod';
import type { SessionHealthRepository } from '../../db/repositories/session-health.repository';
import { DomainError } from '../../domain/errors';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

export const sessionHealthQuery = z.strictObject({
  outcome: z.enum(['healthy', 'drifted', 'qr_expired', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * `GET /v1/health/sessions`: the latest finished health sweep as the caller's tenant sees it —
 * counts and per-session outcomes of its own sessions only. 404 before the first sweep.
 */
export function sessionHealthRoutes(deps: {
  sweeps: Pick<SessionHealthRepository, 'latestForTenant'>;
}): Router {
  const r = Router();
  r.get(
    '/health/sessions',
    route({ query: sessionHealthQuery }, async ({ query }, _req, res) => {
      const view = await deps.sweeps.latestForTenant(authOf(res).tenantId, query);
      if (!view)
        throw new DomainError('not_found', 'no_health_sweep', 'No session health sweep has finished yet');
      res.json(view);
    }),
  );
  return r;
}
