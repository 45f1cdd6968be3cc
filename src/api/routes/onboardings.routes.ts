import { Router } from 'express';
import {
  createOnboardingBody,
  listOnboardingsQuery,
  onboardingParams,
  verificationCodeBody,
} from '../../schemas/onboarding.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';
import { idempotencyKeyOf } from '../middleware/idempotency-key';
import type { OnboardingCommands } from '../onboardings/onboarding-commands';

/**
 * `/v1/onboardings`: start one (202, progress follows), read its step-by-step progress, list them,
 * submit a Twilio sender's verification code.
 */
export function onboardingsRoutes(deps: { commands: OnboardingCommands }): Router {
  const r = Router();

  r.post(
    '/onboardings',
    route({ body: createOnboardingBody }, async ({ body }, req, res) => {
      const key = idempotencyKeyOf(req);
      const out = await deps.commands.start(authOf(res).tenantId, body, key);
      if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(202).json(out.view);
    }),
  );

  // Before opening 360dialog's Hub, the signup page asks for a state; POST /v1/onboardings needs it back.
  r.post(
    '/onboardings/360dialog/state',
    route({}, async (_input, _req, res) => {
      const issued = await deps.commands.issueDialog360State(authOf(res).tenantId);
      res.status(201).json({ state: issued.state, expiresAt: issued.expiresAt.toISOString() });
    }),
  );

  r.get(
    '/onboardings',
    route({ query: listOnboardingsQuery }, async ({ query }, _req, res) => {
      res.json(await deps.commands.list(authOf(res).tenantId, query));
    }),
  );

  r.get(
    '/onboardings/:id',
    route({ params: onboardingParams }, async ({ params }, _req, res) => {
      res.json(await deps.commands.get(authOf(res).tenantId, params.id));
    }),
  );

  r.post(
    '/onboardings/:id/verification',
    route({ params: onboardingParams, body: verificationCodeBody }, async ({ params, body }, _req, res) => {
      await deps.commands.submitVerificationCode(authOf(res).tenantId, params.id, body.code);
      res.status(202).json({ id: params.id, verification: 'submitted' });
    }),
  );

  return r;
}
