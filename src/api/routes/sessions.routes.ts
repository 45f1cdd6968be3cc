import { Router } from 'express';
import QRCode from 'qrcode';
import { DomainError, notFound } from '../../domain/errors';
import { createSessionBody, listSessionsQuery, sessionParams } from '../../schemas/session.schema';
import { authOf } from '../middleware/auth';
import { route } from '../middleware/validate';
import { createSessionsService, type SessionsServiceDeps } from '../sessions/sessions.service';
import { toResponse } from './session-views';

export type SessionRoutesDeps = SessionsServiceDeps;

/** `/v1/sessions`: HTTP over the sessions service, which starts, asks and updates the workflows. */
export function sessionRoutes(deps: SessionRoutesDeps): Router {
  const r = Router();
  const service = createSessionsService(deps);

  async function found(tenantId: string, sessionId: string) {
    const v = await service.get(tenantId, sessionId);
    if (!v) throw notFound('session', sessionId);
    return v;
  }

  r.post(
    '/sessions',
    route({ body: createSessionBody }, async ({ body }, _req, res) => {
      const v = await service.create(authOf(res).tenantId, {
        sessionId: body.sessionId,
        name: body.name ?? null,
      });
      res.status(202).location(`/v1/sessions/${v.sessionId}`).json(v);
    }),
  );

  r.get(
    '/sessions',
    route({ query: listSessionsQuery }, async ({ query }, _req, res) => {
      const page = await service.list(authOf(res).tenantId, query);
      // Lists stay light: the QR image is only on the session itself.
      const items = page.items.map((v) => ({ ...v, qr: null, hasQr: v.qr !== null }));
      res.json({ items, nextCursor: page.nextCursor });
    }),
  );

  r.get(
    '/sessions/:sessionId',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      res.json(await toResponse(await found(authOf(res).tenantId, params.sessionId)));
    }),
  );

  r.get(
    '/sessions/:sessionId/qr.png',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      const v = await found(authOf(res).tenantId, params.sessionId);
      if (!v.qr)
        throw new DomainError(
          'not_found',
          'qr_not_available',
          `Session ${params.sessionId} has no QR code (status ${v.status})`,
        );
      const png = await QRCode.toBuffer(v.qr, { type: 'png', margin: 2, width: 300 });
      res.status(200).set({ 'Content-Type': 'image/png', 'Cache-Control': 'no-store' }).send(png);
    }),
  );

  r.post(
    '/sessions/:sessionId/disconnect',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      res.json(await toResponse(await service.disconnect(authOf(res).tenantId, params.sessionId)));
    }),
  );

  r.post(
    '/sessions/:sessionId/restart',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      res.status(202).json(await toResponse(await service.restart(authOf(res).tenantId, params.sessionId)));
    }),
  );

  r.delete(
    '/sessions/:sessionId',
    route({ params: sessionParams }, async ({ params }, _req, res) => {
      await service.delete(authOf(res).tenantId, params.sessionId);
      res.json({ sessionId: params.sessionId, deleted: true });
    }),
  );

  return r;
}
