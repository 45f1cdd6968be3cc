import { z } from 'zod';
import { ACCOUNT_ALERT_TYPES } from '../domain/account-alert';
import { listPage, pageQuery } from './list-page.schema';

export const listAlertsQuery = z.strictObject({
  type: z.enum(ACCOUNT_ALERT_TYPES).optional(),
  ...pageQuery,
});

/** An account alert as GET /v1/alerts lists it (OpenAPI only: built by the repository's view). */
const accountAlert = z
  .object({
    id: z.string().meta({ example: 'alt_0f1e2d3c4b5a69788796a5b4c3d2e1f0' }),
    type: z.enum(ACCOUNT_ALERT_TYPES),
    event: z.string().nullable(),
    provider: z.string(),
    wabaId: z.string(),
    senderId: z.string().nullable(),
    phoneNumber: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    occurredAt: z.iso.datetime(),
    receivedAt: z.iso.datetime(),
  })
  .meta({ id: 'AccountAlert' });

export const accountAlertList = listPage(accountAlert);
