import { ProviderError } from '../../src/providers/errors';
import {
  createGatewayMessagingProvider,
  type GatewayCredentialsPort,
} from '../../src/providers/gateways/messaging/gateway-messaging.adapter';
import { createMessagingRegistry } from '../../src/providers/messaging-registry';
import type { OutboundMessage } from '../../src/providers/types';
import type { MessageContent } from '../../src/schemas/message-content.schema';
import { startRecordingGateway } from '../fakes/recording-gateway';

type Fake = Awaited<ReturnType<typeof startRecordingGateway>>;

const TEXT: MessageContent = { type: 'text', text: { body: 'Hi there' } };
const IMAGE: MessageContent = {
  type: 'image',
  image: { link: 'https://cdn.test/p/cat.png', caption: 'A cat' },
};
const DOCUMENT: MessageContent = {
  type: 'document',
  document: { link: 'https://cdn.test/files/i-42', filename: 'invoice.pdf', caption: 'Your invoice' },
};
const LOCATION: MessageContent = {
  type: 'location',
  location: { latitude: 52.52, longitude: 13.405, name: 'Office', address: 'Main St 1' },
};

/** A session of each gateway kind, as the session repository would hand it over. */
const SESSIONS: Record<string, { gatewayKind: string; token: string | null; status: string }> = {
  'w-1': { gatewayKind: 'waha', token: null, status: 'connected' },
  'e-1': { gatewayKind: 'evolution', token: 'INST-TOKEN', status: 'connected' },
  'e-2': { gatewayKind: 'evolution', token: null, status: 'connected' },
  's-1': { gatewayKind: 'seed', token: 'tok-s', status: 'connected' },
  'w-off': { gatewayKind: 'waha', token: null, status: 'connecting' },
  'x-1': { gatewayKind: 'wppconnect', token: null, status: 'connected' },
};
const sessions: GatewayCredentialsPort = {
  async getGatewayCredentials(tenantId, sessionId) {
    const s = tenantId === 't1' ? SESSIONS[sessionId] : undefined;
    return s ? { ...s, gatewaySessionId: `${sessionId}-gw` } : null;
  },
};

const msg = (senderId: string, content: MessageContent): OutboundMessage => ({
  tenantId: 't1',
  messageId: 'msg_1',
  senderId,
  to: '4915112345678',
  content,
});

