import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDialog360MessagingProvider } from '../../src/providers/dialog360/dialog360.adapter';
import { ProviderError } from '../../src/providers/errors';
import type { OutboundMessage } from '../../src/providers/types';
import type { MessageContent } from '../../src/schemas/message-content.schema';
import { Dialog360Fake, type Dialog360Fault } from '../fakes/dialog360.fake';

const API_KEY = 'd360-key-0123456789abcdef';
const WAITS = { throughput: 1_100, pair: 6_100, account: 60_100, fallback: 1_200 };

describe('360dialog adapter against the waba-v2 fake', () => {
  let fake: Dialog360Fake;
  const provider = (baseUrl = fake.baseUrl) =>
    createDialog360MessagingProvider({
      baseUrl,
      timeoutMs: 2_000,
      waits: WAITS,
      statusRefKey: Buffer.alloc(32, 7),
      credentials: async (tenantId, senderId) =>
        tenantId === 't1' && senderId === 's1' ? { apiKey: API_KEY } : null,
    });
  const msg = (content: MessageContent): OutboundMessage => ({
    tenantId: 't1',
    messageId: 'msg_abcdefghijkl',
    senderId: 's1',
    to: '16505551234',
    content,
  });
  const text = msg({ type: 'text', text: { body: 'x' } });

  beforeAll(async () => {
    fake = await new Dialog360Fake({ apiKeys: { [API_KEY]: { phoneNumberId: '106540352242922' } } }).start();
  });
  afterAll(() => fake.stop());

  // The exact Meta Cloud API body (reference A1), written out here, not computed by our mapper.
  const envelope =
    '{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234",' +
    '"biz_opaque_callback_data":"t1:msg_abcdefghijkl:mUUsO7m_Iz-ymc-LRzo_nA",';
  const cases: [string, MessageContent, string][] = [
    [
      'text',
      { type: 'text', text: { body: 'Hello', previewUrl: true } },
      '"type":"text","text":{"preview_url":true,"body":"Hello"}}',
    ],
    [
      'image',
      { type: 'image', image: { link: 'https://x.test/a.jpg', caption: 'Look' } },
      '"type":"image","image":{"link":"https://x.test/a.jpg","caption":"Look"}}',
    ],
    [
      'document',
      { type: 'document', document: { id: '1234567890', caption: 'Invoice', filename: 'invoice.pdf' } },
      '"type":"document","document":{"id":"1234567890","caption":"Invoice","filename":"invoice.pdf"}}',
    ],
    ['audio', { type: 'audio', audio: { id: '998877' } }, '"type":"audio","audio":{"id":"998877"}}'],
    [
      'video',
      { type: 'video', video: { link: 'https://x.test/v.mp4' } },
      '"type":"video","video":{"link":"https://x.test/v.mp4"}}',
    ],
    [
      'location',
      {
        type: 'location',
        location: { latitude: 37.48, longitude: -122.14, name: 'HQ', address: '1 Hacker Way' },
      },
      '"type":"location","location":{"latitude":37.48,"longitude":-122.14,"name":"HQ","address":"1 Hacker Way"}}',
    ],
    [
      'template',
      {
        type: 'template',
        template: {
          name: 'order_update',
          language: 'en_US',
          components: [
            { type: 'body', parameters: [{ type: 'text', text: 'Jane' }] },
            {
              type: 'button',
              subType: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'STOP' }],
            },
          ],
        },
      },
      '"type":"template","template":{"name":"order_update","language":{"policy":"deterministic","code":"en_US"},' +
        '"components":[{"type":"body","parameters":[{"type":"text","text":"Jane"}]},' +
        '{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"STOP"}]}]}}',
    ],
    [
      'interactive buttons',
      {
        type: 'interactive_buttons',
        interactive_buttons: {
          header: { type: 'text', text: 'Order #123' },
          body: 'Change or cancel?',
          footer: 'Reply below',
          buttons: [
            { id: 'change', title: 'Change' },
            { id: 'cancel', title: 'Cancel' },
          ],
        },
      },
      '"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Order #123"},' +
        '"body":{"text":"Change or cancel?"},"footer":{"text":"Reply below"},"action":{"buttons":[' +
        '{"type":"reply","reply":{"id":"change","title":"Change"}},{"type":"reply","reply":{"id":"cancel","title":"Cancel"}}]}}}',
    ],
    [
      'interactive list',
      {
        type: 'interactive_list',
        interactive_list: {
          body: 'Pick one',
          button: 'Options',
          sections: [
            { title: 'Express', rows: [{ id: 'fast', title: 'Priority', description: 'Next day' }] },
          ],
        },
      },
      '"type":"interactive","interactive":{"type":"list","body":{"text":"Pick one"},"action":{"button":"Options",' +
        '"sections":[{"title":"Express","rows":[{"id":"fast","title":"Priority","description":"Next day"}]}]}}}',
    ],
  ];

  it('declares every type Meta sends', () => {
    expect([...provider().supportedTypes].sort()).toEqual(cases.map(([, c]) => c.type).sort());
  });

  it.each(cases)(
    'sends %s: POST /messages, D360-API-KEY, the exact Meta body',
    async (_name, content, wire) => {
      const before = fake.requests.length;
      const out = await provider().send(msg(content));
      expect(out.providerMessageId).toMatch(/^wamid\./);
      expect(fake.accepted.at(-1)?.wamid).toBe(out.providerMessageId);
      const req = fake.requests[before];
      expect(req?.method).toBe('POST');
      expect(req?.path).toBe('/messages');
      expect(req?.headers['d360-api-key']).toBe(API_KEY);
      expect(req?.headers.authorization).toBeUndefined();
      expect(req?.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.stringify(req?.body)).toBe(envelope + wire);
    },
  );

  const errorCases: [string, Dialog360Fault, Partial<ProviderError>][] = [
    // Meta Graph errors passed through: classified by Meta's code.
    [
      'Meta 131047 re-engagement → permanent',
      { shape: 'graph', httpStatus: 400, code: 131047 },
      { kind: 'permanent', code: '131047', httpStatus: 400 },
    ],
    [
      'Meta 130429 throughput → rate_limited (Meta wait)',
      { shape: 'graph', httpStatus: 400, code: 130429 },
      { kind: 'rate_limited', code: '130429', retryAfterMs: 1_100 },
    ],
    [
      'Meta 131056 pair limit as HTTP 429 → rate_limited (pair wait)',
      { shape: 'graph', httpStatus: 429, code: 131056 },
      { kind: 'rate_limited', code: '131056', retryAfterMs: 6_100 },
    ],
    ['Meta 190 token → auth', { shape: 'graph', httpStatus: 401, code: 190 }, { kind: 'auth', code: '190' }],
    [
      'Meta 132001 template missing → invalid_request',
      { shape: 'graph', httpStatus: 400, code: 132001 },
      { kind: 'invalid_request', code: '132001' },
    ],
    [
      'Meta 2 service down → transient',
      { shape: 'graph', httpStatus: 500, code: 2, isTransient: true },
      { kind: 'transient', code: '2' },
    ],
    // 360dialog's own envelopes: classified by HTTP status (and the documented 400 texts).
    [
      '360 meta 400 developer_message → invalid_request',
      { shape: 'd360', httpStatus: 400, developerMessage: 'Invalid parameter', details: [{ field: 'to' }] },
      { kind: 'invalid_request', code: '400', details: '[{"field":"to"}]' },
    ],
    [
      '360 meta 400 "exceeded the endpoint rate limit" → rate_limited (fallback wait)',
      { shape: 'd360', httpStatus: 400, developerMessage: 'You have exceeded the endpoint rate limit.' },
      { kind: 'rate_limited', code: '400', retryAfterMs: 1_200 },
    ],
    [
      '360 meta 400 lack of payment → permanent',
      {
        shape: 'd360',
        httpStatus: 400,
        developerMessage:
          'Could not send message due to lack of payment. Messaging can resume once invoices are settled.',
      },
      { kind: 'permanent', code: '400' },
    ],
    [
      '360 meta 403 endpoint blocked → auth',
      { shape: 'd360', httpStatus: 403, developerMessage: 'The endpoint is blocked' },
      { kind: 'auth', code: '403' },
    ],
    [
      '360 meta 429 with Retry-After → rate_limited, that wait',
      { shape: 'd360', httpStatus: 429, developerMessage: 'Too many requests', retryAfter: '3' },
      { kind: 'rate_limited', code: '429', retryAfterMs: 3_000 },
    ],
    [
      '360 meta 502 not available → transient',
      { shape: 'd360', httpStatus: 502, developerMessage: 'WhatsApp for Business API not available' },
      { kind: 'transient', code: '502' },
    ],
    [
      '{"error":"Invalid request"} 400 → invalid_request',
      { shape: 'plain', httpStatus: 400, error: 'Invalid request' },
      { kind: 'invalid_request', code: '400', message: '360dialog: Invalid request' },
    ],
    [
      'bare 429 without Retry-After → rate_limited, fallback wait',
      { shape: 'plain', httpStatus: 429, error: 'Too Many Requests' },
      { kind: 'rate_limited', retryAfterMs: 1_200 },
    ],
    ['proxy page 503 → transient', { shape: 'html', httpStatus: 503 }, { kind: 'transient', code: '503' }],
  ];

  it.each(errorCases)('%s', async (_name, fault, expected) => {
    fake.failNext(fault);
    const err = await provider()
      .send(text)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ provider: '360dialog', ...expected });
  });

  it('a dropped connection and an unreachable host are transient', async () => {
    fake.failNext({ shape: 'network' });
    await expect(provider().send(text)).rejects.toMatchObject({ provider: '360dialog', kind: 'transient' });
    await expect(provider('http://127.0.0.1:1').send(text)).rejects.toMatchObject({ kind: 'transient' });
  });

  it('a key 360dialog does not know → 401 "Invalid api_key" → auth; an unknown sender → auth, no call', async () => {
    fake.revokeApiKey(API_KEY);
    try {
      const err = (await provider()
        .send(text)
        .catch((e: unknown) => e)) as ProviderError;
      expect(err).toMatchObject({ kind: 'auth', code: '401', httpStatus: 401 });
      expect(err.message).toContain('Invalid api_key');
      expect(err.message).not.toContain(API_KEY);
    } finally {
      fake.addApiKey(API_KEY, { phoneNumberId: '106540352242922' });
    }
    const before = fake.requests.length;
    await expect(provider().send({ ...text, senderId: 'nope' })).rejects.toMatchObject({ kind: 'auth' });
    expect(fake.requests.length).toBe(before);
  });
});

