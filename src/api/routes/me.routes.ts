import { Router } from 'express';
import { meQuery } from '../../schemas/me.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

/** The Temporal Web UI the operators use (TEMPORAL_UI_URL) and the namespace the workflows run in. */
export interface TemporalUiLink {
  url: string;
  namespace: string;
}

/**
 * `GET /v1/me`: who the API key is (its tenant) and where its workflows open in the Temporal Web
 * UI. The admin page builds its workflow links from these (`message:<tenant>:<id>` …): the
 * resources' own views do not all carry a workflow id, and the tenant is not a secret to itself.
 */
export function meRoutes(deps: { temporalUi: TemporalUiLink | undefined }): Router {
  const r = Router();
  const temporalUi = deps.temporalUi
    ? { url: deps.temporalUi.url.replace(/\/+$/, ''), namespace: deps.temporalUi.namespace }
    : null;
  r.get(
    '/me',
    route({ query: meQuery }, (_input, _req, res) => {
      res.json({ tenantId: authOf(res).tenantId, temporalUi });
    }),
  );
  return r;
}
