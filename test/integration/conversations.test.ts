import request from 'supertest';
import {
  createSessionRepository,
  type SessionRepository,
} from '../../src/db/repositories/session.repository';
import type { GatewayCredentialsPort } from '../../src/providers/gateways/messaging/gateway-messaging.adapter';
import { useStack } from '../fixtures/stack';
import { eventually } from '../helpers/messaging';
import { testSecretBox } from '../helpers/sessions';

const A = 'tenant-conv-a';
const B = 'tenant-conv-b';
const PHONE_A = '400000000000081';
const PHONE_B = '400000000000082';
const TOKEN = 'EAAG-conversations-token-0123456789';
const DAY = 24 * 3_600_000;
const MARGIN = 60_000;

const sender = (senderId: string, phoneNumberId: string, display: string) => ({
  senderId,
  phoneNumberId,
  wabaId: '1081',
  displayPhoneNumber: display,
  accessToken: TOKEN,
});

/** The session `shop` of tenant A, read from the real repository once the stack is up. */
let sessions: SessionRepository | undefined;
const sessionPort: GatewayCredentialsPort = {
  getGatewayCredentials: (t, s) => {
    if (!sessions) throw new Error('the session repository is opened in beforeAll');
    return sessions.getGatewayCredentials(t, s);
  },
};

/**
 * Inbound messages and conversations (issue 17, item 4) on the real stack: inbound messages arrive
 * by Meta's signed webhook and are stored by the inbound workflow; outbound ones are accepted by
 * POST /v1/messages or written through the message history repository at chosen times (to tie an
 * outbound message with an inbound one to the millisecond).
 */
