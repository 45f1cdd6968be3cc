import { Router, type Request, type Response } from 'express';
import type { SimSession, SimulatorState } from './simulator-state';

const ID = /^[a-zA-Z0-9_-]{1,50}$/;
const MAX_BATCH = 100;

function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? (m[1] as string) : null;
}

const fail = (res: Response, status: number, message: string) =>
  res.status(status).json({ status: 'error', message });

const entry = (s: SimSession, withToken: boolean) => ({
  sessionId: s.id,
  status: s.status,
  detail: null,
  qr: s.qr,
  ...(withToken ? { token: s.token } : {}),
});

/** One message of the seed's `POST /api/v1/messages` body; returns an error text or null. */
function checkMessage(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return 'message must be an object';
  const o = m as Record<string, unknown>;
  if (typeof o.to !== 'string' || o.to === '') return 'to is required';
  if (o.recipient_type !== undefined && o.recipient_type !== 'individual' && o.recipient_type !== 'group') {
    return 'recipient_type must be individual or group';
  }
  const part = o[String(o.type)] as Record<string, unknown> | undefined;
  switch (o.type) {
    case 'text':
      return typeof part?.body === 'string' && part.body !== '' ? null : 'text.body is required';
    case 'image':
    case 'document':
      return typeof part?.link === 'string' || typeof part?.id === 'string'
        ? null
        : `${o.type}.link or ${o.type}.id is required`;
    default:
      return 'type must be text, image or document';
  }
}

/**
 * The seed gateway's contract (Super-Light-Web-WhatsApp-API-Server, gateways.md §4): master key to
 * create, per-session bearer token to list (v1.2.0; legacy: open list with tokens), delete and send.
 */
export function seedDialectRoutes(state: SimulatorState): Router {
  const r = Router();

  r.post('/api/v1/sessions', (req, res) => {
    if (req.headers['x-master-key'] !== state.opts.masterKey) return fail(res, 403, 'Invalid master key');
    const id = (req.body as { sessionId?: unknown } | undefined)?.sessionId;
    if (typeof id !== 'string' || !ID.test(id))
      return fail(res, 400, 'sessionId is required and must match ^[a-zA-Z0-9_-]{1,50}$');
    if (state.sessions.has(id)) return fail(res, 409, `Session ${id} already exists`);
    const s = state.create(id);
    res.status(201).json({ status: 'success', message: `Session ${id} created.`, token: s.token });
  });

  r.get('/api/v1/sessions', (req, res) => {
    if (state.opts.listAuth === 'legacy')
      return res.json([...state.sessions.values()].map((s) => entry(s, true)));
    const token = bearer(req);
    const own = token ? state.sessionByToken(token) : undefined;
    if (!own) return fail(res, 401, 'Unauthorized: a valid session token is required');
    res.json([entry(own, false)]);
  });

  r.delete('/api/v1/sessions/:sessionId', (req, res) => {
    const s = state.sessions.get(String(req.params.sessionId));
    if (!s) return fail(res, 404, 'Session not found');
    if (bearer(req) !== s.token) return fail(res, 401, 'Unauthorized');
    state.remove(s.id);
    res.json({ status: 'success', message: `Session ${s.id} deleted.` });
  });

  // v1.2.0: behind validateToken (the session's Bearer token); stores the URL, no custom headers.
  r.post('/api/v1/webhook', (req, res) => {
    const { url, sessionId } = (req.body ?? {}) as { url?: unknown; sessionId?: unknown };
    if (typeof url !== 'string' || url === '' || typeof sessionId !== 'string' || sessionId === '')
      return fail(res, 400, 'URL and sessionId are required.');
    const s = state.sessions.get(sessionId);
    if (!s || bearer(req) !== s.token) return fail(res, 403, `Invalid token for session ${sessionId}`);
    state.setWebhook(sessionId, url);
    res.json({ status: 'success', message: `Webhook URL for session ${sessionId} updated to ${url}` });
  });

  r.post('/api/v1/messages', (req, res) => {
    const id = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    const s = state.sessions.get(id);
    if (!s) return fail(res, 404, 'Session not found');
    if (bearer(req) !== s.token) return fail(res, 401, 'Unauthorized');
    if (s.status !== 'CONNECTED') return fail(res, 409, `Session ${id} is not connected`);
    const items: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    if (items.length === 0 || items.length > MAX_BATCH)
      return fail(res, 400, `Between 1 and ${MAX_BATCH} messages per request`);
    const results = items.map((m) => {
      const problem = checkMessage(m);
      if (problem) return { status: 'error', message: problem };
      const { messageId } = state.recordMessage(id, m);
      return { status: 'success', message: `Message sent to ${(m as { to: string }).to}`, messageId };
    });
    res.json(results);
  });

  return r;
}
