import { ProviderError } from '../../src/providers/errors';
import { createMetaMessagingProvider } from '../../src/providers/meta/meta.adapter';
import type { OutboundMessage } from '../../src/providers/types';
import type { MessageContent } from '../../src/schemas/message-content.schema';
import { MetaGraphFake } from '../fakes/meta-graph.fake';

const TOKEN = 'EAAG-test-token-0123456789';
const PHONE_ID = '106540352242922';
/** The reference's MAC key; the expected ref below is HMAC-SHA256(key, 't1:msg_abcdefghijkl')[0..16], base64url. */
const STATUS_REF_KEY = Buffer.alloc(32, 7);

describe('Meta Cloud API adapter against the Graph fake', () => {
  let fake: MetaGraphFake;
  const provider = () =>
    createMetaMessagingProvider({
      baseUrl: fake.baseUrl,
      apiVersion: 'v23.0',
      timeoutMs: 2_000,
      waits: { throughput: 1_100, pair: 6_100, account: 60_100, fallback: 1_200 },
      statusRefKey: STATUS_REF_KEY,
      credentials: async (tenantId, senderId) =>
        tenantId === 't1' && senderId === 's1' ? { phoneNumberId: PHONE_ID, accessToken: TOKEN } : null,
    });
  const msg = (content: MessageContent): OutboundMessage => ({
    tenantId: 't1',
    messageId: 'msg_abcdefghijkl',
    senderId: 's1',
    to: '16505551234',
    content,
  });

  beforeAll(async () => {
    fake = await new MetaGraphFake({ tokens: { [PHONE_ID]: TOKEN } }).start();
  });
  afterAll(() => fake.stop());

  const envelope = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: '16505551234',
    biz_opaque_callback_data: 't1:msg_abcdefghijkl:mUUsO7m_Iz-ymc-LRzo_nA',
  };

  const cases: [string, MessageContent, Record<string, unknown>][] = [
    [
      'text',
      { type: 'text', text: { body: 'Hello', previewUrl: true } },
      { type: 'text', text: { preview_url: true, body: 'Hello' } },
    ],
    [
      'image',
      { type: 'image', image: { link: 'https://x.test/a.jpg', caption: 'Look' } },
      { type: 'image', image: { link: 'https://x.test/a.jpg', caption: 'Look' } },
    ],
    [
      'document',
      { type: 'document', document: { id: '1234567890', caption: 'Invoice', filename: 'invoice.pdf' } },
      { type: 'document', document: { id: '1234567890', caption: 'Invoice', filename: 'invoice.pdf' } },
    ],
    ['audio', { type: 'audio', audio: { id: '998877' } }, { type: 'audio', audio: { id: '998877' } }],
    [
      'video',
      { type: 'video', video: { link: 'https://x.test/v.mp4' } },
      { type: 'video', video: { link: 'https://x.test/v.mp4' } },
    ],
    [
      'location',
      {
        type: 'location',
        location: { latitude: 37.48, longitude: -122.14, name: 'HQ', address: '1 Hacker Way' },
      },
      {
        type: 'location',
        location: { latitude: 37.48, longitude: -122.14, name: 'HQ', address: '1 Hacker Way' },
      },
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
      {
        type: 'template',
        template: {
          name: 'order_update',
          language: { policy: 'deterministic', code: 'en_US' },
          components: [
            { type: 'body', parameters: [{ type: 'text', text: 'Jane' }] },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'STOP' }],
            },
          ],
        },
      },
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
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          header: { type: 'text', text: 'Order #123' },
          body: { text: 'Change or cancel?' },
          footer: { text: 'Reply below' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'change', title: 'Change' } },
              { type: 'reply', reply: { id: 'cancel', title: 'Cancel' } },
            ],
          },
        },
      },
    ],
    [
      'interactive list',
      {
        type: 'interactive_list',
        interactive_list: {
          body: 'Pick one',
          button: 'Options',
          sections: [
            {
              title: 'Express',
              rows: [
                { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
              ],
            },
          ],
        },
      },
      {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick one' },
          action: {
            button: 'Options',
            sections: [
              {
                title: 'Express',
                rows: [
                  {
                    id: 'priority_express',
                    title: 'Priority Mail Express',
                    description: 'Next Day to 2 Days',
                  },
                ],
              },
            ],
          },
        },
      },
    ],
  ];

  it.each(cases)('sends %s with the exact wire payload, URL and headers', async (_name, content, wire) => {
    const before = fake.requests.length;
    const out = await provider().send(msg(content));
    expect(out.providerMessageId).toMatch(/^wamid\./);
    const req = fake.requests[before];
    expect(req?.path).toBe(`/v23.0/${PHONE_ID}/messages`);
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.stringify(req?.body)).toBe(JSON.stringify({ ...envelope, ...wire }));
  });

  const errorCases: [string, Parameters<MetaGraphFake['failNext']>[0], Partial<ProviderError>][] = [
    [
      '130429 throughput → rate_limited, short wait',
      { httpStatus: 400, code: 130429 },
      { kind: 'rate_limited', code: '130429', retryAfterMs: 1_100 },
    ],
    [
      '131056 pair limit → rate_limited, pair wait',
      { httpStatus: 429, code: 131056 },
      { kind: 'rate_limited', code: '131056', retryAfterMs: 6_100 },
    ],
    [
      '4 app limit with Retry-After → that wait',
      { httpStatus: 429, code: 4, retryAfter: '7' },
      { kind: 'rate_limited', code: '4', retryAfterMs: 7_000 },
    ],
    [
      '80007 WABA limit → rate_limited, account wait',
      { httpStatus: 400, code: 80007 },
      { kind: 'rate_limited', retryAfterMs: 60_100 },
    ],
    [
      '2 service down → transient',
      { httpStatus: 500, code: 2, isTransient: true },
      { kind: 'transient', code: '2' },
    ],
    ['131000 unknown → transient', { httpStatus: 500, code: 131000 }, { kind: 'transient' }],
    ['131016 unavailable → transient', { httpStatus: 503, code: 131016 }, { kind: 'transient' }],
    ['1 → transient', { httpStatus: 400, code: 1 }, { kind: 'transient' }],
    [
      '131026 undeliverable → permanent',
      { httpStatus: 400, code: 131026 },
      { kind: 'permanent', code: '131026' },
    ],
    [
      '131047 re-engagement → permanent',
      { httpStatus: 400, code: 131047 },
      { kind: 'permanent', code: '131047' },
    ],
    [
      '132001 template missing → invalid_request',
      { httpStatus: 400, code: 132001 },
      { kind: 'invalid_request' },
    ],
    ['100 invalid parameter → invalid_request', { httpStatus: 400, code: 100 }, { kind: 'invalid_request' }],
    ['131008 → invalid_request', { httpStatus: 400, code: 131008 }, { kind: 'invalid_request' }],
    ['131009 → invalid_request', { httpStatus: 400, code: 131009 }, { kind: 'invalid_request' }],
    ['190 token expired → auth', { httpStatus: 401, code: 190 }, { kind: 'auth', code: '190' }],
    ['0 → auth', { httpStatus: 400, code: 0 }, { kind: 'auth' }],
    ['10 → auth', { httpStatus: 403, code: 10 }, { kind: 'auth' }],
    ['200 permission → auth', { httpStatus: 403, code: 200 }, { kind: 'auth' }],
    [
      'bare HTTP 429 → rate_limited fallback wait',
      { httpStatus: 429 },
      { kind: 'rate_limited', retryAfterMs: 1_200 },
    ],
    ['bare HTTP 502 → transient', { httpStatus: 502 }, { kind: 'transient' }],
  ];

  it.each(errorCases)('%s', async (_name, fault, expected) => {
    fake.failNext(fault);
    const err = await provider()
      .send(msg({ type: 'text', text: { body: 'x' } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ provider: 'meta', httpStatus: fault.httpStatus, ...expected });
  });

  it('classifies by Meta code, not by HTTP status (131056 answered with 400 is still a rate limit)', async () => {
    fake.failNext({ httpStatus: 400, code: 131056 });
    await expect(provider().send(msg({ type: 'text', text: { body: 'x' } }))).rejects.toMatchObject({
      kind: 'rate_limited',
    });
  });

  it('fails with auth for an unknown sender and with transient when Meta is unreachable', async () => {
    await expect(
      provider().send({ ...msg({ type: 'text', text: { body: 'x' } }), senderId: 'nope' }),
    ).rejects.toMatchObject({ kind: 'auth' });
    const down = createMetaMessagingProvider({
      baseUrl: 'http://127.0.0.1:1',
      apiVersion: 'v23.0',
      timeoutMs: 500,
      statusRefKey: STATUS_REF_KEY,
      credentials: async () => ({ phoneNumberId: PHONE_ID, accessToken: TOKEN }),
    });
    await expect(down.send(msg({ type: 'text', text: { body: 'x' } }))).rejects.toMatchObject({
      kind: 'transient',
    });
  });
});