describe('GET /v1/inbound and GET /v1/conversations/{senderId}/{contact}', () => {
  const stack = useStack({
    queue: 'conversations',
    fakes: { meta: { tokens: { [PHONE_A]: TOKEN, [PHONE_B]: TOKEN } } },
    messaging: {
      customerWindowMarginMs: MARGIN,
      gatewayBaseUrl: 'http://127.0.0.1:9',
      sessions: sessionPort,
    },
    tenants: [A, B],
    senders: {
      [A]: [sender('meta-conv-a', PHONE_A, '15550000081')],
      [B]: [sender('meta-conv-b', PHONE_B, '15550000082')],
    },
  });
  beforeAll(async () => {
    sessions = createSessionRepository(stack.db.conn, testSecretBox());
    await sessions.ensure({ tenantId: A, sessionId: 'shop', name: null, gatewayKind: 'seed' });
  });

  const get = (tenant: string | null, path: string, query: Record<string, string | number> = {}) => {
    const req = request(stack.api.app).get(path).query(query);
    return tenant ? req.set(stack.auth(tenant)) : req;
  };
  const at = (iso: string) => new Date(iso);
  const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));
  /** A message from `from` to a number as Meta's webhook says it (a text unless given), dated `when` (default: now). */
  const inbound = (
    phoneNumberId: string,
    wamid: string,
    from: string,
    when?: Date,
    message: object = { type: 'text', text: { body: `text of ${wamid}` } },
  ) =>
    stack.fakes.meta.emitInbound({
      phoneNumberId,
      wamid,
      from,
      message: { ...(when ? { timestamp: seconds(when) } : {}), ...message },
    });
  const stored = (tenant: string, n: number) =>
    eventually(async () => (await stack.deps.inbound.list(tenant)).length >= n, `${n} inbound stored`);
  /** An outbound message accepted at `when`, as the message workflow's first write records it. */
  const outbound = (tenant: string, senderId: string, messageId: string, to: string, when: Date) =>
    stack.deps.messages.recordQueued(
      {
        tenantId: tenant,
        messageId,
        senderId,
        sessionId: null,
        senderUserId: null,
        provider: 'meta',
        priority: 'normal',
        recipientPhone: to,
        recipientName: null,
        messageType: 'text',
        messageContent: messageId,
        content: { type: 'text', text: { body: messageId } },
        mediaData: null,
        metadata: null,
        idempotencyKey: null,
        requestHash: messageId,
        workflowId: `message:${tenant}:${messageId}`,
        acceptedAt: when,
      },
      false,
    );

  it('GET /v1/inbound: what the signed webhook stored, newest first; from, contact, type, since, until', async () => {
    const T0 = at('2025-03-01T10:00:00Z');
    const plus = (s: number) => new Date(T0.getTime() + s * 1000);
    const [C1, C2] = ['4915100000011', '4915100000012'];
    expect(await inbound(PHONE_A, 'wamid.IN1', C1, T0)).toBe(200);
    const image = { type: 'image', image: { id: 'media-1', mime_type: 'image/jpeg' } };
    expect(await inbound(PHONE_A, 'wamid.IN2', C2, plus(60), image)).toBe(200);
    expect(await inbound(PHONE_A, 'wamid.IN3', C1, plus(120))).toBe(200);
    expect(await inbound(PHONE_B, 'wamid.INB', C1, plus(30))).toBe(200);
    await stored(A, 3);
    await stored(B, 1);

    const ids = async (query: Record<string, string | number>, tenant = A) =>
      ((await get(tenant, '/v1/inbound', query).expect(200)).body.items as { id: string }[]).map((m) => m.id);
    const all = (await get(A, '/v1/inbound').expect(200)).body;
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((m: { id: string }) => m.id)).toEqual([
      'meta:wamid.IN3',
      'meta:wamid.IN2',
      'meta:wamid.IN1',
    ]);
    expect(all.items[0]).toEqual({
      id: 'meta:wamid.IN3',
      senderId: 'meta-conv-a',
      contact: C1,
      contactName: 'Customer',
      provider: 'meta',
      providerMessageId: 'wamid.IN3',
      type: 'text',
      text: 'text of wamid.IN3',
      content: { body: 'text of wamid.IN3' },
      truncated: false,
      receivedAt: plus(120).toISOString(),
    });
    expect(all.items[1]).toMatchObject({ type: 'image', text: null, content: image.image });

    expect(await ids({ from: 'meta-conv-a' })).toHaveLength(3);
    // Another tenant's sender: nothing, as for a sender that does not exist.
    expect(await ids({ from: 'meta-conv-b' })).toEqual([]);
    // The contact as people write it: normalised like every number here.
    expect(await ids({ contact: '+49 151 0000 0011' })).toEqual(['meta:wamid.IN3', 'meta:wamid.IN1']);
    expect(await ids({ type: 'image' })).toEqual(['meta:wamid.IN2']);
    expect(await ids({ contact: C1, type: 'image' })).toEqual([]);
    expect(await ids({ since: plus(60).toISOString() })).toEqual(['meta:wamid.IN3', 'meta:wamid.IN2']);
    expect(await ids({ until: plus(60).toISOString() })).toEqual(['meta:wamid.IN1']);
    expect(await ids({ since: '2025-03-01', until: '2025-03-02', limit: 1 })).toEqual(['meta:wamid.IN3']);
    // Tenant B sees its own message only.
    expect(await ids({}, B)).toEqual(['meta:wamid.INB']);
  });

  it('GET /v1/inbound: bad input is a 400 naming the field and the rule; no key is a 401', async () => {
    for (const [query, field, rule] of [
      [{ from: 'bad id' }, 'query.from', 'invalid_format'],
      [{ contact: '12' }, 'query.contact', 'custom'],
      [{ type: 'Text!' }, 'query.type', 'invalid_format'],
      [{ since: 'yesterday' }, 'query.since', 'invalid_format'],
      [{ until: '2025-02-30' }, 'query.until', 'invalid_format'],
      [{ limit: 0 }, 'query.limit', 'too_small'],
      [{ limit: 'all' }, 'query.limit', 'invalid_type'],
      [{ cursor: 'not a cursor' }, 'query.cursor', 'invalid_format'],
      [{ to: '4915100000099' }, 'query', 'unrecognized_keys'],
    ] as const) {
      const res = await get(A, '/v1/inbound', query).expect(400);
      expect({ query, details: res.body.error.details }).toEqual({
        query,
        details: [expect.objectContaining({ field, rule })],
      });
    }
    const repeated = await request(stack.api.app)
      .get('/v1/inbound?contact=4915100000011&contact=4915100000012')
      .set(stack.auth(A))
      .expect(400);
    expect(repeated.body.error.details).toEqual([
      expect.objectContaining({ field: 'query.contact', rule: 'repeated' }),
    ]);
    await get(null, '/v1/inbound').expect(401);
  });

  it('a conversation interleaves both directions newest first (outbound first at the same instant), pages with its own cursor, and shows a closed window', async () => {
    const C3 = '4915100000013';
    const T1 = at('2025-03-01T09:00:00Z');
    const plus = (s: number) => new Date(T1.getTime() + s * 1000);
    expect(await inbound(PHONE_A, 'wamid.CONV1', C3, T1)).toBe(200);
    expect(await inbound(PHONE_A, 'wamid.CONV2', C3, plus(60))).toBe(200);
    await outbound(A, 'meta-conv-a', 'msg_conv000001', C3, plus(30));
    await outbound(A, 'meta-conv-a', 'msg_conv000002', C3, plus(60));
    await outbound(A, 'meta-conv-a', 'msg_conv000003', C3, plus(90));
    // Not this conversation: another contact, another sender, another tenant.
    await outbound(A, 'meta-conv-a', 'msg_conv000004', '4915100000014', plus(45));
    await outbound(A, 'shop', 'msg_conv000005', C3, plus(45));
    expect(await inbound(PHONE_B, 'wamid.CONVB', C3, plus(50))).toBe(200);
    await eventually(
      async () =>
        (await stack.deps.inbound.list(A)).filter((m) =>
          ['wamid.CONV1', 'wamid.CONV2'].includes(m.providerMessageId as string),
        ).length === 2,
      'both inbound messages stored',
    );
    await eventually(
      async () => (await stack.deps.inbound.list(B)).some((m) => m.providerMessageId === 'wamid.CONVB'),
      "tenant B's message stored",
    );
    const path = `/v1/conversations/meta-conv-a/${C3}`;
    const expected = [
      ['outbound', 'msg_conv000003', plus(90)],
      ['outbound', 'msg_conv000002', plus(60)],
      ['inbound', 'meta:wamid.CONV2', plus(60)],
      ['outbound', 'msg_conv000001', plus(30)],
      ['inbound', 'meta:wamid.CONV1', T1],
    ].map(([direction, id, when]) => ({ direction, id, at: (when as Date).toISOString() }));

    const whole = (await get(A, path).expect(200)).body;
    expect(Object.keys(whole).sort()).toEqual([
      'contact',
      'items',
      'nextCursor',
      'provider',
      'senderId',
      'window',
    ]);
    expect(whole).toMatchObject({ senderId: 'meta-conv-a', contact: C3, provider: 'meta', nextCursor: null });
    const brief = (items: { direction: string; id: string; at: string }[]) =>
      items.map(({ direction, id, at: when }) => ({ direction, id, at: when }));
    expect(brief(whole.items)).toEqual(expected);
    expect(whole.items[0]).toMatchObject({ from: 'meta-conv-a', to: C3, type: 'text', status: 'queued' });
    expect(whole.items[2]).toMatchObject({
      senderId: 'meta-conv-a',
      contact: C3,
      text: 'text of wamid.CONV2',
    });
    // The last message from the contact was long ago: closed, templates only.
    expect(whole.window).toEqual({
      open: false,
      lastInboundAt: plus(60).toISOString(),
      closesAt: new Date(plus(60).getTime() + DAY - MARGIN).toISOString(),
    });

    // Every page size walks the same thread, across the directions and the tie, once each.
    for (const limit of [1, 2, 3, 4, 5]) {
      const seen: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { direction: string; id: string; at: string }[]; nextCursor: string | null } = (
          await get(A, path, { limit, ...(cursor ? { cursor } : {}) }).expect(200)
        ).body;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...brief(page.items));
        cursor = page.nextCursor;
      } while (cursor);
      expect({ limit, seen }).toEqual({ limit, seen: expected });
    }
  });

  it('the window opens with a recent inbound message (the reply is accepted); none for a contact who never wrote; a session has none', async () => {
    const C5 = '4915100000015';
    expect(await inbound(PHONE_A, 'wamid.RECENT', C5)).toBe(200);
    const path = `/v1/conversations/meta-conv-a/%2B${C5}`;
    const open = await eventually(async () => {
      const body = (await get(A, path).expect(200)).body;
      return body.window.open ? body : null;
    }, 'the window open');
    const last = new Date(open.window.lastInboundAt as string);
    expect(Date.now() - last.getTime()).toBeLessThan(DAY);
    expect(open.window.closesAt).toBe(new Date(last.getTime() + DAY - MARGIN).toISOString());
    const reply = await request(stack.api.app)
      .post('/v1/messages')
      .set(stack.auth(A))
      .send({ from: 'meta-conv-a', to: C5, type: 'text', text: { body: 'we are on it' } })
      .expect(202);
    // The history record is the message workflow's first write: it follows the 202.
    const thread = await eventually(async () => {
      const body = (await get(A, path).expect(200)).body;
      return body.items.length === 2 ? body : null;
    }, 'the reply in the thread');
    expect(thread.items.map((m: { direction: string; id: string }) => [m.direction, m.id])).toEqual([
      ['outbound', reply.body.id],
      ['inbound', 'meta:wamid.RECENT'],
    ]);

    const never = (await get(A, '/v1/conversations/meta-conv-a/4915100000016').expect(200)).body;
    expect(never).toEqual({
      senderId: 'meta-conv-a',
      contact: '4915100000016',
      provider: 'meta',
      window: { open: false, lastInboundAt: null, closesAt: null },
      items: [],
      nextCursor: null,
    });

    await outbound(A, 'shop', 'msg_conv000006', '4915100000017', at('2025-03-02T00:00:00Z'));
    const session = (await get(A, '/v1/conversations/shop/4915100000017').expect(200)).body;
    expect(session).toMatchObject({ provider: 'whatsapp_web', window: null });
    expect(session.items.map((m: { id: string }) => m.id)).toEqual(['msg_conv000006']);
  });

  it("another tenant's sender is not found; another tenant's messages never show, cursor or not", async () => {
    const C3 = '4915100000013';
    await get(B, `/v1/conversations/meta-conv-a/${C3}`).expect(404);
    const notFound = await get(A, `/v1/conversations/meta-conv-b/${C3}`).expect(404);
    expect(notFound.body.error.code).toBe('not_found');
    await get(B, `/v1/conversations/shop/${C3}`).expect(404);
    await get(A, `/v1/conversations/nobody/${C3}`).expect(404);

    const own = (await get(B, `/v1/conversations/meta-conv-b/${C3}`).expect(200)).body;
    expect(own.items.map((m: { id: string }) => m.id)).toEqual(['meta:wamid.CONVB']);
    // Tenant A's cursor, replayed by tenant B: B's own items after that point only.
    const first = (await get(A, `/v1/conversations/meta-conv-a/${C3}`, { limit: 1 }).expect(200)).body;
    const replay = (
      await get(B, `/v1/conversations/meta-conv-b/${C3}`, { cursor: first.nextCursor as string }).expect(200)
    ).body;
    for (const m of replay.items as { senderId?: string; from?: string }[])
      expect(m.senderId ?? m.from).toBe('meta-conv-b');
  });

  it('GET /v1/conversations: bad input is a 400 naming the field and the rule; no key is a 401', async () => {
    const inboundCursor = (await get(A, '/v1/inbound', { limit: 1 }).expect(200)).body.nextCursor as string;
    expect(inboundCursor).toEqual(expect.any(String));
    for (const [path, query, field, rule] of [
      ['/v1/conversations/bad%20id/4915100000013', {}, 'params.senderId', 'invalid_format'],
      ['/v1/conversations/meta-conv-a/not-a-number', {}, 'params.contact', 'custom'],
      ['/v1/conversations/meta-conv-a/4915100000013', { limit: 0 }, 'query.limit', 'too_small'],
      ['/v1/conversations/meta-conv-a/4915100000013', { limit: 101 }, 'query.limit', 'too_big'],
      ['/v1/conversations/meta-conv-a/4915100000013', { cursor: '%%%' }, 'query.cursor', 'invalid_format'],
      // A cursor of another list decodes, but does not say where in a conversation it stopped.
      [
        '/v1/conversations/meta-conv-a/4915100000013',
        { cursor: inboundCursor },
        'query.cursor',
        'invalid_format',
      ],
      ['/v1/conversations/meta-conv-a/4915100000013', { type: 'text' }, 'query', 'unrecognized_keys'],
    ] as const) {
      const res = await get(A, path, query).expect(400);
      expect({ path, query, details: res.body.error.details }).toEqual({
        path,
        query,
        details: [expect.objectContaining({ field, rule })],
      });
    }
    await get(null, '/v1/conversations/meta-conv-a/4915100000013').expect(401);
  });
});
