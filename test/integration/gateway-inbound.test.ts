import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { signCallback } from '../../activities/callbacks.activities';
import { inboundMessageModel } from '../../src/db/models/inbound-message.model';
import { normaliseGatewayInbound } from '../../src/providers/gateways/inbound';
import type { InboundRequest } from '../../src/simulator/inbound.routes';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { captureLogger } from '../helpers/logger';
import { MASTER_KEY, waitFor, WEBHOOK_SECRET } from '../helpers/sessions';
import { useSessions } from '../fixtures/sessions';

/** A tenant's callback endpoint: answers 200 and records every POST with its signature headers. */
function startReceiver() {
  const received: { body: string; signature: string; timestamp: string }[] = [];
  const server: Server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({
        body,
        signature: req.headers['x-signature'] as string,
        timestamp: req.headers['x-timestamp'] as string,
      });
      res.writeHead(200).end();
    });
  });
  return new Promise<{ url: string; received: typeof received; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/inbound`,
        received,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

interface SimAnswer {
  body: Record<string, unknown>;
  deliveries: Array<{ status: number; data: { accepted?: boolean; duplicate?: boolean; reason?: string } }>;
}

describe('gateway inbound messages: stored once, forwarded once, per tenant', () => {
  const log = captureLogger();
  let clientA: Awaited<ReturnType<typeof startReceiver>>;
  let clientB: Awaited<ReturnType<typeof startReceiver>>;
  let secretA: string;
  let gw: string;

  afterAll(async () => {
    await stack.temporal.client.workflow
      .getHandle(workflowIds.session('tenant-a', 'inbox'))
      .terminate('test cleanup')
      .catch(() => undefined);
  });
  // The session stack with messaging mounted; one worker hosts both.
  const stack = useSessions({
    queue: 'gw-inbound',
    tenants: ['tenant-a', 'tenant-b'],
    logger: log.logger,
    registerWebhook: true,
    messaging: {},
  });
  // Once the stack is down (declared after it).
  afterAll(() => Promise.all([clientA.close(), clientB.close()]));

  beforeAll(async () => {
    [clientA, clientB] = await Promise.all([startReceiver(), startReceiver()]);
    const keyA = stack.key('tenant-a');
    const keyB = stack.key('tenant-b');
    secretA = (
      await request(stack.app)
        .put('/v1/callbacks')
        .set('Authorization', `Bearer ${keyA}`)
        .send({ url: clientA.url })
        .expect(200)
    ).body.secret as string;
    await request(stack.app)
      .put('/v1/callbacks')
      .set('Authorization', `Bearer ${keyB}`)
      .send({ url: clientB.url })
      .expect(200);

    await request(stack.app)
      .post('/v1/sessions')
      .set('Authorization', `Bearer ${keyA}`)
      .send({ sessionId: 'inbox' })
      .expect(202);
    gw = stack.gwName('tenant-a', 'inbox');
    await waitFor(
      () => stack.query('tenant-a', 'inbox'),
      (v) => v.status === 'generating_qr',
    );
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);
    await waitFor(
      () => stack.query('tenant-a', 'inbox'),
      (v) => v.status === 'connected',
    );
    // The worker registered our webhook (URL with the session's token) on the gateway.
    await waitFor(
      async () => stack.sim.state.sessions.get(gw)?.webhook?.url ?? '',
      (url) => url.includes('token='),
      10_000,
      'per-session webhook registered',
    );
  });

  const inbound = async (session: string, body: InboundRequest): Promise<SimAnswer> =>
    (await request(stack.simUrl).post(`/simulator/sessions/${session}/inbound`).send(body).expect(200))
      .body as SimAnswer;
  const providerIdOf = (body: Record<string, unknown>) => {
    const n = normaliseGatewayInbound(body);
    if (!n?.ok || !n.message) throw new Error('not an inbound message');
    return n.message.providerMessageId;
  };
  const finished = (providerMessageId: string) =>
    stack.temporal.client.workflow
      .getHandle(workflowIds.inbound('tenant-a', 'whatsapp_web', providerMessageId))
      .result();
  const forwardedA = (providerMessageId: string) =>
    clientA.received.filter((r) => r.body.includes(JSON.stringify(providerMessageId)));
  const notStarted = async (tenantId: string, providerMessageId: string) => {
    const d = stack.temporal.client.workflow
      .getHandle(workflowIds.inbound(tenantId, 'whatsapp_web', providerMessageId))
      .describe();
    await expect(d).rejects.toBeInstanceOf(WorkflowNotFoundError);
  };

  it('a seed message.received delivered three times is stored once and forwarded once, signed', async () => {
    const sent = await inbound(gw, { from: '4915112345678', text: 'Hallo ✓', repeat: 3 });
    expect(sent.deliveries.map((d) => [d.status, d.data.duplicate])).toEqual([
      [200, false],
      [200, true],
      [200, true],
    ]);
    const id = providerIdOf(sent.body);
    await finished(id);
    // One more redelivery after the workflow has completed still changes nothing.
    await request(stack.app)
      .post('/webhooks/gateway')
      .set('X-Webhook-Secret', WEBHOOK_SECRET)
      .send(sent.body)
      .expect(200, { accepted: true, duplicate: true });

    const forwarded = forwardedA(id);
    expect(forwarded).toHaveLength(1);
    const [only] = forwarded as [(typeof forwarded)[number]];
    expect(only.signature).toBe(signCallback(secretA, Number(only.timestamp), only.body));
    expect(JSON.parse(only.body)).toEqual({
      event: 'message.inbound',
      senderId: 'inbox',
      provider: 'whatsapp_web',
      providerMessageId: id,
      from: '4915112345678',
      fromName: null,
      type: 'text',
      text: 'Hallo ✓',
      content: { chatId: '4915112345678@s.whatsapp.net', gatewayType: 'conversation' },
      at: sent.body.timestamp,
    });
    const stored = await stack.deps.inbound.list('tenant-a');
    expect(stored.filter((d) => d.providerMessageId === id)).toEqual([
      expect.objectContaining({ tenantId: 'tenant-a', senderId: 'inbox', text: 'Hallo ✓' }),
    ]);
    // Only its tenant sees it, and only its tenant's callback got it.
    expect(await stack.deps.inbound.list('tenant-b')).toEqual([]);
    expect(clientB.received).toEqual([]);
  });

  it.each([
    ['legacy', 'LEGACY01', 'LEGACY01'],
    ['waha', 'WAHA01', 'false_4915100000001@c.us_WAHA01'],
    ['evolution', 'EVO01', 'EVO01'],
  ] as const)(
    '%s: the real message id dedupes twice-delivered events',
    async (dialect, messageId, expected) => {
      const sent = await inbound(gw, {
        from: '4915100000001',
        text: `via ${dialect}`,
        name: 'Eve',
        dialect,
        messageId,
        repeat: 2,
      });
      expect(sent.deliveries.map((d) => d.status)).toEqual([200, 200]);
      expect(providerIdOf(sent.body)).toBe(expected);
      await finished(expected);
      expect(forwardedA(expected)).toHaveLength(1);
      expect(JSON.parse(forwardedA(expected)[0]?.body as string)).toMatchObject({
        from: '4915100000001',
        fromName: 'Eve',
        text: `via ${dialect}`,
      });
      const docs = await stack.deps.inbound.list('tenant-a');
      expect(docs.filter((d) => d.providerMessageId === expected)).toHaveLength(1);
    },
  );

  it.each(['waha', 'evolution'] as const)('%s: an echo of our own send is ignored', async (dialect) => {
    const before = await stack.deps.inbound.list('tenant-a');
    const sent = await inbound(gw, {
      from: '4915100000002',
      text: 'our own',
      dialect,
      fromMe: true,
      messageId: `ECHO-${dialect}`,
      repeat: 1,
    });
    expect(sent.deliveries[0]).toEqual({ status: 200, data: { accepted: false, reason: 'own message' } });
    const echoId = dialect === 'waha' ? `true_4915100000002@c.us_ECHO-${dialect}` : `ECHO-${dialect}`;
    await notStarted('tenant-a', echoId);
    expect(await stack.deps.inbound.list('tenant-a')).toHaveLength(before.length);
  });

  it('an inbound message for a session we do not hold is 404 and starts nothing', async () => {
    // A session that exists only on the gateway (its events go to the default webhook URL).
    await request(stack.simUrl)
      .post('/api/v1/sessions')
      .set('X-Master-Key', MASTER_KEY)
      .send({ sessionId: 'stranger' })
      .expect(201);
    await waitFor(
      async () => stack.sim.state.sessions.get('stranger')?.status,
      (s) => s === 'GENERATING_QR',
    );
    await request(stack.simUrl).post('/simulator/sessions/stranger/scan').expect(200);
    const sent = await inbound('stranger', {
      from: '4915100000003',
      text: 'anyone?',
      dialect: 'legacy',
      messageId: 'GHOST01',
      repeat: 1,
    });
    expect(sent.deliveries[0]).toMatchObject({ status: 404 });
    await notStarted('tenant-a', 'GHOST01');
    await notStarted('tenant-b', 'GHOST01');
    expect(await inboundMessageModel(stack.db.conn).countDocuments({ providerMessageId: 'GHOST01' })).toBe(0);
  });

  it('the older new-message with a full Baileys record (numeric status, Long timestamp) is accepted', async () => {
    const jid = '4915100000004@s.whatsapp.net';
    const long = { low: 1767323045, high: 0, unsigned: true };
    await request(stack.app)
      .post('/webhooks/gateway')
      .set('X-Webhook-Secret', WEBHOOK_SECRET)
      .send({
        event: 'new-message',
        sessionId: gw,
        from: jid,
        messageId: 'BAILEYS01',
        timestamp: long,
        data: {
          key: { remoteJid: jid, fromMe: false, id: 'BAILEYS01' },
          message: { conversation: 'raw record' },
          messageTimestamp: long,
          status: 2,
          pushName: 'Raw',
        },
      })
      .expect(200, { accepted: true, duplicate: false });
    await finished('BAILEYS01');
    const [doc] = (await stack.deps.inbound.list('tenant-a')).filter(
      (d) => d.providerMessageId === 'BAILEYS01',
    );
    expect(doc).toMatchObject({ text: 'raw record', receivedAt: new Date(1767323045 * 1000) });
  });

  it('a malformed message event is 400 with field details and starts nothing', async () => {
    const res = await request(stack.app)
      .post('/webhooks/gateway')
      .set('X-Webhook-Secret', WEBHOOK_SECRET)
      .send({ event: 'message.received', sessionId: gw, data: { text: 'no sender' }, timestamp: 'x' })
      .expect(400);
    expect(res.body.error.details).toContainEqual(
      expect.objectContaining({ field: 'body.data.from', rule: 'invalid_type' }),
    );
    await request(stack.app)
      .post('/webhooks/gateway')
      .set('X-Webhook-Secret', WEBHOOK_SECRET)
      .send({ event: 'message', session: gw, payload: { from: '1@c.us', body: 'no id' } })
      .expect(400);
  });
});
