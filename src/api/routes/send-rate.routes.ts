import { Router } from 'express';
import type { SendLimiter } from '../../db/repositories/send-limiter.repository';
import { notFound } from '../../domain/errors';
import type { Priority } from '../../domain/message';
import type { SendRate } from '../../domain/send-permit';
import { sendRateParams, setSendRateBody } from '../../schemas/send-rate.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

export interface SendRateRoutesDeps {
  limiter: Pick<SendLimiter, 'rateOverride' | 'setRateOverride' | 'line'>;
  /** The provider of one of the tenant's senders (official number or session), or null. */
  providerOf(tenantId: string, senderId: string): Promise<string | null>;
  /** The provider's rate from config (RATE_LIMIT_*). */
  rateFor(provider: string): SendRate;
}

/**
 * A sender's send rate: the provider's (RATE_LIMIT_*) unless the sender has its own. A change
 * takes effect at the next permit any worker gives, without a restart; `waiting` counts the
 * sender's messages waiting for a token, by priority.
 */
export function sendRateRoutes(deps: SendRateRoutesDeps): Router {
  const r = Router();
  const view = async (tenantId: string, senderId: string) => {
    const provider = await deps.providerOf(tenantId, senderId);
    if (!provider) throw notFound('sender', senderId);
    const own = await deps.limiter.rateOverride(tenantId, senderId);
    const rate = own ?? deps.rateFor(provider);
    const waiting: Record<Priority, number> = { high: 0, normal: 0, low: 0 };
    for (const w of await deps.limiter.line(tenantId, senderId)) waiting[w.priority] += 1;
    return {
      senderId,
      provider,
      ratePerSecond: rate.ratePerSec,
      burst: rate.burst,
      source: own ? ('sender' as const) : ('provider' as const),
      waiting,
    };
  };
  r.get(
    '/senders/:senderId/rate',
    route({ params: sendRateParams }, async ({ params }, _req, res) => {
      res.json(await view(authOf(res).tenantId, params.senderId));
    }),
  );
  r.put(
    '/senders/:senderId/rate',
    route({ params: sendRateParams, body: setSendRateBody }, async ({ params, body }, _req, res) => {
      const { tenantId } = authOf(res);
      if (!(await deps.providerOf(tenantId, params.senderId))) throw notFound('sender', params.senderId);
      await deps.limiter.setRateOverride(tenantId, params.senderId, {
        ratePerSec: body.ratePerSecond,
        burst: body.burst,
      });
      res.json(await view(tenantId, params.senderId));
    }),
  );
  r.delete(
    '/senders/:senderId/rate',
    route({ params: sendRateParams }, async ({ params }, _req, res) => {
      const { tenantId } = authOf(res);
      if (!(await deps.providerOf(tenantId, params.senderId))) throw notFound('sender', params.senderId);
      await deps.limiter.setRateOverride(tenantId, params.senderId, null);
      res.json(await view(tenantId, params.senderId));
    }),
  );
  return r;
}
