import { Router } from 'express';
import type { AccountAlertRepository } from '../../db/repositories/account-alert.repository';
import { listAlertsQuery } from '../../schemas/alert.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

/** `GET /v1/alerts`: the tenant's account alerts (bans, quality, templates), newest first. */
export function alertsRoutes(deps: { alerts: Pick<AccountAlertRepository, 'list'> }): Router {
  const r = Router();
  r.get(
    '/alerts',
    route({ query: listAlertsQuery }, async ({ query }, _req, res) => {
      res.json(await deps.alerts.list(authOf(res).tenantId, query));
    }),
  );
  return r;
}
