import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import request from 'supertest';
import { createEvolutionGateway } from '../../src/providers/gateways/evolution/evolution.adapter';
import { createSeedGateway } from '../../src/providers/gateways/seed/seed.adapter';
import { createWahaGateway } from '../../src/providers/gateways/waha/waha.adapter';
import { ProviderError } from '../../src/providers/errors';
import { createGatewayMessagingProvider } from '../../src/providers/gateways/messaging/gateway-messaging.adapter';
import { normaliseGatewayStatus } from '../../src/providers/gateways/statuses';
import type { SessionGateway } from '../../src/providers/types';
import type { MessageContent } from '../../src/schemas/message-content.schema';
import { createGatewaySimulator, type GatewaySimulator } from '../../src/simulator/gateway-simulator';
import { startRecordingGateway } from '../fakes/recording-gateway';
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

describe('gateway simulator: WAHA and Evolution sends, acknowledged in their webhook shapes', () => {
  const { logger } = captureLogger();
  let sim: GatewaySimulator;
  let url: string;
  let hook: Awaited<ReturnType<typeof startRecordingGateway>>;
  const target = () => ({ url: `${hook.url}/hook`, secret: 'hook-secret-0123456789' });
  beforeAll(async () => {
    sim = createGatewaySimulator({
      masterKey: 'mk',
      apiKey: 'ak',
      qrDelayMs: 20,
      qrRotateMs: 60_000,
      ackDelayMs: 5,
    });
    url = (await sim.listen()).url;
    hook = await startRecordingGateway();
    hook.on('POST', '/hook', { status: 200 });
  });
  afterAll(async () => {
    await sim.close();
    await hook.close();
  });

  const CONTENTS: MessageContent[] = [
    { type: 'text', text: { body: 'Hi' } },
    { type: 'image', image: { link: 'https://cdn.test/a.png', caption: 'Pic' } },
    { type: 'document', document: { link: 'https://cdn.test/i.pdf', filename: 'i.pdf' } },
    { type: 'location', location: { latitude: 52.5, longitude: 13.4, name: 'Office', address: 'Main St 1' } },
  ];
  /** Our provider over the simulator, for one session of `kind` (as the session repository hands it over). */
  const provider = (kind: string, gatewaySessionId: string, token: string | null, status = 'connected') =>
    createGatewayMessagingProvider({
      baseUrl: url,
      apiKey: 'ak',
      timeoutMs: 2_000,
      sessions: {
        getGatewayCredentials: async () => ({ gatewayKind: kind, token, status, gatewaySessionId }),
      },
    });
  const send = (p: ReturnType<typeof provider>, content: MessageContent, to = '4915112345678') =>
    p.send({ tenantId: 't', messageId: 'm', senderId: 's', to, content });
  const connect = async (gw: SessionGateway, name: string, token: string | null) => {
    await waitFor(
      () => gw.getSession(name, token),
      (s) => !!s?.qr,
      5_000,
      'QR',
    );
    await request(url).post(`/simulator/sessions/${name}/scan`).expect(200);
  };
  /** The acknowledgements the hook received for `id`, as our webhook reads them. */
  const acksOf = (id: string) =>
    hook.requests
      .map((r) => ({ headers: r.headers, body: r.body as Record<string, unknown> }))
      .map((r) => ({ ...r, read: normaliseGatewayStatus(r.body) }))
      .filter((r) => r.read?.ok && r.read.status?.providerMessageId === id);

  it('WAHA: every type answered with a serialized id; message.ack sent → delivered → read, with its custom header', async () => {
    const gw = createWahaGateway({ baseUrl: url, apiKey: 'ak', timeoutMs: 2_000, logger, webhook: target() });
    await gw.createSession('waha-m');
    const p = provider('waha', 'waha-m', null);
    await expect(send(p, CONTENTS[0]!)).rejects.toMatchObject({
      kind: 'transient',
      code: 'session_not_working',
    });
    await connect(gw, 'waha-m', null);
    const ids: string[] = [];
    for (const c of CONTENTS) ids.push((await send(p, c)).providerMessageId);
    for (const id of ids) expect(id).toMatch(/^true_4915112345678@c\.us_3EB0[0-9A-F]{16}$/);
    expect(sim.state.messages.filter((m) => m.sessionId === 'waha-m').map((m) => m.messageId)).toEqual(ids);
    for (const id of ids)
      await waitFor(
        async () => acksOf(id).length,
        (n) => n === 3,
        5_000,
        `acks of ${id}`,
      );
    for (const id of ids) {
      const acks = acksOf(id);
      expect(acks.map((a) => (a.read?.ok ? a.read.status?.status : null))).toEqual([
        'sent',
        'delivered',
        'read',
      ]);
      expect(acks.map((a) => a.body)).toEqual(
        [
          [1, 'SERVER'],
          [2, 'DEVICE'],
          [3, 'READ'],
        ].map(([ack, ackName]) =>
          expect.objectContaining({
            event: 'message.ack',
            session: 'waha-m',
            timestamp: expect.any(Number),
            me: { id: expect.stringMatching(/^\d+@c\.us$/), pushName: expect.any(String) },
            payload: expect.objectContaining({ id, to: '4915112345678@c.us', fromMe: true, ack, ackName }),
          }),
        ),
      );
      for (const a of acks) expect(a.headers['x-webhook-secret']).toBe('hook-secret-0123456789');
    }
  });

  it('Evolution: every type answered with key.id; messages.update SERVER_ACK → DELIVERY_ACK → READ', async () => {
    const gw = createEvolutionGateway({
      baseUrl: url,
      apiKey: 'ak',
      timeoutMs: 2_000,
      logger,
      webhook: target(),
    });
    const { token } = await gw.createSession('evo-m');
    const p = provider('evolution', 'evo-m', token);
    await expect(send(p, CONTENTS[0]!)).rejects.toMatchObject({
      kind: 'transient',
      code: 'connection_closed',
    });
    await connect(gw, 'evo-m', token);
    const ids: string[] = [];
    for (const c of CONTENTS) ids.push((await send(p, c)).providerMessageId);
    for (const id of ids) expect(id).toMatch(/^3EB0[0-9A-F]{16}$/);
    expect(sim.state.messages.filter((m) => m.sessionId === 'evo-m').map((m) => m.messageId)).toEqual(ids);
    for (const id of ids)
      await waitFor(
        async () => acksOf(id).length,
        (n) => n === 3,
        5_000,
        `acks of ${id}`,
      );
    for (const id of ids) {
      const acks = acksOf(id);
      expect(acks.map((a) => a.body)).toEqual(
        ['SERVER_ACK', 'DELIVERY_ACK', 'READ'].map((status) =>
          expect.objectContaining({
            event: 'messages.update',
            instance: 'evo-m',
            date_time: expect.any(String),
            data: expect.objectContaining({
              keyId: id,
              remoteJid: '4915112345678@s.whatsapp.net',
              fromMe: true,
              status,
            }),
            apikey: token,
          }),
        ),
      );
      for (const a of acks) expect(a.headers['x-webhook-secret']).toBe('hook-secret-0123456789');
    }
  });

  it('refuses as the gateways do: wrong key, unknown session, malformed bodies, a number not on WhatsApp', async () => {
    const waha = (body: object, key = 'ak') =>
      request(url).post('/api/sendText').set('X-Api-Key', key).send(body);
    await waha({ session: 'waha-m', chatId: '4915112345678@c.us', text: 'x' }, 'nope').expect(401);
    expect(
      (await waha({ session: 'ghost', chatId: '4915112345678@c.us', text: 'x' }).expect(404)).body,
    ).toMatchObject({
      statusCode: 404,
    });
    expect(
      (await waha({ session: 'waha-m', chatId: '+4915112345678', text: 'x' }).expect(400)).body,
    ).toMatchObject({
      statusCode: 400,
      message: [expect.stringContaining('chatId')],
    });
    await waha({ session: 'waha-m', chatId: '4915112345678@c.us' }).expect(400);
    await request(url)
      .post('/api/sendImage')
      .set('X-Api-Key', 'ak')
      .send({ session: 'waha-m', chatId: '4915112345678@c.us', file: { url: 'https://cdn.test/a.png' } })
      .expect(400);

    const evo = (op: string, body: object, key = 'ak') =>
      request(url).post(`/message/${op}/evo-m`).set('apikey', key).send(body);
    await evo('sendText', { number: '4915112345678', text: 'x' }, 'nope').expect(401);
    await request(url).post('/message/sendText/ghost').set('apikey', 'ak').send({}).expect(404);
    expect(
      (await evo('sendLocation', { number: '4915112345678', latitude: 1, longitude: 2 }).expect(400)).body,
    ).toEqual({
      status: 400,
      error: 'Bad Request',
      response: { message: [['requires property "name"', 'requires property "address"']] },
    });
    await evo('sendMedia', { number: '4915112345678', mediatype: 'image', media: 'not a url!' }).expect(400);
    const p = provider('evolution', 'evo-m', null);
    await expect(send(p, CONTENTS[0]!, '12')).rejects.toMatchObject({
      kind: 'permanent',
      code: 'not_on_whatsapp',
    });
  });

  it('acknowledges on request, in the order asked; none for seed sessions or without the subscription', async () => {
    sim.state.opts.ackDelayMs = null;
    try {
      const gw = createWahaGateway({
        baseUrl: url,
        apiKey: 'ak',
        timeoutMs: 2_000,
        logger,
        webhook: target(),
      });
      await gw.createSession('waha-q');
      await connect(gw, 'waha-q', null);
      const { providerMessageId: id } = await send(provider('waha', 'waha-q', null), CONTENTS[0]!);
      const res = await request(url)
        .post('/simulator/sessions/waha-q/acks')
        .send({ messageId: id, acks: ['read', 'delivered'] })
        .expect(200);
      expect(res.body.deliveries).toEqual([
        { level: 'read', status: 200 },
        { level: 'delivered', status: 200 },
      ]);
      expect(acksOf(id).map((a) => (a.read?.ok ? a.read.status?.status : null))).toEqual([
        'read',
        'delivered',
      ]);
      await request(url).post('/simulator/sessions/waha-q/acks').send({ messageId: 'nope' }).expect(404);

      const seed = createSeedGateway({ baseUrl: url, masterKey: 'mk', timeoutMs: 2_000, logger });
      const { token } = await seed.createSession('seed-q');
      await connect(seed, 'seed-q', token);
      const seedId = (await send(provider('seed', 'seed-q', token), CONTENTS[0]!)).providerMessageId;
      await request(url).post('/simulator/sessions/seed-q/acks').send({ messageId: seedId }).expect(409);

      // Subscribed to session events only: WAHA posts no message.ack.
      await request(url)
        .post('/api/sessions')
        .set('X-Api-Key', 'ak')
        .send({ name: 'waha-s', config: { webhooks: [{ url: target().url, events: ['session.status'] }] } })
        .expect(201);
      await connect(gw, 'waha-s', null);
      const quiet = (await send(provider('waha', 'waha-s', null), CONTENTS[0]!)).providerMessageId;
      await request(url).post('/simulator/sessions/waha-s/acks').send({ messageId: quiet }).expect(409);
    } finally {
      sim.state.opts.ackDelayMs = 5;
    }
  });
});
