import { z } from 'zod';
import { CREDENTIAL_STATUSES } from '../domain/credential-health';

const HEALTH_OUTCOMES = ['healthy', 'drifted', 'qr_expired', 'failed'] as const;

/**
 * `GET /v1/health/sessions` as the repository's view builds it (OpenAPI only). Before the first
 * sweep has finished: the same fields, with a null sweep id and times, zero counts, empty lists.
 */
export const sessionHealthResponse = z
  .object({
    sweepId: z.string().nullable().meta({ description: 'The latest finished sweep; null before the first' }),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    checked: z.number().int(),
    healthy: z.number().int(),
    drifted: z.number().int().meta({ description: 'Drifted or closed with an expired QR' }),
    failed: z.number().int(),
    sessions: z.array(
      z.object({
        sessionId: z.string(),
        outcome: z.enum(HEALTH_OUTCOMES),
        recordedStatus: z.string(),
        gatewayStatus: z.string().nullable(),
        action: z.string().meta({ description: 'signalled, restarted, closed, recorded or none' }),
        error: z.string().nullable(),
        checkedAt: z.iso.datetime(),
      }),
    ),
    credentials: z.array(
      z.object({
        senderId: z.string(),
        provider: z.string(),
        status: z.enum(CREDENTIAL_STATUSES),
        expiresAt: z.iso.datetime().nullable(),
        error: z.string().nullable(),
        checkedAt: z.iso.datetime(),
      }),
    ),
  })
  .meta({ id: 'SessionHealth' });
