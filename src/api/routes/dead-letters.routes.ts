import { Router } from 'express';
import type { DeadLetterRepository } from '../../db/repositories/dead-letter.repository';
import { listDeadLettersQuery } from '../../schemas/dead-letter.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

/** `GET /v1/dead-letters`: webhook entries of the tenant that could not be processed, newest first. */
export function deadLettersRoutes(deps: { deadLetters: Pick<DeadLetterRepository, 'list'> }): Router {
  const r = Router();
  r.get(
    '/dead-letters',
    route({ query: listDeadLettersQuery }, async ({ query }, _req, res) => {
      res.json(await deps.deadLetters.list(authOf(res).tenantId, query));
    }),
  );
  return r;
}
