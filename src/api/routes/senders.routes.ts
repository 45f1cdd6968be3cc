import { Router } from 'express';
import {
  routingKeyTaken,
  type RegisterMetaSender,
  type RegisterSender,
  type SenderRepository,
} from '../../db/repositories/sender.repository';
import { DomainError } from '../../domain/errors';
import { metaSenderId } from '../../providers/meta';
import { metaOfficial } from '../../providers/meta/meta.official';
import type { OwnershipClaim, SenderOwnershipVerifier } from '../../providers/sender-ownership';
import { twilioSenderId } from '../../providers/twilio';
import { twilioOfficial } from '../../providers/twilio/twilio.official';
import { listSendersQuery, registerSenderBody, type RegisterSenderBody } from '../../schemas/sender.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';

export interface SendersRoutesDeps {
  senders: SenderRepository;
  /** Ownership checks with the provider (issue 15); absent = registration refused (503), never unchecked. */
  verifier?: SenderOwnershipVerifier;
}

/** The registration, the claim the provider must confirm, and the number's routing key. */
function planOf(body: RegisterSenderBody): {
  sender: RegisterMetaSender | RegisterSender;
  claim: OwnershipClaim;
  routingKey: string;
} {
  if (body.provider === 'meta')
    return {
      sender: {
        senderId: body.id ?? metaSenderId(body.phoneNumberId),
        phoneNumberId: body.phoneNumberId,
        wabaId: body.wabaId,
        displayPhoneNumber: body.displayPhoneNumber,
        accessToken: body.accessToken,
      },
      claim: body,
      routingKey: metaOfficial.routingKey({ phoneNumberId: body.phoneNumberId }),
    };
  return {
    sender: {
      senderId: body.id ?? twilioSenderId(body.phoneNumber),
      displayPhoneNumber: body.phoneNumber,
      credentials: { provider: 'twilio', accountSid: body.accountSid, authToken: body.authToken },
    },
    claim: body,
    routingKey: twilioOfficial.routingKey({ accountSid: body.accountSid, phoneNumber: body.phoneNumber }),
  };
}

/**
 * Official senders: register an existing Meta or Twilio number (credentials sealed, never
 * returned); list them. Registration is the one API path that asks a provider something, because
 * its answer is the response: the number's routing key must be free (409 `routing_key_taken`
 * before any provider call, the other tenant never named), then the provider must confirm the
 * tenant's credentials control the number (sender-ownership.ts: 422 `sender_not_verified`, or 503
 * while the provider does not answer).
 */
export function sendersRoutes(deps: SendersRoutesDeps): Router {
  const r = Router();
  r.post(
    '/senders',
    route({ body: registerSenderBody }, async ({ body }, _req, res) => {
      const { tenantId } = authOf(res);
      const plan = planOf(body);
      const holder = await deps.senders.routingKeyHolder(tenantId, plan.routingKey);
      if (holder === 'taken') throw routingKeyTaken();
      if (holder === 'mine' || (await deps.senders.get(tenantId, plan.sender.senderId)))
        throw new DomainError(
          'conflict',
          'sender_exists',
          'A sender with this id or this number is already registered',
        );
      if (!deps.verifier)
        throw new DomainError(
          'unavailable',
          'sender_verification_unavailable',
          'Senders cannot be registered: ownership checks are not configured',
        );
      await deps.verifier.verify(plan.claim);
      const sender = await deps.senders.register(tenantId, { ...plan.sender, verifiedAt: new Date() });
      res.status(201).json(sender);
    }),
  );
  r.get(
    '/senders',
    route({ query: listSendersQuery }, async ({ query }, _req, res) => {
      res.json(await deps.senders.list(authOf(res).tenantId, query));
    }),
  );
  return r;
}