/** Evolution's answer to a send (201): the stored message, `key.id` its id. */
const answer = (id: string) => ({
  status: 201,
  body: {
    key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: true, id },
    pushName: '',
    status: 'PENDING',
    message: { conversation: 'Hi there' },
    messageType: 'conversation',
    messageTimestamp: 1_717_000_000,
    instanceId: 'e-1-gw',
    source: 'unknown',
  },
});

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('WhatsApp Web senders: WAHA and Evolution wire payloads, ids and errors (recording fake)', () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await startRecordingGateway();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const provider = (apiKey: string | undefined = 'gw-key') =>
    createGatewayMessagingProvider({ baseUrl: `${fake.url}/`, apiKey, timeoutMs: 2_000, sessions });
  const WAHA_ID = 'true_4915112345678@c.us_3EB0A1B2C3D4E5F6';

  describe('WAHA', () => {
    it('sends text, image, document and location to their endpoints with session, chatId and X-Api-Key', async () => {
      for (const path of ['/api/sendText', '/api/sendImage', '/api/sendFile', '/api/sendLocation'])
        fake.on('POST', path, { status: 201, body: { id: WAHA_ID, fromMe: true, ack: 0 } });
      for (const c of [TEXT, IMAGE, DOCUMENT, LOCATION])
        await expect(provider().send(msg('w-1', c))).resolves.toEqual({ providerMessageId: WAHA_ID });
      const base = { session: 'w-1-gw', chatId: '4915112345678@c.us' };
      expect(fake.requests.map((r) => [r.method, r.path, r.body])).toEqual([
        ['POST', '/api/sendText', { ...base, text: 'Hi there' }],
        [
          'POST',
          '/api/sendImage',
          {
            ...base,
            file: { mimetype: 'image/png', filename: 'cat.png', url: 'https://cdn.test/p/cat.png' },
            caption: 'A cat',
          },
        ],
        [
          'POST',
          '/api/sendFile',
          {
            ...base,
            file: {
              mimetype: 'application/pdf',
              filename: 'invoice.pdf',
              url: 'https://cdn.test/files/i-42',
            },
            caption: 'Your invoice',
          },
        ],
        ['POST', '/api/sendLocation', { ...base, latitude: 52.52, longitude: 13.405, title: 'Office' }],
      ]);
      for (const r of fake.requests) {
        expect(r.headers['x-api-key']).toBe('gw-key');
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        expect(r.headers.apikey).toBeUndefined();
      }
    });

    it('names an image without a file name by its URL or image.jpg, and a location without a name by its address', async () => {
      fake.on('POST', '/api/sendImage', { status: 201, body: { id: WAHA_ID } });
      fake.on('POST', '/api/sendLocation', { status: 201, body: { id: WAHA_ID } });
      await provider().send(msg('w-1', { type: 'image', image: { link: 'https://cdn.test/' } }));
      await provider().send(
        msg('w-1', { type: 'location', location: { latitude: 1, longitude: 2, address: 'Main St 1' } }),
      );
      await provider().send(msg('w-1', { type: 'location', location: { latitude: 1, longitude: 2 } }));
      expect(fake.requests.map((r) => r.body)).toEqual([
        {
          session: 'w-1-gw',
          chatId: '4915112345678@c.us',
          file: { mimetype: 'image/jpeg', filename: 'image.jpg', url: 'https://cdn.test/' },
        },
        { session: 'w-1-gw', chatId: '4915112345678@c.us', latitude: 1, longitude: 2, title: 'Main St 1' },
        { session: 'w-1-gw', chatId: '4915112345678@c.us', latitude: 1, longitude: 2, title: '' },
      ]);
    });

    it('reads the id of every answer shape: WAMessage id, WEBJS id._serialized, NOWEB Baileys key', async () => {
      const answers: Array<[unknown, string]> = [
        [{ id: WAHA_ID }, WAHA_ID],
        [{ id: { fromMe: true, remote: '4915112345678@c.us', _serialized: WAHA_ID } }, WAHA_ID],
        [
          { key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: true, id: '3EB0A1B2C3D4E5F6' } },
          WAHA_ID,
        ],
      ];
      for (const [body, id] of answers) {
        fake.on('POST', '/api/sendText', { status: 201, body });
        await expect(provider().send(msg('w-1', TEXT))).resolves.toEqual({ providerMessageId: id });
      }
      fake.on('POST', '/api/sendText', { status: 201, body: { sent: true } });
      expect(await rejection(provider().send(msg('w-1', TEXT)))).toMatchObject({
        kind: 'permanent',
        code: 'no_message_id',
      });
    });

    it('maps its error answers: session not WORKING transient, Plus-only and unknown session permanent, 5xx transient, 429 rate limited, 401 auth, 400 invalid', async () => {
      const cases: Array<[number, unknown, Partial<ProviderError>]> = [
        [
          422,
          {
            error: 'Session status is not as expected. Try again later or restart the session',
            session: 'w-1-gw',
            status: 'STARTING',
            expected: ['WORKING'],
          },
          { kind: 'transient', code: 'session_not_working' },
        ],
        [
          422,
          {
            statusCode: 422,
            message: 'Sending media (image, video, pdf) is available only in Plus version. Check this out',
            error: 'Unprocessable Entity',
          },
          { kind: 'permanent', code: 'plus_only' },
        ],
        [
          404,
          { statusCode: 404, message: "We didn't find a session with name 'w-1-gw'" },
          { kind: 'permanent' },
        ],
        [
          500,
          { statusCode: 500, exception: { message: 'Evaluation failed: t' }, request: {} },
          { kind: 'transient', httpStatus: 500 },
        ],
        [429, { message: 'Too Many Requests' }, { kind: 'rate_limited', retryAfterMs: 60_000 }],
        [401, { message: 'Unauthorized', statusCode: 401 }, { kind: 'auth' }],
        [400, { statusCode: 400, message: ['chatId must be a string'] }, { kind: 'invalid_request' }],
      ];
      for (const [status, body, expected] of cases) {
        fake.on('POST', '/api/sendText', { status, body });
        const err = await rejection(provider().send(msg('w-1', TEXT)));
        expect(err).toMatchObject({ provider: 'whatsapp_web', httpStatus: status, ...expected });
        expect(err.message).not.toContain('gw-key');
      }
      expect((await rejection(provider().send(msg('w-1', TEXT)))).message).toMatch(/^WAHA: /);
    });

    it('refuses media given by media id (gateways download links), without a request', async () => {
      const err = await rejection(provider().send(msg('w-1', { type: 'image', image: { id: '12345' } })));
      expect(err).toMatchObject({ kind: 'invalid_request', code: 'media_link_required' });
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('Evolution API', () => {
    it('sends text, image, document and location with the instance token as apikey', async () => {
      fake.on('POST', '/message/sendText/e-1-gw', answer('3EB0AAA1'));
      fake.on('POST', '/message/sendMedia/e-1-gw', answer('3EB0AAA2'), answer('3EB0AAA3'));
      fake.on('POST', '/message/sendLocation/e-1-gw', answer('3EB0AAA4'));
      const ids = [];
      for (const c of [TEXT, IMAGE, DOCUMENT, LOCATION]) ids.push(await provider().send(msg('e-1', c)));
      expect(ids.map((r) => r.providerMessageId)).toEqual(['3EB0AAA1', '3EB0AAA2', '3EB0AAA3', '3EB0AAA4']);
      const number = '4915112345678';
      expect(fake.requests.map((r) => [r.method, r.path, r.body])).toEqual([
        ['POST', '/message/sendText/e-1-gw', { number, text: 'Hi there' }],
        [
          'POST',
          '/message/sendMedia/e-1-gw',
          {
            number,
            mediatype: 'image',
            mimetype: 'image/png',
            caption: 'A cat',
            fileName: 'cat.png',
            media: 'https://cdn.test/p/cat.png',
          },
        ],
        [
          'POST',
          '/message/sendMedia/e-1-gw',
          {
            number,
            mediatype: 'document',
            mimetype: 'application/pdf',
            caption: 'Your invoice',
            fileName: 'invoice.pdf',
            media: 'https://cdn.test/files/i-42',
          },
        ],
        [
          'POST',
          '/message/sendLocation/e-1-gw',
          { number, latitude: 52.52, longitude: 13.405, name: 'Office', address: 'Main St 1' },
        ],
      ]);
      for (const r of fake.requests) {
        expect(r.headers.apikey).toBe('INST-TOKEN');
        expect(r.headers['x-api-key']).toBeUndefined();
      }
    });

    it('uses the global key for an instance without a token; leaves an unknown MIME type to Evolution; empty name and address', async () => {
      fake.on('POST', '/message/sendMedia/e-2-gw', answer('3EB0BBB1'));
      fake.on('POST', '/message/sendLocation/e-2-gw', answer('3EB0BBB2'));
      await provider().send(msg('e-2', { type: 'document', document: { link: 'https://cdn.test/dl' } }));
      await provider().send(msg('e-2', { type: 'location', location: { latitude: -1.5, longitude: 2 } }));
      expect(fake.requests.map((r) => [r.headers.apikey, r.body])).toEqual([
        [
          'gw-key',
          { number: '4915112345678', mediatype: 'document', fileName: 'dl', media: 'https://cdn.test/dl' },
        ],
        ['gw-key', { number: '4915112345678', latitude: -1.5, longitude: 2, name: '', address: '' }],
      ]);
    });

    it('maps its error answers: not on WhatsApp permanent, a closed connection transient, unknown instance permanent, 5xx transient, 429, 401', async () => {
      const cases: Array<[number, unknown, Partial<ProviderError>]> = [
        [
          400,
          {
            status: 400,
            error: 'Bad Request',
            response: {
              message: [{ jid: '4915112345678@s.whatsapp.net', exists: false, number: '4915112345678' }],
            },
          },
          { kind: 'permanent', code: 'not_on_whatsapp' },
        ],
        [
          400,
          { status: 400, error: 'Bad Request', response: { message: ['Error: Connection Closed'] } },
          { kind: 'transient', code: 'connection_closed' },
        ],
        [
          404,
          {
            status: 404,
            error: 'Not Found',
            response: { message: ['The "e-1-gw" instance does not exist'] },
          },
          { kind: 'permanent', code: '404' },
        ],
        [
          500,
          { status: 500, error: 'Internal Server Error', response: { message: 'boom' } },
          { kind: 'transient' },
        ],
        [429, {}, { kind: 'rate_limited', retryAfterMs: 60_000 }],
        [
          401,
          { status: 401, error: 'Unauthorized', response: { message: 'Unauthorized' } },
          { kind: 'auth' },
        ],
        [
          400,
          { status: 400, error: 'Bad Request', response: { message: [['requires property "text"']] } },
          { kind: 'invalid_request', details: 'requires property "text"' },
        ],
      ];
      for (const [status, body, expected] of cases) {
        fake.on('POST', '/message/sendText/e-1-gw', { status, body });
        const err = await rejection(provider().send(msg('e-1', TEXT)));
        expect(err).toMatchObject({ provider: 'whatsapp_web', httpStatus: status, ...expected });
        expect(err.message).not.toContain('INST-TOKEN');
        expect(err.message).toMatch(/^Evolution API: /);
      }
      fake.on('POST', '/message/sendText/e-1-gw', { status: 201, body: { status: 'PENDING' } });
      expect(await rejection(provider().send(msg('e-1', TEXT)))).toMatchObject({
        kind: 'permanent',
        code: 'no_message_id',
      });
    });
  });

  describe('one whatsapp_web provider, per gateway kind', () => {
    it('sends through the session’s own gateway: seed, WAHA and Evolution side by side', async () => {
      fake.on('POST', '/api/v1/messages', {
        status: 200,
        body: [{ status: 'success', message: 'sent', messageId: '3EB0SEED' }],
      });
      fake.on('POST', '/api/sendText', { status: 201, body: { id: WAHA_ID } });
      fake.on('POST', '/message/sendText/e-1-gw', answer('3EB0EVO'));
      const p = provider();
      await expect(p.send(msg('s-1', TEXT))).resolves.toEqual({ providerMessageId: '3EB0SEED' });
      await expect(p.send(msg('w-1', TEXT))).resolves.toEqual({ providerMessageId: WAHA_ID });
      await expect(p.send(msg('e-1', TEXT))).resolves.toEqual({ providerMessageId: '3EB0EVO' });
      expect(fake.requests.map((r) => [r.path, r.query])).toEqual([
        ['/api/v1/messages', { sessionId: 's-1-gw' }],
        ['/api/sendText', {}],
        ['/message/sendText/e-1-gw', {}],
      ]);
      expect(fake.requests[0]!.headers.authorization).toBe('Bearer tok-s');
    });

    it('a session not connected is transient, an unknown one or an unknown gateway kind permanent — no request', async () => {
      expect(await rejection(provider().send(msg('w-off', TEXT)))).toMatchObject({ kind: 'transient' });
      expect(await rejection(provider().send(msg('nope', TEXT)))).toMatchObject({ kind: 'permanent' });
      expect(await rejection(provider().send(msg('x-1', TEXT)))).toMatchObject({
        kind: 'permanent',
        code: 'unknown_gateway_kind',
      });
      expect(fake.requests).toHaveLength(0);
    });

    it('resolves a session sender to its gateway’s types and acknowledgements', async () => {
      const registry = createMessagingRegistry({
        providers: [provider()],
        officialSenders: { get: async () => null },
        sessions,
        gatewayProvider: 'whatsapp_web',
      });
      const view = async (s: string) => {
        const r = await registry.resolveSender('t1', s);
        return (
          r && {
            name: r.provider.name,
            types: [...r.provider.supportedTypes],
            acks: r.provider.acknowledgesDelivery,
          }
        );
      };
      expect(await view('s-1')).toEqual({
        name: 'whatsapp_web',
        types: ['text', 'image', 'document'],
        acks: false,
      });
      const rich = { name: 'whatsapp_web', types: ['text', 'image', 'document', 'location'], acks: true };
      expect(await view('w-1')).toEqual(rich);
      expect(await view('e-1')).toEqual(rich);
      expect(await view('x-1')).toEqual({ name: 'whatsapp_web', types: [], acks: false });
      expect(await view('nope')).toBeNull();
      // Sends by name (the activity's path) reach every kind all the same.
      expect(registry.get('whatsapp_web').supportedTypes.has('location')).toBe(true);
    });
  });
});
