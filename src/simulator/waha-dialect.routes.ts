import { Router, type RequestHandler } from 'express';
import type { SimStatus, SimulatorState } from './simulator-state';

export const WAHA_STATUS: Record<SimStatus, string> = {
  CREATING: 'STARTING',
  CONNECTING: 'STARTING',
  GENERATING_QR: 'SCAN_QR_CODE',
  CONNECTED: 'WORKING',
  DISCONNECTED: 'STOPPED',
};

/** WAHA's `X-Api-Key` on every `/api` route (the seed's `/api/v1/*` are not WAHA's). */
export const wahaApiKey =
  (state: SimulatorState): RequestHandler =>
  (req, res, next) => {
    if (req.path.startsWith('/v1/')) return next();
    if (req.headers['x-api-key'] !== state.apiKey)
      return res.status(401).json({ message: 'Unauthorized', statusCode: 401 });
    next();
  };

/** Enough of WAHA's session API (gateways.md §1.2-1.3) for its adapter: X-Api-Key, create, get, QR, delete. */
export function wahaDialectRoutes(state: SimulatorState): Router {
  const r = Router();
  r.use('/api', wahaApiKey(state));

  const view = (id: string) => {
    const s = state.sessions.get(id);
    return s
      ? { name: s.id, status: WAHA_STATUS[s.status], config: {}, me: null, engine: { engine: 'NOWEB' } }
      : null;
  };

  r.post('/api/sessions', (req, res) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name === '')
      return res.status(400).json({ message: ['name must be a string'], statusCode: 400 });
    if (state.sessions.has(name))
      return res.status(422).json({ message: `Session '${name}' already exists`, statusCode: 422 });
    state.create(name, 'waha');
    const hook = (req.body as { config?: { webhooks?: Array<Record<string, unknown>> } }).config
      ?.webhooks?.[0];
    if (typeof hook?.url === 'string') {
      const custom = Array.isArray(hook.customHeaders)
        ? (hook.customHeaders as Array<{ name: string; value: string }>)
        : [];
      const events = Array.isArray(hook.events) ? hook.events.map(String) : undefined;
      state.setWebhook(name, hook.url, Object.fromEntries(custom.map((h) => [h.name, h.value])), events);
    }
    res.status(201).json(view(name));
  });

  r.get('/api/sessions/:session', (req, res) => {
    const v = view(String(req.params.session));
    if (!v) return res.status(404).json({ message: 'Session not found', statusCode: 404 });
    res.json(v);
  });

  r.get('/api/:session/auth/qr', (req, res) => {
    const s = state.sessions.get(String(req.params.session));
    if (!s) return res.status(404).json({ message: 'Session not found', statusCode: 404 });
    if (s.status !== 'GENERATING_QR' || !s.qr) {
      return res.status(422).json({
        message: `Session status is not as expected (SCAN_QR_CODE): ${WAHA_STATUS[s.status]}`,
        statusCode: 422,
      });
    }
    if (req.query.format === 'raw') return res.json({ value: s.qr });
    res.json({ mimetype: 'text/plain', data: Buffer.from(s.qr).toString('base64') });
  });

  r.post('/api/sessions/:session/logout', (req, res) => {
    const name = String(req.params.session);
    if (!state.sessions.has(name) || !state.logout(name))
      return res.status(404).json({ message: 'Session not found', statusCode: 404 });
    res.status(201).json({});
  });

  // "Stop and logout as well. Idempotent operation."
  r.delete('/api/sessions/:session', (req, res) => {
    state.remove(String(req.params.session));
    res.status(200).json({});
  });

  return r;
}
