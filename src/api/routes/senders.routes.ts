import { Router } from 'express';
import type { SenderRepository } from '../../db/repositories/sender.repository';
import { registerSenderBody } from '../../schemas/sender.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

/** Official senders: register an existing Meta or Twilio number (credentials sealed, never returned); list them. */
export function sendersRoutes(deps: { senders: SenderRepository }): Router {
  const r = Router();
  r.post(
    '/senders',
    route({ body: registerSenderBody }, async ({ body }, _req, res) => {
      const { tenantId } = authOf(res);
      const sender =
        body.provider === 'meta'
          ? await deps.senders.register(tenantId, {
              senderId: body.id ?? `meta-${body.phoneNumberId}`,
              phoneNumberId: body.phoneNumberId,
              wabaId: body.wabaId,
              displayPhoneNumber: body.displayPhoneNumber,
              accessToken: body.accessToken,
            })
          : await deps.senders.register(tenantId, {
              senderId: body.id ?? `twilio-${body.phoneNumber}`,
              displayPhoneNumber: body.phoneNumber,
              credentials: { provider: 'twilio', accountSid: body.accountSid, authToken: body.authToken },
            });
      res.status(201).json(sender);
    }),
  );
  r.get(
    '/senders',
    route({}, async (_input, _req, res) => {
      res.json({ items: await deps.senders.list(authOf(res).tenantId) });
    }),
  );
  return r;
}
