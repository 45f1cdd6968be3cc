import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import request from 'supertest';
import { createEvolutionGateway } from '../../src/providers/gateways/evolution/evolution.adapter';
import { createSeedGateway } from '../../src/providers/gateways/seed/seed.adapter';
import { createWahaGateway } from '../../src/providers/gateways/waha/waha.adapter';
import { ProviderError } from '../../src/providers/errors';
import { createGatewaySimulator, type GatewaySimulator } from '../../src/simulator/gateway-simulator';
import { captureLogger } from '../helpers/logger';
import { waitFor } from '../helpers/sessions';

describe('gateway simulator: the seed contract and the WAHA / Evolution session APIs, with faults', () => {
  const { logger } = captureLogger();
  let sim: GatewaySimulator;
  let url: string;
  beforeAll(async () => {
    sim = createGatewaySimulator({ masterKey: 'mk', apiKey: 'ak', qrDelayMs: 20, qrRotateMs: 100 });
    url = (await sim.listen()).url;
  });
  afterAll(() => sim.close());

  it('seed: create → rotating QR → scan → connected → send (single and batch) → delete', async () => {
    const gw = createSeedGateway({ baseUrl: url, masterKey: 'mk', timeoutMs: 2_000, logger });
    const { token } = await gw.createSession('seed-1');
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    const qrs = new Set<string>();
    await waitFor(
      () => gw.getSession('seed-1', token),
      (s) => {
        if (s?.qr) qrs.add(s.qr);
        return qrs.size >= 2;
      },
      5_000,
      'rotating QR',
    );
    await request(url).post('/simulator/sessions/seed-1/scan').expect(200);
    expect((await gw.getSession('seed-1', token))?.status).toBe('connected');

    const auth = { Authorization: `Bearer ${token}` };
    const one = await request(url)
      .post('/api/v1/messages?sessionId=seed-1')
      .set(auth)
      .send({ recipient_type: 'individual', to: '628123', type: 'text', text: { body: 'hi' } })
      .expect(200);
    expect(one.body).toEqual([
      { status: 'success', message: expect.any(String), messageId: expect.stringMatching(/^3EB0/) },
    ]);
    const batch = await request(url)
      .post('/api/v1/messages?sessionId=seed-1')
      .set(auth)
      .send([
        { to: '1', type: 'image', image: { link: 'https://x/y.png', caption: 'c' } },
        { to: '2', type: 'video' },
      ])
      .expect(200);
    expect(batch.body.map((r: { status: string }) => r.status)).toEqual(['success', 'error']);
    await request(url)
      .post('/api/v1/messages?sessionId=seed-1')
      .set(auth)
      .send(Array.from({ length: 101 }, () => ({ to: '1', type: 'text', text: { body: 'x' } })))
      .expect(400);
    await request(url)
      .post('/api/v1/messages?sessionId=seed-1')
      .set({ Authorization: 'Bearer wrong' })
      .send({ to: '1', type: 'text', text: { body: 'x' } })
      .expect(401);

    await gw.deleteSession('seed-1', token);
    expect(sim.state.sessions.has('seed-1')).toBe(false);
    await request(url)
      .post('/api/v1/sessions')
      .set('X-Master-Key', 'bad')
      .send({ sessionId: 'x' })
      .expect(403);
  });

  it('control routes also take the API session id (the gateway name’s prefix) when it is unambiguous', async () => {
    const gw = createSeedGateway({ baseUrl: url, masterKey: 'mk', timeoutMs: 2_000, logger });
    const { token } = await gw.createSession('front-desk-0123456789abcdef0123');
    await waitFor(
      () => gw.getSession('front-desk-0123456789abcdef0123', token),
      (s) => s?.status === 'generating_qr',
      5_000,
      'QR',
    );
    await request(url).post('/simulator/sessions/front-desk/scan').expect(200);
    expect((await gw.getSession('front-desk-0123456789abcdef0123', token))?.status).toBe('connected');
    await request(url).post('/simulator/sessions/front/scan').expect(409);
    await gw.deleteSession('front-desk-0123456789abcdef0123', token);
  });

  it('seed: the legacy list is open and carries tokens; the new one needs the session token', async () => {
    const legacy = createGatewaySimulator({ masterKey: 'mk', listAuth: 'legacy', qrDelayMs: 20 });
    const l = (await legacy.listen()).url;
    try {
      const gw = createSeedGateway({ baseUrl: l, masterKey: 'mk', timeoutMs: 2_000, logger });
      const { token } = await gw.createSession('old');
      await expect(gw.recoverToken('old')).resolves.toBe(token);
      expect((await gw.getSession('old', null))?.status).toMatch(/creating|generating_qr/);
    } finally {
      await legacy.close();
    }
    await request(url).get('/api/v1/sessions').expect(401);
  });

  it('WAHA dialect: create, SCAN_QR_CODE with raw QR, WORKING, delete', async () => {
    const gw = createWahaGateway({ baseUrl: url, apiKey: 'ak', timeoutMs: 2_000, logger });
    await gw.createSession('waha-1');
    await expect(gw.createSession('waha-1')).resolves.toEqual({ token: null, alreadyExisted: true });
    const s = await waitFor(
      () => gw.getSession('waha-1', null),
      (x) => !!x?.qr,
      5_000,
      'WAHA QR',
    );
    expect(s).toMatchObject({ status: 'generating_qr', rawStatus: 'SCAN_QR_CODE' });
    await request(url).post('/simulator/sessions/waha-1/scan').expect(200);
    expect(await gw.getSession('waha-1', null)).toMatchObject({ status: 'connected', rawStatus: 'WORKING' });
    await gw.deleteSession('waha-1', null);
    await expect(gw.getSession('waha-1', null)).resolves.toBeNull();
    const wrongKey = createWahaGateway({ baseUrl: url, apiKey: 'nope', timeoutMs: 2_000, logger });
    await expect(wrongKey.createSession('w2')).rejects.toMatchObject({ kind: 'auth' });
  });

  it('Evolution dialect: create with the instance token, connecting + QR, open, delete', async () => {
    const gw = createEvolutionGateway({ baseUrl: url, apiKey: 'ak', timeoutMs: 2_000, logger });
    const { token } = await gw.createSession('evo-1');
    expect(token).toBeTruthy();
    await expect(gw.createSession('evo-1')).resolves.toEqual({ token: null, alreadyExisted: true });
    const s = await waitFor(
      () => gw.getSession('evo-1', token),
      (x) => !!x?.qr,
      5_000,
      'Evolution QR',
    );
    expect(s).toMatchObject({ status: 'generating_qr', rawStatus: 'connecting' });
    await request(url).post('/simulator/sessions/evo-1/scan').expect(200);
    expect(await gw.getSession('evo-1', token)).toMatchObject({ status: 'connected', rawStatus: 'open' });
    await gw.deleteSession('evo-1', token);
    await expect(gw.getSession('evo-1', null)).resolves.toBeNull();
  });

  it('faults: 5xx, latency past the timeout, refused connections, spontaneous logout webhook', async () => {
    const gw = createSeedGateway({ baseUrl: url, masterKey: 'mk', timeoutMs: 300, logger });
    sim.faults.failNext = 1;
    await expect(gw.createSession('f-1')).rejects.toMatchObject({ kind: 'transient', httpStatus: 503 });
    sim.faults.latencyMs = 600;
    await expect(gw.createSession('f-1')).rejects.toMatchObject({ kind: 'transient', code: 'ECONNABORTED' });
    sim.faults.latencyMs = 0;
    await request(url).post('/simulator/faults').send({ errorRate: 1, errorStatus: 502 }).expect(200);
    await expect(gw.createSession('f-1')).rejects.toMatchObject({ httpStatus: 502 });
    await request(url).post('/simulator/faults').send({ errorRate: 0 }).expect(200);

    await sim.refuse();
    const refused = await gw.createSession('f-2').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    // A pooled keep-alive socket sees the close as a reset; a fresh one is refused: both transient.
    expect(refused).toMatchObject({
      kind: 'transient',
      code: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET)$/),
    });
    await sim.accept();
    await gw.createSession('f-2');

    // Spontaneous logout posts the event, with the shared secret, to the configured webhook.
    const received: Array<{ headers: Record<string, unknown>; body: { event: string } }> = [];
    const hook = await new Promise<Server>((resolve) => {
      const server = createServer((req, res) => {
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => {
          received.push({ headers: req.headers, body: JSON.parse(data) });
          res.end('{}');
        });
      });
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    sim.state.opts.webhookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
    sim.state.opts.webhookSecret = 'shh-secret';
    try {
      await request(url).post('/simulator/sessions/f-2/logout').expect(200);
      await waitFor(
        async () => received.length,
        (n) => n >= 1,
        5_000,
        'logout webhook',
      );
      expect(received[0]).toMatchObject({
        headers: { 'x-webhook-secret': 'shh-secret' },
        body: { event: 'session.logged_out' },
      });
    } finally {
      sim.state.opts.webhookUrl = undefined;
      hook.close();
    }
    const stats = (await axios.get(`${url}/simulator/stats`)).data;
    expect(stats.createsById['f-2']).toBe(1);
  });
});
