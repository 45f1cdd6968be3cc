import { z } from 'zod';
import { SESSION_STATUSES } from '../domain/session-status';
import { GATEWAY_KINDS } from '../domain/gateway-kind';
import { resourceId } from './common.schema';
import { listPage, pageQuery } from './list-page.schema';

export const sessionParams = z.object({ sessionId: resourceId });

export const createSessionBody = z.strictObject({
  sessionId: resourceId,
  name: z.string().trim().min(1).max(255).optional(),
});
export type CreateSessionBody = z.infer<typeof createSessionBody>;

export const listSessionsQuery = z.strictObject({ ...pageQuery });

/** Answer shape of GET /v1/sessions/:id (and of the other session commands). */
export const sessionResponse = z.object({
  sessionId: resourceId,
  name: z.string().nullable(),
  status: z.enum(SESSION_STATUSES),
  label: z.string(),
  color: z.enum(['gray', 'info', 'warning', 'success']),
  isActive: z.boolean(),
  canShowQrCode: z.boolean(),
  /** PNG data URL of the current QR, when one is on offer. */
  qr: z.string().nullable(),
  connectedAt: z.string().nullable(),
  lastActivityAt: z.string().nullable(),
  attempt: z.number().int(),
  gatewayKind: z.enum(GATEWAY_KINDS),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type SessionResponse = z.infer<typeof sessionResponse>;

/** GET /v1/sessions: lists stay light, `qr` is always null there and `hasQr` says whether one is on offer. */
export const sessionList = listPage(sessionResponse.extend({ qr: z.null(), hasQr: z.boolean() }));

/** Any gateway webhook: an object with an event name; the vendor's envelope is checked by its normaliser. */
export const gatewayWebhookEnvelope = z.looseObject({ event: z.string().min(1).max(64) });

/** The seed gateway's webhook body (`{event, sessionId, data, timestamp}`), tolerant of extra fields. */
export const gatewayWebhookBody = z.object({
  event: z.string().min(1).max(64),
  sessionId: z.string().min(1).max(100),
  data: z
    .object({
      status: z.string().max(64).optional(),
      detail: z.string().max(1000).nullable().optional(),
      qr: z.string().max(4096).nullable().optional(),
      reason: z.string().max(200).nullable().optional(),
    })
    .nullable()
    .optional(),
  timestamp: z.union([z.string().max(64), z.number()]).optional(),
});
