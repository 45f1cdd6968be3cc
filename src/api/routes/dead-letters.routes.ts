import { Router } from 'express';
import type { DeadLetterRepository } from '../../db/repositories/dead-letter.repository';
import { listDeadLettersQuery } from '../../schemas/dead-letter.schema';
import { authOf } from '../middleware/auth';
import { route, ValidationFailed } from '../middleware/validate';

/** `GET /v1/dead-letters`: webhook entries of the tenant that could not be processed, newest first. */
export function deadLettersRoutes(deps: {
  deadLetters: Pick<DeadLetterRepository, 'list' | 'isValidCursor'>;
}): Router {
  const r = Router();
  r.get(
    '/dead-letters',
    route({ query: listDeadLettersQuery }, async ({ query }, _req, res) => {
      if (query.cursor && !deps.deadLetters.isValidCursor(query.cursor))
        throw new ValidationFailed([
          { field: 'query.cursor', rule: 'invalid_format', message: 'must be a cursor from a previous page' },
        ]);
      res.json(await deps.deadLetters.list(authOf(res).tenantId, query));
    }),
  );
  return r;
}
