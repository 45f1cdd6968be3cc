import { Router, type RequestHandler } from 'express';
import QRCode from 'qrcode';
import type { SimStatus, SimulatorState } from './simulator-state';

const STATE: Record<SimStatus, string> = {
  CREATING: 'connecting',
  CONNECTING: 'connecting',
  GENERATING_QR: 'connecting',
  CONNECTED: 'open',
  DISCONNECTED: 'close',
};

export const notFound = (name: string) => ({
  status: 404,
  error: 'Not Found',
  response: { message: [`The "${name}" instance does not exist`] },
});

/**
 * Evolution's `apikey` (`auth.guard.ts`): the global key, or the instance's own token on a route
 * naming that instance (`/<group>/<op>/:instanceName`).
 */
export const evolutionApiKey =
  (state: SimulatorState): RequestHandler =>
  (req, res, next) => {
    const name = req.path.split('/')[2];
    const key = req.headers.apikey;
    const s = name ? state.sessions.get(decodeURIComponent(name)) : undefined;
    if (key !== state.apiKey && !(s && key === s.token))
      return res
        .status(401)
        .json({ status: 401, error: 'Unauthorized', response: { message: 'Unauthorized' } });
    next();
  };

/** Enough of Evolution API v2's instance API (gateways.md §2.1-2.3): global or instance apikey, create, state, connect, delete. */
export function evolutionDialectRoutes(state: SimulatorState): Router {
  const r = Router();
  r.use('/instance', evolutionApiKey(state));

  r.post('/instance/create', (req, res) => {
    const body = (req.body ?? {}) as { instanceName?: unknown; integration?: unknown };
    if (typeof body.instanceName !== 'string' || body.instanceName === '') {
      return res
        .status(400)
        .json({ status: 400, error: 'Bad Request', response: { message: [['instanceName is required']] } });
    }
    if (state.sessions.has(body.instanceName)) {
      return res.status(403).json({
        status: 403,
        error: 'Forbidden',
        response: { message: [`This name "${body.instanceName}" is already in use.`] },
      });
    }
    const s = state.create(body.instanceName, 'evolution');
    const hook = (
      req.body as { webhook?: { url?: unknown; headers?: Record<string, string>; events?: unknown } }
    ).webhook;
    const events = Array.isArray(hook?.events) ? hook.events.map(String) : undefined;
    if (typeof hook?.url === 'string') state.setWebhook(s.id, hook.url, hook.headers ?? {}, events);
    res.status(201).json({
      instance: {
        instanceName: s.id,
        instanceId: s.id,
        integration: body.integration ?? 'WHATSAPP-BAILEYS',
        status: 'connecting',
      },
      hash: s.token,
      settings: {},
      qrcode: {},
    });
  });

  r.get('/instance/connectionState/:name', (req, res) => {
    const s = state.sessions.get(String(req.params.name));
    if (!s) return res.status(404).json(notFound(String(req.params.name)));
    res.json({ instance: { instanceName: s.id, state: STATE[s.status] } });
  });

  r.get('/instance/connect/:name', async (req, res) => {
    const s = state.sessions.get(String(req.params.name));
    if (!s) return res.status(404).json(notFound(String(req.params.name)));
    if (s.status === 'CONNECTED') return res.json({ instance: { instanceName: s.id, state: 'open' } });
    if (!s.qr) return res.json({ count: 0 });
    res.json({ pairingCode: null, code: s.qr, base64: await QRCode.toDataURL(s.qr), count: s.qrCount });
  });

  r.delete('/instance/logout/:name', (req, res) => {
    const name = String(req.params.name);
    if (!state.sessions.has(name) || !state.logout(name))
      return res.status(404).json(notFound(String(req.params.name)));
    res.json({ status: 'SUCCESS', error: false, response: { message: 'Instance logged out' } });
  });

  r.delete('/instance/delete/:name', (req, res) => {
    if (!state.remove(String(req.params.name)))
      return res.status(404).json(notFound(String(req.params.name)));
    res.json({ status: 'SUCCESS', error: false, response: { message: 'Instance deleted' } });
  });

  return r;
}
