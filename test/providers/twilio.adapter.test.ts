import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../src/providers/errors';
import { createTwilioMessagingProvider } from '../../src/providers/twilio/twilio.adapter';
import { twilioErrorKind } from '../../src/providers/twilio/twilio.errors';
import type { OutboundMessage } from '../../src/providers/types';
import type { MessageContent } from '../../src/schemas/message-content.schema';
import { TwilioFake, twilioSignature, type TwilioFault } from '../fakes/twilio.fake';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-0123456789';
const FROM = '14155238886';
const CONTENT_SID = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';
const WAITS = { api: 1_100, channel: 6_100, fallback: 1_200 };
const CALLBACK = 'https://api.example.com/webhooks/twilio?ref=t1:msg_abcdefghijkl';

describe('Twilio adapter against the api.twilio.com fake', () => {
  let fake: TwilioFake;
  const provider = (baseUrl = fake.baseUrl, token = TOKEN) =>
    createTwilioMessagingProvider({
      baseUrl,
      timeoutMs: 2_000,
      publicBaseUrl: 'https://api.example.com/',
      waits: WAITS,
      credentials: async (tenantId, senderId) =>
        tenantId === 't1' && senderId === 's1'
          ? { accountSid: ACCOUNT, authToken: token, fromDigits: FROM }
          : null,
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
    fake = await new TwilioFake({ accounts: { [ACCOUNT]: TOKEN }, senders: { [ACCOUNT]: [FROM] } }).start();
  });
  afterAll(() => fake.stop());

  const head: [string, string][] = [
    ['To', 'whatsapp:+16505551234'],
    ['From', `whatsapp:+${FROM}`],
  ];
  const cases: [string, MessageContent, [string, string][]][] = [
    ['text', { type: 'text', text: { body: 'Hello & bye', previewUrl: true } }, [['Body', 'Hello & bye']]],
    [
      'image with caption (caption → Body)',
      { type: 'image', image: { link: 'https://x.test/a.jpg?s=1', caption: 'Look' } },
      [
        ['Body', 'Look'],
        ['MediaUrl', 'https://x.test/a.jpg?s=1'],
      ],
    ],
    [
      'video',
      { type: 'video', video: { link: 'https://x.test/v.mp4', caption: 'Clip' } },
      [
        ['Body', 'Clip'],
        ['MediaUrl', 'https://x.test/v.mp4'],
      ],
    ],
    [
      'audio',
      { type: 'audio', audio: { link: 'https://x.test/a.ogg' } },
      [['MediaUrl', 'https://x.test/a.ogg']],
    ],
    [
      'document (filename dropped: Twilio takes none)',
      { type: 'document', document: { link: 'https://x.test/invoice.pdf', filename: 'invoice.pdf' } },
      [['MediaUrl', 'https://x.test/invoice.pdf']],
    ],
    [
      'location with name and address',
      {
        type: 'location',
        location: { latitude: 37.78789, longitude: -122.391664, name: 'HQ', address: '375 Beale St' },
      },
      [
        ['Body', 'HQ'],
        ['PersistentAction', 'geo:37.78789,-122.391664|375 Beale St'],
      ],
    ],
    [
      'location with coordinates only',
      { type: 'location', location: { latitude: -33.9, longitude: 18.4 } },
      [
        ['Body', '-33.9,18.4'],
        ['PersistentAction', 'geo:-33.9,18.4'],
      ],
    ],
    [
      'template: Content SID, body parameters → {"1":…,"2":…}',
      {
        type: 'template',
        template: {
          name: CONTENT_SID,
          language: 'en_US',
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'Jane' },
                {
                  type: 'currency',
                  currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 },
                },
                { type: 'date_time', date_time: { fallback_value: 'February 25, 1977' } },
              ],
            },
          ],
        },
      },
      [
        ['ContentSid', CONTENT_SID],
        ['ContentVariables', '{"1":"Jane","2":"$100.99","3":"February 25, 1977"}'],
      ],
    ],
    [
      'template: named parameters keep their names',
      {
        type: 'template',
        template: {
          name: CONTENT_SID,
          language: 'en_US',
          components: [
            { type: 'body', parameters: [{ type: 'text', text: 'A-1', parameter_name: 'order_id' }] },
          ],
        },
      },
      [
        ['ContentSid', CONTENT_SID],
        ['ContentVariables', '{"order_id":"A-1"}'],
      ],
    ],
    [
      'template without variables',
      { type: 'template', template: { name: CONTENT_SID, language: 'en' } },
      [['ContentSid', CONTENT_SID]],
    ],
  ];

  it('declares only what Twilio can send without a pre-made Content template', () => {
    expect([...provider().supportedTypes].sort()).toEqual(
      ['audio', 'document', 'image', 'location', 'template', 'text', 'video'].sort(),
    );
  });

  it.each(cases)('sends %s: URL, Basic auth, exact form bytes', async (_name, content, fields) => {
    const before = fake.requests.length;
    const out = await provider().send(msg(content));
    expect(out.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.messages.at(-1)?.sid).toBe(out.providerMessageId);
    const req = fake.requests[before];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const expected = new URLSearchParams([...head, ...fields, ['StatusCallback', CALLBACK]]).toString();
    expect(req?.raw).toBe(expected);
  });

  const refusals: [string, MessageContent, string][] = [
    ['media by id', { type: 'image', image: { id: '12345' } }, 'media_id_unsupported'],
    [
      'document caption',
      { type: 'document', document: { link: 'https://x.test/a.pdf', caption: 'Invoice' } },
      'document_caption_unsupported',
    ],
    [
      'template by name',
      { type: 'template', template: { name: 'order_update', language: 'en' } },
      'template_not_content_sid',
    ],
    [
      'header parameters',
      {
        type: 'template',
        template: {
          name: CONTENT_SID,
          language: 'en',
          components: [{ type: 'header', parameters: [{ type: 'text', text: 'x' }] }],
        },
      },
      'template_parameter_unsupported',
    ],
    [
      'image parameters',
      {
        type: 'template',
        template: {
          name: CONTENT_SID,
          language: 'en',
          components: [
            { type: 'body', parameters: [{ type: 'image', image: { link: 'https://x.test/a.jpg' } }] },
          ],
        },
      },
      'template_parameter_unsupported',
    ],
    [
      'interactive buttons',
      { type: 'interactive_buttons', interactive_buttons: { body: 'b', buttons: [{ id: 'a', title: 'A' }] } },
      'unsupported_message_type',
    ],
  ];

  it.each(refusals)('refuses %s as invalid_request without calling Twilio', async (_name, content, code) => {
    const before = fake.requests.length;
    await expect(provider().send(msg(content))).rejects.toMatchObject({
      provider: 'twilio',
      kind: 'invalid_request',
      code,
    });
    expect(fake.requests.length).toBe(before);
  });

  const errorCases: [string, TwilioFault, Partial<ProviderError>][] = [
    [
      '20429 with Retry-After → rate_limited, that wait',
      { httpStatus: 429, code: 20429, message: 'Too Many Requests', retryAfter: '2' },
      { kind: 'rate_limited', code: '20429', retryAfterMs: 2_000 },
    ],
    [
      '20429 without Retry-After → rate_limited, API wait',
      { httpStatus: 429, code: 20429 },
      { kind: 'rate_limited', retryAfterMs: 1_100 },
    ],
    [
      '63018 channel rate limit → rate_limited, channel wait',
      { httpStatus: 400, code: 63018 },
      { kind: 'rate_limited', code: '63018', retryAfterMs: 6_100 },
    ],
    ['20003 → auth', { httpStatus: 401, code: 20003 }, { kind: 'auth', code: '20003' }],
    ['63007 unknown From channel → auth', { httpStatus: 400, code: 63007 }, { kind: 'auth', code: '63007' }],
    ['21211 invalid To → permanent', { httpStatus: 400, code: 21211 }, { kind: 'permanent', code: '21211' }],
    [
      '21614 not a mobile → permanent',
      { httpStatus: 400, code: 21614 },
      { kind: 'permanent', code: '21614' },
    ],
    ['63024 invalid recipient → permanent', { httpStatus: 400, code: 63024 }, { kind: 'permanent' }],
    ['63003 To not found → permanent', { httpStatus: 400, code: 63003 }, { kind: 'permanent' }],
    ['63016 outside the window → permanent', { httpStatus: 400, code: 63016 }, { kind: 'permanent' }],
    [
      '21656 ContentVariables → invalid_request',
      { httpStatus: 400, code: 21656 },
      { kind: 'invalid_request' },
    ],
    ['21999 any 21xxx → invalid_request', { httpStatus: 400, code: 21999 }, { kind: 'invalid_request' }],
    [
      '63028 template params → invalid_request',
      { httpStatus: 400, code: 63028 },
      { kind: 'invalid_request' },
    ],
    ['20500 → transient', { httpStatus: 500, code: 20500 }, { kind: 'transient', code: '20500' }],
    ['20503 → transient', { httpStatus: 503, code: 20503 }, { kind: 'transient' }],
    ['unknown code on a 502 → transient', { httpStatus: 502, code: 99999 }, { kind: 'transient' }],
    // A 4xx whose code no table knows: invalid_request, the one answer of kindFromStatus (issue 16).
    [
      'unknown code on a 400 → invalid_request',
      { httpStatus: 400, code: 99999 },
      { kind: 'invalid_request' },
    ],
  ];

  it.each(errorCases)('%s', async (_name, fault, expected) => {
    fake.failNext(fault);
    const err = await provider()
      .send(text)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      provider: 'twilio',
      httpStatus: (fault as { httpStatus: number }).httpStatus,
      details: `https://www.twilio.com/docs/errors/${(fault as { code: number }).code}`,
      ...expected,
    });
  });

  it("the fake's own validation answers like Twilio: Body over 1600 → 21617 invalid_request", async () => {
    await expect(
      provider().send(msg({ type: 'text', text: { body: 'a'.repeat(1601) } })),
    ).rejects.toMatchObject({
      kind: 'invalid_request',
      code: '21617',
      httpStatus: 400,
    });
  });

  it('a wrong auth token → 20003 auth (token never in the message); no answer → transient', async () => {
    const err = (await provider(fake.baseUrl, 'wrong-token')
      .send(text)
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toMatchObject({ kind: 'auth', code: '20003', httpStatus: 401 });
    expect(err.message).not.toContain('wrong-token');
    fake.failNext({ network: true });
    await expect(provider().send(text)).rejects.toMatchObject({ kind: 'transient' });
    await expect(provider('http://127.0.0.1:1').send(text)).rejects.toMatchObject({ kind: 'transient' });
    await expect(provider().send({ ...text, senderId: 'nope' })).rejects.toMatchObject({ kind: 'auth' });
  });

  it.each([
    [30001, 'transient'],
    [30003, 'permanent'],
    [30005, 'permanent'],
    [30007, 'permanent'],
    [30008, 'transient'],
    [63016, 'permanent'],
    [63018, 'rate_limited'],
  ] as const)('async ErrorCode %d of a status callback → %s', (code, kind) => {
    expect(twilioErrorKind(code)).toBe(kind);
  });
});