describe('360dialog fake: /v1/configs/webhook and webhook delivery', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/360dialog`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  const config = (fake: Dialog360Fake, key: string, body: unknown, method = 'POST') =>
    fetch(`${fake.baseUrl}/v1/configs/webhook`, {
      method,
      headers: { 'D360-API-KEY': key, 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify(body) : undefined,
    });

  it('refuses URLs with an explicit port or "_" (the documented quirk), and unknown keys', async () => {
    const fake = await new Dialog360Fake({ apiKeys: { k1: {} } }).start();
    try {
      const port = await config(fake, 'k1', { url: 'https://hooks.example.com:8443/in' });
      expect(port.status).toBe(400);
      expect(await port.json()).toMatchObject({ meta: { success: false, http_code: 400 } });
      expect((await config(fake, 'k1', { url: 'https://my_hooks.example.com/in' })).status).toBe(400);
      expect((await config(fake, 'nope', { url: 'https://hooks.example.com/in' })).status).toBe(401);
      const ok = await config(fake, 'k1', { url: 'https://hooks.example.com/in' });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ url: 'https://hooks.example.com/in', headers: {} });
    } finally {
      await fake.stop();
    }
  });

  it('stores and echoes {url, headers}; GET reads it back; deliveries carry the headers and no signature', async () => {
    const fake = await new Dialog360Fake({
      apiKeys: { k2: { phoneNumberId: '555000111', displayPhoneNumber: '15550001111' } },
      rejectWebhookPort: false,
    }).start();
    try {
      expect(await (await config(fake, 'k2', {}, 'GET')).json()).toEqual({ url: null, headers: {} });
      const cfg = { url: receiverUrl, headers: { 'X-Dw-Channel': 'ch-1', 'X-Dw-Webhook-Secret': 's3cr3t' } };
      const set = await config(fake, 'k2', cfg);
      expect(set.status).toBe(200);
      expect(await set.json()).toEqual(cfg);
      expect(await (await config(fake, 'k2', {}, 'GET')).json()).toEqual(cfg);

      received.length = 0;
      const codes = await fake.emitStatuses(
        'k2',
        [
          { wamid: 'wamid.A', status: 'delivered', callbackData: 't:msg_1' },
          { wamid: 'wamid.A', status: 'read', callbackData: 't:msg_1' },
        ],
        { separate: true, reverse: true, duplicate: true },
      );
      expect(codes).toEqual([200, 200, 200, 200]);
      expect(received).toHaveLength(4);
      const first = received[0] as (typeof received)[number];
      expect(first.headers['x-dw-channel']).toBe('ch-1');
      expect(first.headers['x-dw-webhook-secret']).toBe('s3cr3t');
      expect(first.headers['x-hub-signature-256']).toBeUndefined();
      const statuses = received.map(
        (r) => JSON.parse(r.body).entry[0].changes[0].value.statuses[0].status as string,
      );
      expect(statuses).toEqual(['read', 'read', 'delivered', 'delivered']);
      expect(JSON.parse(first.body).entry[0].changes[0].value.metadata).toEqual({
        display_phone_number: '15550001111',
        phone_number_id: '555000111',
      });

      // A new key for the number revokes the old one; the number keeps its webhook.
      fake.addApiKey('k3', { phoneNumberId: '555000111' });
      expect((await config(fake, 'k2', {}, 'GET')).status).toBe(401);
      expect(fake.webhookConfig('k3')).toEqual(cfg);
      expect(await fake.emitInbound('k3', { from: '16505551234', text: 'hi' })).toEqual([200]);
    } finally {
      await fake.stop();
    }
  });
});
