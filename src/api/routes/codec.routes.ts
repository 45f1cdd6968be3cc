import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { safeEqual } from '../../security/api-keys';
import { route } from '../middleware/validate';
import { recipientQuery, type RecipientHasher } from '../../temporal/recipient-hash';

/**
 * The Temporal Web UI's remote codec (issue 15): `POST /codec/decode` and `POST /codec/encode`
 * take and answer `{payloads: [{metadata: {key: base64}, data: base64}]}` (the codec server
 * protocol the UI and `temporal … --codec-endpoint` speak), so operators read payloads the codec
 * sealed. `POST /operator/recipient-query` `{phone}` answers the `Recipient` hash of a number and
 * the Web UI query for its messages. All need `Authorization: Bearer <TEMPORAL_CODEC_TOKEN>`
 * (constant-time compare; the CLI sends it with `--codec-auth`); browsers are let in from the UI's
 * origins only (CORS). The Web UI sends no header of its own (only an OIDC access token, when it
 * has a login), so the codec routes are also served under `/codec/<token>/` — the protocol only
 * looks at the last path segment — for a UI whose codec endpoint is configured by its operators;
 * that path is redacted in the request log.
 */
export interface CodecRoutesDeps {
  codec: PayloadCodec;
  token: string;
  corsOrigins: readonly string[];
  recipientHash: RecipientHasher | undefined;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000),
});

const fromJson = (p: z.infer<typeof payloadsBody>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** The request log's view of a URL: a codec token in the path is replaced (see app.ts's serializer). */
export function redactCodecPath(url: string): string {
  const m = /^\/codec\/[^/?]+\/(decode|encode)(\?.*)?$/.exec(url);
  return m ? `/codec/[redacted]/${m[1]}` : url;
}

const refuse = (res: Response, status: number, code: string, message: string) =>
  res.status(status).json({ error: { code, message } });

export function codecRoutes(deps: CodecRoutesDeps): Router {
  const router = Router();
  // The UI calls from its own origin with Content-Type, X-Namespace and Authorization: a preflight.
  // Preflights end here (204, with the CORS headers only for an allowed origin): no OPTIONS route,
  // so the OpenAPI walk (route-walk.ts) sees only the POSTs.
  const cors = (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    const allowed = origin !== undefined && deps.corsOrigins.includes(origin);
    if (allowed) {
      res.vary('Origin');
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method !== 'OPTIONS') return next();
    if (allowed) {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.status(204).end();
  };
  const authorize = (req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const given = m?.[1] ?? (req.params as { token?: string }).token;
    if (given === undefined || !safeEqual(given, deps.token)) {
      refuse(res, 401, 'invalid_codec_token', 'Missing or wrong codec token');
      return;
    }
    next();
  };
  // Histories are decoded in batches: a larger body than /v1's, parsed only once authorized.
  const json = express.json({ limit: '4mb', type: () => true });
  const codecPaths = ['/codec/decode', '/codec/encode', '/codec/:token/decode', '/codec/:token/encode'];
  const paths = [...codecPaths, '/operator/recipient-query'];
  router.use(paths, cors);

  const tokenParams = z.object({ token: z.string() });
  for (const op of ['decode', 'encode'] as const) {
    const handle = async (payloads: Payload[], res: Response) => {
      try {
        const out = await deps.codec[op](payloads);
        res.json({ payloads: out.map(toJson) });
      } catch (err) {
        if (!(err instanceof Error && err.name === 'PayloadKeyError')) throw err;
        refuse(res, 400, 'undecodable_payload', 'A payload could not be decoded with the configured keys');
      }
    };
    // One route per path: the OpenAPI walk documents string paths, with these schemas.
    router.post(
      `/codec/${op}`,
      authorize,
      json,
      route({ body: payloadsBody }, ({ body }, _req, res) => handle(body.payloads.map(fromJson), res)),
    );
    router.post(
      `/codec/:token/${op}`,
      authorize,
      json,
      route({ params: tokenParams, body: payloadsBody }, ({ body }, _req, res) =>
        handle(body.payloads.map(fromJson), res),
      ),
    );
  }

  router.post(
    '/operator/recipient-query',
    authorize,
    json,
    route(
      { body: z.object({ phone: z.string().regex(/^\+?[\d\s().-]{6,32}$/, 'must be a phone number') }) },
      ({ body }, _req, res) => {
        if (!deps.recipientHash) {
          refuse(
            res,
            409,
            'recipient_hash_off',
            'TEMPORAL_RECIPIENT_HASH_KEY is not set: Recipient is not recorded',
          );
          return;
        }
        const recipient = deps.recipientHash(body.phone);
        res.json({ recipient, query: recipientQuery(recipient) });
      },
    ),
  );
  return router;
}
