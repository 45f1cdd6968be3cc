import { normaliseGatewayInbound } from '../../src/providers/gateways/inbound';
import { seedDerivedMessageId } from '../../src/providers/gateways/seed/seed.inbound';
import { INBOUND_DIALECTS, inboundWebhookBody } from '../../src/simulator/inbound.routes';
import type { SimSession } from '../../src/simulator/simulator-state';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const norm = (body: Record<string, unknown>) => normaliseGatewayInbound(body, NOW);
const ok = (body: Record<string, unknown>) => {
  const r = norm(body);
  if (!r?.ok) throw new Error(`not normalised: ${JSON.stringify(r)}`);
  return r;
};
const message = (body: Record<string, unknown>) => {
  const r = ok(body);
  if (!r.message) throw new Error(`ignored: ${r.ignored}`);
  return r.message;
};

describe('gateway inbound messages → the canonical inbound event', () => {
  describe('seed v1.2.0 message.received {from, text, type}', () => {
    const body = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
      event: 'message.received',
      sessionId: 'gw-1',
      data: { from: '6281234567890@s.whatsapp.net', text: 'Hello!', type: 'conversation', ...data },
      timestamp: '2026-01-02T03:00:00.000Z',
      ...over,
    });

    it('maps every field, with a dedupe id derived from session, sender, timestamp and text', () => {
      expect(ok(body())).toEqual({
        ok: true,
        gatewaySessionId: 'gw-1',
        message: {
          provider: 'whatsapp_web',
          providerMessageId: seedDerivedMessageId(
            'gw-1',
            '6281234567890@s.whatsapp.net',
            '2026-01-02T03:00:00.000Z',
            'Hello!',
          ),
          recipientAccountId: 'gw-1',
          from: '6281234567890',
          fromName: null,
          at: '2026-01-02T03:00:00.000Z',
          type: 'text',
          text: 'Hello!',
          content: { chatId: '6281234567890@s.whatsapp.net', gatewayType: 'conversation' },
        },
      });
    });

    it('the derived id is stable for a redelivery and differs when any input differs', () => {
      const id = message(body()).providerMessageId;
      expect(id).toMatch(/^seed-[0-9a-f]{40}$/);
      expect(message(body()).providerMessageId).toBe(id);
      for (const other of [
        body({ sessionId: 'gw-2' }),
        body({ timestamp: '2026-01-02T03:00:00.001Z' }),
        body({}, { text: 'Hello?' }),
        body({}, { from: '6281234567891@s.whatsapp.net' }),
      ])
        expect(message(other).providerMessageId).not.toBe(id);
    });

    it('media: the Baileys type names ours, an empty text is null; bookkeeping and status broadcasts are ignored', () => {
      expect(message(body({}, { text: '', type: 'imageMessage' }))).toMatchObject({
        type: 'image',
        text: null,
      });
      expect(ok(body({}, { type: 'protocolMessage' }))).toMatchObject({
        message: null,
        ignored: 'not a chat message',
      });
      expect(ok(body({}, { from: 'status@broadcast' }))).toMatchObject({
        message: null,
        ignored: 'status broadcast',
      });
    });

    it('400-worthy: no sender, or no timestamp to derive the id from', () => {
      expect(norm(body({}, { from: undefined }))).toMatchObject({ ok: false });
      expect(norm(body({ timestamp: undefined }))).toMatchObject({ ok: false });
    });
  });

  describe('seed (older) new-message {from, messageId, timestamp, data: WAMessage}', () => {
    const body = (key: Record<string, unknown> = {}) => ({
      event: 'new-message',
      sessionId: 'gw-1',
      from: '4915112345678@s.whatsapp.net',
      messageId: '3EB0ABCDEF',
      timestamp: 1767323045,
      data: {
        key: { remoteJid: '4915112345678@s.whatsapp.net', fromMe: false, id: '3EB0ABCDEF', ...key },
        message: { extendedTextMessage: { text: 'Hallo ✓' } },
        pushName: 'Jörg',
      },
    });
    it('uses the real message id and the push name', () => {
      expect(message(body())).toEqual({
        provider: 'whatsapp_web',
        providerMessageId: '3EB0ABCDEF',
        recipientAccountId: 'gw-1',
        from: '4915112345678',
        fromName: 'Jörg',
        at: new Date(1767323045 * 1000).toISOString(),
        type: 'text',
        text: 'Hallo ✓',
        content: {
          chatId: '4915112345678@s.whatsapp.net',
          message: { extendedTextMessage: { text: 'Hallo ✓' } },
        },
      });
    });
    it('ignores an echo of our own message', () => {
      expect(ok(body({ fromMe: true }))).toMatchObject({ message: null, ignored: 'own message' });
    });
  });

  describe('WAHA message / message.any', () => {
    const body = (payload: Record<string, unknown> = {}, event = 'message') => ({
      event,
      session: 'default',
      engine: 'WEBJS',
      me: { id: '7911111@c.us', pushName: '~' },
      payload: {
        id: 'false_111222333@c.us_AAAA',
        timestamp: 1767323045,
        from: '111222333@c.us',
        fromMe: false,
        to: '7911111@c.us',
        body: 'Hi there',
        hasMedia: false,
        ack: 1,
        vCards: [],
        _data: { notifyName: 'Ana' },
        ...payload,
      },
    });
    it('maps id, sender, name, time and text', () => {
      expect(ok(body())).toEqual({
        ok: true,
        gatewaySessionId: 'default',
        message: {
          provider: 'whatsapp_web',
          providerMessageId: 'false_111222333@c.us_AAAA',
          recipientAccountId: 'default',
          from: '111222333',
          fromName: 'Ana',
          at: new Date(1767323045 * 1000).toISOString(),
          type: 'text',
          text: 'Hi there',
          content: { chatId: '111222333@c.us' },
        },
      });
    });
    it('media type from the mimetype; a group message is from its participant', () => {
      const media = { url: 'http://waha/f.jpg', mimetype: 'image/jpeg', filename: null };
      expect(message(body({ hasMedia: true, media, body: '' }))).toMatchObject({
        type: 'image',
        text: null,
        content: { media },
      });
      expect(message(body({ hasMedia: true, media: { mimetype: 'application/pdf' } })).type).toBe('document');
      expect(message(body({ from: '1203630@g.us', participant: '4917600000000@c.us' }))).toMatchObject({
        from: '4917600000000',
        content: { chatId: '1203630@g.us' },
      });
    });
    it('ignores our own messages (message.any fromMe)', () => {
      expect(ok(body({ fromMe: true, id: 'true_111222333@c.us_BBBB' }, 'message.any'))).toMatchObject({
        message: null,
        ignored: 'own message',
      });
    });
    it('rejects a payload without id; other WAHA events are not messages', () => {
      expect(norm(body({ id: undefined }))).toMatchObject({ ok: false });
      expect(norm({ event: 'message.ack', session: 'default', payload: { id: 'x', ack: 3 } })).toBeNull();
      expect(
        norm({ event: 'session.status', session: 'default', payload: { status: 'WORKING' } }),
      ).toBeNull();
    });
  });

  describe('Evolution messages.upsert', () => {
    const body = (
      key: Record<string, unknown> = {},
      data: Record<string, unknown> = {},
      event = 'messages.upsert',
    ) => ({
      event,
      instance: 'evo-1',
      data: {
        key: { remoteJid: '5511999990000@s.whatsapp.net', fromMe: false, id: 'BAE5F00D', ...key },
        pushName: 'Bia',
        status: 'DELIVERY_ACK',
        message: { conversation: 'Oi' },
        messageType: 'conversation',
        messageTimestamp: 1767323045,
        source: 'android',
        ...data,
      },
      date_time: '2026-01-02T03:04:05.000Z',
      apikey: 'INSTANCE-TOKEN',
    });
    it('maps key.id, sender, push name, time and text (either event spelling)', () => {
      const expected = {
        provider: 'whatsapp_web',
        providerMessageId: 'BAE5F00D',
        recipientAccountId: 'evo-1',
        from: '5511999990000',
        fromName: 'Bia',
        at: new Date(1767323045 * 1000).toISOString(),
        type: 'text',
        text: 'Oi',
        content: { chatId: '5511999990000@s.whatsapp.net', message: { conversation: 'Oi' } },
      };
      expect(message(body())).toEqual(expected);
      expect(message(body({}, {}, 'MESSAGES_UPSERT'))).toEqual(expected);
      expect(JSON.stringify(ok(body()))).not.toContain('INSTANCE-TOKEN');
    });
    it('image with caption; our own sends and bookkeeping are ignored', () => {
      expect(
        message(
          body({}, { message: { imageMessage: { caption: 'look', url: 'u' } }, messageType: 'imageMessage' }),
        ),
      ).toMatchObject({ type: 'image', text: 'look' });
      expect(ok(body({ fromMe: true }))).toMatchObject({ message: null, ignored: 'own message' });
      expect(ok(body({}, { messageType: 'protocolMessage' }))).toMatchObject({ message: null });
    });
    it('rejects a record without key.id; other Evolution events are not messages', () => {
      expect(norm(body({ id: undefined }))).toMatchObject({ ok: false });
      expect(norm({ event: 'connection.update', instance: 'evo-1', data: { state: 'open' } })).toBeNull();
    });
  });

  it('session events of the seed are not messages', () => {
    expect(norm({ event: 'session.update', sessionId: 'gw-1', data: { status: 'CONNECTED' } })).toBeNull();
  });

  it("the simulator's inbound event in every dialect normalises to the same sender and text", () => {
    const s = { id: 'sim-1', token: 'tok' } as SimSession;
    for (const dialect of INBOUND_DIALECTS) {
      const b = inboundWebhookBody(s, {
        from: '4915112345678',
        text: 'ping',
        dialect,
        fromMe: false,
        name: 'Eve',
        messageId: '3EB0CAFE',
      }) as Record<string, unknown>;
      const m = message(b);
      expect({ dialect, from: m.from, text: m.text, type: m.type, account: m.recipientAccountId }).toEqual({
        dialect,
        from: '4915112345678',
        text: 'ping',
        type: 'text',
        account: 'sim-1',
      });
      expect(m.providerMessageId).toMatch(dialect === 'seed' ? /^seed-/ : /3EB0CAFE$/);
    }
  });
});
