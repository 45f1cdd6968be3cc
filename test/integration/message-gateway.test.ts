import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { GatewayCredentialsPort } from '../../src/providers/gateways/messaging/gateway-messaging.adapter';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { eventually } from '../helpers/messaging';
import { useStack } from '../fixtures/stack';

/** The seed gateway's send contract: `POST /api/v1/messages?sessionId=` → `[{status, message, messageId}]`. */
function startSeedGateway(tokens: Record<string, string>) {
  const seen: { url: string; auth?: string; body: unknown }[] = [];
  let n = 0;
  const server: Server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(raw || 'null') });
      const sessionId = url.searchParams.get('sessionId') ?? '';
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || url.pathname !== '/api/v1/messages') return res.writeHead(404).end('{}');
      if (req.headers.authorization !== `Bearer ${tokens[sessionId]}`)
        return res.writeHead(401).end(JSON.stringify({ status: 'error', message: 'Invalid token' }));
      res.end(
        JSON.stringify([
          { status: 'success', message: 'Message sent', messageId: `3EB0${String(++n).padStart(16, '0')}` },
        ]),
      );
    });
  });
  return new Promise<{ url: string; seen: typeof seen; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        seen,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('messages through a WhatsApp Web gateway session', () => {
  let gw: Awaited<ReturnType<typeof startSeedGateway>>;
  // The sessions area's port, as an in-memory implementation (the session repository implements it for real).
  const sessions: GatewayCredentialsPort = {
    async getGatewayCredentials(tenantId, sessionId) {
      if (tenantId !== 'tenant-g' || sessionId !== 'shop') return null;
      return {
        gatewayKind: 'seed',
        token: 'tok-shop',
        status: 'connected',
        gatewaySessionId: 'shop-0123456789abcdef0123',
      };
    },
  };

  beforeAll(async () => {
    gw = await startSeedGateway({ 'shop-0123456789abcdef0123': 'tok-shop' });
  });
  const stack = useStack(() => ({
    queue: 'msggw',
    messaging: { metaBaseUrl: 'http://127.0.0.1:1', gatewayBaseUrl: gw.url, sessions },
    tenants: ['tenant-g'],
  }));
  afterAll(() => gw.close());

  const post = (body: object) =>
    request(stack.api.app).post('/v1/messages').set(stack.auth('tenant-g')).send(body);

  it('sends text, image and document with the seed wire payload and the session token', async () => {
    const bodies = [
      { type: 'text', text: { body: 'Hi' } },
      { type: 'image', image: { link: 'https://cdn.test/a.png', caption: 'Pic' } },
      { type: 'document', document: { link: 'https://cdn.test/i.pdf', filename: 'i.pdf' } },
    ];
    for (const b of bodies) {
      const id = (await post({ from: 'shop', to: '+49 151 12345678', ...b }).expect(202)).body.id as string;
      await eventually(
        async () => (await stack.deps.messages.get('tenant-g', id))?.status === 'sent',
        'sent',
      );
      expect(await stack.deps.messages.get('tenant-g', id)).toMatchObject({
        provider: 'whatsapp_web',
        sessionId: 'shop',
        providerMessageId: expect.stringMatching(/^3EB0/),
      });
      // The seed gateway never reports delivery: the message's workflow ends at sent, not after 24 h.
      const handle = stack.temporal.client.workflow.getHandle(workflowIds.message('tenant-g', id));
      await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 'workflow ended');
      expect(await handle.result()).toMatchObject({ status: 'sent' });
    }
    expect(gw.seen.map((s) => s.url)).toEqual(
      Array(3).fill('/api/v1/messages?sessionId=shop-0123456789abcdef0123'),
    );
    expect(gw.seen.every((s) => s.auth === 'Bearer tok-shop')).toBe(true);
    expect(gw.seen.map((s) => s.body)).toEqual([
      [{ recipient_type: 'individual', to: '4915112345678', type: 'text', text: { body: 'Hi' } }],
      [
        {
          recipient_type: 'individual',
          to: '4915112345678',
          type: 'image',
          image: { link: 'https://cdn.test/a.png', caption: 'Pic' },
        },
      ],
      [
        {
          recipient_type: 'individual',
          to: '4915112345678',
          type: 'document',
          document: { link: 'https://cdn.test/i.pdf', filename: 'i.pdf' },
        },
      ],
    ]);
  });

  it('refuses with 422 a type the gateway cannot send, before any workflow starts', async () => {
    const before = gw.seen.length;
    const res = await post({
      from: 'shop',
      to: '4915112345678',
      type: 'location',
      location: { latitude: 1, longitude: 2 },
    }).expect(422);
    expect(res.body.error).toMatchObject({
      code: 'unsupported_message_type',
      details: { supportedTypes: ['text', 'image', 'document'] },
    });
    await post({
      from: 'shop',
      to: '4915112345678',
      type: 'interactive_buttons',
      interactive_buttons: { body: 'b', buttons: [{ id: 'a', title: 'A' }] },
    }).expect(422);
    expect(gw.seen.length).toBe(before);
  });
});
