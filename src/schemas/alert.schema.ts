import { z } from 'zod';
import { queryInt } from './common.schema';
import { ACCOUNT_ALERT_TYPES } from '../domain/account-alert';

export const listAlertsQuery = z.object({
  limit: queryInt(1, 100).default(50),
  type: z.enum(ACCOUNT_ALERT_TYPES).optional(),
});
