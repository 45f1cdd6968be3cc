import { z } from 'zod';
import { ACCOUNT_ALERT_TYPES } from '../domain/account-alert';

export const listAlertsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  type: z.enum(ACCOUNT_ALERT_TYPES).optional(),
});