describe('Twilio fake: signed status callbacks and inbound messages', () => {
  let receiver: Server;
  let base: string;
  const received: { url: string; headers: http.IncomingHttpHeaders; form: Record<string, string> }[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({
          url: req.url ?? '',
          headers: req.headers,
          form: Object.fromEntries(new URLSearchParams(body)),
        });
        res.writeHead(200, { 'content-type': 'text/xml' }).end('<Response/>');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it("signs like Twilio's published example (token 12345, mycompany.com)", () => {
    expect(
      twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', {
        CallSid: 'CA1234567890ABCDE',
        Caller: '+14158675309',
        Digits: '1234',
        From: '+14158675309',
        To: '+18005551212',
      }),
    ).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('POSTs status callbacks to the StatusCallback URL, signed, reordered and duplicated on request', async () => {
    const fake = await new TwilioFake({ accounts: { [ACCOUNT]: TOKEN } }).start();
    try {
      const provider = createTwilioMessagingProvider({
        baseUrl: fake.baseUrl,
        timeoutMs: 2_000,
        publicBaseUrl: () => base,
        credentials: async () => ({ accountSid: ACCOUNT, authToken: TOKEN, fromDigits: FROM }),
      });
      const { providerMessageId: sid } = await provider.send({
        tenantId: 't1',
        messageId: 'msg_abcdefghijkl',
        senderId: 's1',
        to: '16505551234',
        content: { type: 'text', text: { body: 'hi' } },
      });
      expect(fake.sendsFor('msg_abcdefghijkl').map((m) => m.sid)).toEqual([sid]);
      received.length = 0;
      const codes = await fake.emitStatuses(
        [
          { sid, status: 'delivered' },
          { sid, status: 'failed', errorCode: 63016, errorMessage: 'Outside the window' },
        ],
        { reverse: true, duplicate: true },
      );
      expect(codes).toEqual([200, 200, 200, 200]);
      expect(received.map((r) => r.form.MessageStatus)).toEqual([
        'failed',
        'failed',
        'delivered',
        'delivered',
      ]);
      const first = received[0] as (typeof received)[number];
      expect(first.url).toBe('/webhooks/twilio?ref=t1:msg_abcdefghijkl');
      expect(first.form).toEqual({
        AccountSid: ACCOUNT,
        ApiVersion: '2010-04-01',
        ChannelPrefix: 'whatsapp',
        From: `whatsapp:+${FROM}`,
        To: 'whatsapp:+16505551234',
        MessageSid: sid,
        SmsSid: sid,
        MessageStatus: 'failed',
        SmsStatus: 'failed',
        ErrorCode: '63016',
        ErrorMessage: 'Outside the window',
      });
      expect(first.headers['x-twilio-signature']).toBe(
        twilioSignature(TOKEN, `${base}/webhooks/twilio?ref=t1:msg_abcdefghijkl`, first.form),
      );
    } finally {
      await fake.stop();
    }
  });

  it('POSTs signed inbound messages with the WhatsApp fields', async () => {
    const fake = await new TwilioFake({ accounts: { [ACCOUNT]: TOKEN } }).start();
    try {
      received.length = 0;
      const url = `${base}/webhooks/twilio`;
      const { status, messageSid } = await fake.sendInbound(url, {
        accountSid: ACCOUNT,
        from: '16505551234',
        to: FROM,
        body: 'Look',
        profileName: 'Jane',
        media: { url: 'https://api.twilio.com/media/ME1', contentType: 'image/jpeg' },
      });
      expect(status).toBe(200);
      const r = received[0] as (typeof received)[number];
      expect(r.form).toMatchObject({
        MessageSid: messageSid,
        AccountSid: ACCOUNT,
        From: 'whatsapp:+16505551234',
        To: `whatsapp:+${FROM}`,
        Body: 'Look',
        NumMedia: '1',
        MediaUrl0: 'https://api.twilio.com/media/ME1',
        MediaContentType0: 'image/jpeg',
        ProfileName: 'Jane',
        WaId: '16505551234',
        MessageType: 'image',
      });
      expect(r.headers['x-twilio-signature']).toBe(twilioSignature(TOKEN, url, r.form));
    } finally {
      await fake.stop();
    }
  });
});
