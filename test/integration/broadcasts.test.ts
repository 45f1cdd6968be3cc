import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { parseRecipientMessageId } from '../../src/domain/broadcast';
import { eventually as within } from '../helpers/messaging';

/** Waits on a condition; generous, since a loaded CI box may take its time (no timing is asserted). */
const eventually = <T>(fn: () => Promise<T>, what: string) => within(fn, what, 90_000);
import { useStack } from '../fixtures/stack';

const PHONE_ID = '400000000000181';
const TOKEN = 'EAAG-broadcast-token-0123456789';
const TENANT = 'tenant-bc';
const OTHER = 'tenant-bc-other';

const phone = (i: number) => `+4915${String(10_000_000 + i)}`;
const recipients = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    to: phone(from + i),
    parameters: [`Name${from + i}`, `#${from + i}`],
    metadata: { customer: `c${from + i}` },
  }));
const template = { name: 'order_update', language: 'en_US' };

/** The tenant's callback endpoint: records every POST (answers 200). */
function startReceiver() {
  const received: Record<string, unknown>[] = [];
  const server: Server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  return new Promise<{ url: string; received: typeof received; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
        received,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('broadcasts: one request, many recipients, each one a message', () => {
  const stack = useStack({
    queue: 'bcast',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN }, autoStatuses: ['sent', 'delivered', 'read'] } },
    tenants: [TENANT, OTHER],
    senders: {
      [TENANT]: [
        {
          senderId: 'meta-bc',
          phoneNumberId: PHONE_ID,
          wabaId: '1181',
          displayPhoneNumber: '15550001181',
          accessToken: TOKEN,
        },
      ],
    },
  });
  const api = () => request(stack.api.app);
  const auth = () => stack.auth(TENANT);
  const create = (body: Record<string, unknown>, key?: string) => {
    const r = api().post('/v1/broadcasts').set(auth());
    return (key ? r.set('Idempotency-Key', key) : r).send(body);
  };
  const detail = async (id: string) => (await api().get(`/v1/broadcasts/${id}`).set(auth()).expect(200)).body;
  const recipientsOf = async (id: string) => {
    const items: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const page = await api()
        .get('/v1/messages')
        .query({ broadcastId: id, limit: 100, ...(cursor ? { cursor } : {}) })
        .set(auth())
        .expect(200);
      items.push(...(page.body.items as Record<string, unknown>[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    return items;
  };
  const setRate = (ratePerSecond: number, burst: number) =>
    api().put('/v1/senders/meta-bc/rate').set(auth()).send({ ratePerSecond, burst }).expect(200);

  afterEach(async () => {
    await api().delete('/v1/senders/meta-bc/rate').set(auth());
    stack.fakes.meta.setAutoStatuses(['sent', 'delivered', 'read']);
  });

  it('refuses bad input at the door, all or nothing, naming the recipient and the rule', async () => {
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ from: 'meta-bc', type: 'template', template }, 'body.recipients'],
      [{ from: 'meta-bc', type: 'template', template, recipients: [] }, 'body.recipients'],
      [
        { from: 'meta-bc', type: 'template', template, recipients: [{ to: phone(1) }, { to: 'nope' }] },
        'body.recipients.1.to',
      ],
      [
        {
          from: 'meta-bc',
          type: 'template',
          template,
          recipients: [{ to: phone(1) }, { to: phone(2) }, { to: `00${phone(1).slice(1)}` }],
        },
        'body.recipients.2.to',
        'duplicate_recipient',
      ],
      [
        {
          from: 'meta-bc',
          type: 'image',
          image: { link: 'https://example.com/a.png' },
          recipients: [{ to: phone(1), parameters: ['x'] }],
        },
        'body.recipients.0.parameters',
      ],
      [{ from: 'meta-bc', type: 'template', recipients: [{ to: phone(1) }] }, 'body.template'],
      [{ from: 'meta-bc', type: 'template', template, recipients: recipients(10_001) }, 'body.recipients'],
      [
        { from: 'meta-bc', type: 'template', template, recipients: [{ to: phone(1) }], notBefore: 'soon' },
        'body.notBefore',
      ],
      [
        { from: 'meta-bc', type: 'template', template, recipients: [{ to: phone(1), extra: 1 }] },
        'body.recipients.0',
      ],
    ];
    for (const [body, field, rule] of cases) {
      const res = await create(body).expect(400);
      const details = res.body.error.details as { field: string; rule: string }[];
      expect(details.map((d) => d.field)).toContain(field);
      if (rule) expect(details.find((d) => d.field === field)?.rule).toBe(rule);
    }
    // Nothing was written: no broadcast listed.
    const list = await api().get('/v1/broadcasts').set(auth()).expect(200);
    expect(list.body).toEqual({ items: [], nextCursor: null });
    // The sender must exist and send the type.
    const unknown = await create({
      from: 'nobody',
      type: 'template',
      template,
      recipients: [{ to: phone(1) }],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('unknown_sender');
    await api().get('/v1/broadcasts/bc_short').set(auth()).expect(400);
    await api().get('/v1/broadcasts').query({ cursor: '***' }).set(auth()).expect(400);
    await api().get('/v1/broadcasts').query({ status: 'done' }).set(auth()).expect(400);
    await api().get('/v1/messages').query({ broadcastId: 'x' }).set(auth()).expect(400);
    await api().post('/v1/broadcasts/bc_0123456789012345678901/pause').set(auth()).expect(404);
  });

  it('sends every recipient once with its own parameters; statuses reach every record; counts and progress add up', async () => {
    const n = 25;
    const accepted = await create(
      { from: 'meta-bc', type: 'template', template, name: 'December', recipients: recipients(n) },
      'bc-happy-1',
    ).expect(202);
    const id = accepted.body.id as string;
    expect(accepted.body).toEqual({ id, status: 'running', total: n });

    const done = await eventually(async () => {
      const d = await detail(id);
      return d.status === 'completed' && d.counts.read === n ? d : null;
    }, 'every recipient read');
    expect(done).toMatchObject({
      id,
      name: 'December',
      from: 'meta-bc',
      provider: 'meta',
      total: n,
      counts: { queued: 0, sent: 0, delivered: 0, read: n, failed: 0, cancelled: 0 },
      progress: { done: n, total: n, percent: 100 },
      workflowId: `broadcast:${TENANT}:${id}`,
    });
    expect(done.workflowUrl).toContain(encodeURIComponent(`broadcast:${TENANT}:${id}`));
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const items = await recipientsOf(id);
    expect(items).toHaveLength(n);
    for (const m of items) {
      expect(m).toMatchObject({ broadcastId: id, status: 'read', from: 'meta-bc', type: 'template' });
      const index = parseRecipientMessageId(m.id as string)?.index as number;
      expect(m.to).toBe(phone(index).slice(1));
      expect(m.metadata).toEqual({ customer: `c${index}` });
      expect(m.deliveredAt).not.toBeNull();
      // Sent once, with this recipient's own parameters.
      const sends = stack.fakes.meta.sendsFor(m.id as string);
      expect(sends).toHaveLength(1);
      const sent = sends[0]?.body as unknown as { to: string; template: { components: unknown[] } };
      expect(sent.to).toBe(phone(index).slice(1));
      expect(sent.template.components).toEqual([
        {
          type: 'body',
          parameters: [
            { type: 'text', text: `Name${index}` },
            { type: 'text', text: `#${index}` },
          ],
        },
      ]);
      const one = await api()
        .get(`/v1/messages/${m.id as string}`)
        .set(auth())
        .expect(200);
      expect(one.body.status).toBe('read');
    }

    // The same key: the same broadcast; another body under it: 409.
    const again = await create(
      { from: 'meta-bc', type: 'template', template, name: 'December', recipients: recipients(n) },
      'bc-happy-1',
    ).expect(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(id);
    const reused = await create(
      { from: 'meta-bc', type: 'template', template, recipients: recipients(2) },
      'bc-happy-1',
    ).expect(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(
      stack.fakes.meta.accepted.filter((a) => String(a.body.biz_opaque_callback_data).includes(id)),
    ).toHaveLength(n);

    // Listed, and invisible to another tenant.
    const list = await api().get('/v1/broadcasts').set(auth()).expect(200);
    expect(list.body.items.map((b: { id: string }) => b.id)).toContain(id);
    await request(stack.api.app).get(`/v1/broadcasts/${id}`).set(stack.auth(OTHER)).expect(404);
    const foreign = await request(stack.api.app)
      .get('/v1/messages')
      .query({ broadcastId: id })
      .set(stack.auth(OTHER))
      .expect(200);
    expect(foreign.body.items).toEqual([]);
    // Finished: nothing left to pause or cancel.
    const late = await api().post(`/v1/broadcasts/${id}/cancel`).set(auth()).expect(409);
    expect(late.body.error.code).toBe('not_cancellable');
  });

  it('folds statuses that overtake the send answer into the sent write: every record read, none left waiting', async () => {
    // The fake posts every status (and waits for our 200) before it answers the send: each one finds
    // its record still queued without a provider id, waits in the inbox, and is folded into the
    // chunk's write of `sent`.
    stack.fakes.meta.opts.statusesBeforeResponse = true;
    try {
      const n = 12;
      const accepted = await create(
        { from: 'meta-bc', type: 'template', template, recipients: recipients(n, 500) },
        'bc-overtake-1',
      ).expect(202);
      const id = accepted.body.id as string;
      await eventually(async () => {
        const d = await detail(id);
        return d.status === 'completed' && d.counts.read === n ? d : null;
      }, 'every recipient read');
      const items = await recipientsOf(id);
      expect(items).toHaveLength(n);
      for (const m of items) {
        const sends = stack.fakes.meta.sendsFor(m.id as string);
        expect(sends).toHaveLength(1);
        expect(m).toMatchObject({ status: 'read', providerMessageId: sends[0]?.wamid });
        expect(m.sentAt).not.toBeNull();
        expect(m.deliveredAt).not.toBeNull();
        expect(m.readAt).not.toBeNull();
      }
      const waiting = await stack.db.conn
        .collection('whatsapp_recipient_status_inbox')
        .countDocuments({ tenantId: TENANT, broadcastId: id });
      expect(waiting).toBe(0);
    } finally {
      stack.fakes.meta.opts.statusesBeforeResponse = false;
    }
  });

  it('pauses, resumes and cancels: queued recipients are cancelled, nothing is sent after the stop', async () => {
    await setRate(5, 1);
    stack.fakes.meta.setAutoStatuses([]);
    const id = (
      await create({
        from: 'meta-bc',
        type: 'text',
        text: { body: 'Hi {{1}}' },
        recipients: recipients(40, 100),
      }).expect(202)
    ).body.id as string;
    const sentCount = () =>
      stack.fakes.meta.accepted.filter((a) => String(a.body.biz_opaque_callback_data).includes(id)).length;
    await eventually(async () => sentCount() >= 2, 'the first sends');
    const paused = await api().post(`/v1/broadcasts/${id}/pause`).set(auth()).expect(200);
    expect(paused.body).toEqual({ id, status: 'paused' });
    await api().post(`/v1/broadcasts/${id}/pause`).set(auth()).expect(409);
    // The chunk stops within its control poll: the count stops moving.
    const stable = await eventually(async () => {
      const before = sentCount();
      await new Promise((r) => setTimeout(r, 1_200));
      return sentCount() === before ? before : null;
    }, 'sending stopped');
    expect((await detail(id)).status).toBe('paused');
    expect(stable).toBeLessThan(40);

    await api().post(`/v1/broadcasts/${id}/resume`).set(auth()).expect(200);
    await eventually(async () => sentCount() > stable, 'sending resumed');
    const cancelled = await api().post(`/v1/broadcasts/${id}/cancel`).set(auth()).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    const final = await eventually(async () => {
      const d = await detail(id);
      return d.finishedAt && d.counts.queued === 0 ? d : null;
    }, 'queued recipients cancelled');
    expect(final.status).toBe('cancelled');
    expect(final.counts.sent + final.counts.cancelled).toBe(40);
    expect(final.counts.cancelled).toBeGreaterThan(0);
    const afterCancel = sentCount();
    expect(afterCancel).toBe(final.counts.sent);
    await api().post(`/v1/broadcasts/${id}/resume`).set(auth()).expect(409);
    // Text placeholders are filled per recipient.
    const first = stack.fakes.meta.accepted.find((a) => String(a.body.biz_opaque_callback_data).includes(id));
    expect((first?.body.text as { body: string }).body).toMatch(/^Hi Name1\d\d$/);
  });

  it('retries transient provider errors with backoff, fails permanent ones, and a failed recipient can be retried alone', async () => {
    stack.fakes.meta.failNext(
      { httpStatus: 500, code: 2, message: 'Service temporarily unavailable', isTransient: true },
      3,
    );
    const id = (
      await create({ from: 'meta-bc', type: 'template', template, recipients: recipients(5, 200) }).expect(
        202,
      )
    ).body.id as string;
    const d = await eventually(async () => {
      const b = await detail(id);
      return b.status === 'completed' && b.counts.read === 5 ? b : null;
    }, 'all read after transient errors');
    expect(d.counts.failed).toBe(0);

    stack.fakes.meta.failNext({ httpStatus: 400, code: 131026, message: 'Message undeliverable' }, 1);
    const id2 = (
      await create({ from: 'meta-bc', type: 'template', template, recipients: recipients(3, 300) }).expect(
        202,
      )
    ).body.id as string;
    const d2 = await eventually(async () => {
      const b = await detail(id2);
      return b.status === 'completed' && b.counts.failed + b.counts.read === 3 ? b : null;
    }, 'one failed, the rest read');
    expect(d2.counts.failed).toBe(1);
    const failed = (await recipientsOf(id2)).find((m) => m.status === 'failed') as Record<string, unknown>;
    expect(failed.error).toMatchObject({ code: '131026' });
    // A permanent error is not retryable.
    expect(failed.retryable).toBe(false);
    await api()
      .post(`/v1/messages/${failed.id as string}/retry`)
      .set(auth())
      .expect(409);

    stack.fakes.meta.down();
    const id3 = (
      await create({
        from: 'meta-bc',
        type: 'template',
        template,
        recipients: recipients(1, 400),
        validitySeconds: 60,
      }).expect(202)
    ).body.id as string;
    const m3 = await eventually(async () => {
      const [m] = await recipientsOf(id3);
      return m && m.retrying ? m : null;
    }, 'the recipient waits between rounds');
    expect(m3.status).toBe('queued');
    stack.fakes.meta.up();
    await eventually(async () => (await detail(id3)).counts.read === 1, 'sent once the provider is back');
  });

  it('reports each recipient status change to the tenant callback, with the broadcast id', async () => {
    const receiver = await startReceiver();
    try {
      await api().put('/v1/callbacks').set(auth()).send({ url: receiver.url }).expect(200);
      const id = (
        await create({ from: 'meta-bc', type: 'template', template, recipients: recipients(3, 500) }).expect(
          202,
        )
      ).body.id as string;
      const events = await eventually(async () => {
        const mine = receiver.received.filter((e) => e.broadcastId === id);
        return mine.length >= 9 ? mine : null;
      }, 'sent, delivered and read of 3 recipients');
      for (const m of await recipientsOf(id)) {
        const of = events.filter((e) => e.messageId === m.id).map((e) => e.status);
        expect(of).toEqual(['sent', 'delivered', 'read']);
      }
      expect(events.every((e) => e.event === 'message.status')).toBe(true);
    } finally {
      await api().delete('/v1/callbacks').set(auth());
      await receiver.close();
    }
  });

  it('lets a high-priority single message go before the rest of a running broadcast', async () => {
    await setRate(4, 1);
    stack.fakes.meta.setAutoStatuses([]);
    const id = (
      await create({ from: 'meta-bc', type: 'template', template, recipients: recipients(20, 600) }).expect(
        202,
      )
    ).body.id as string;
    const ofBroadcast = () =>
      stack.fakes.meta.accepted.filter((a) => String(a.body.biz_opaque_callback_data).includes(id)).length;
    await eventually(async () => ofBroadcast() >= 2, 'the broadcast is sending');
    const single = await api()
      .post('/v1/messages')
      .set(auth())
      .send({ from: 'meta-bc', to: phone(9999), type: 'text', text: { body: 'urgent' }, priority: 'high' })
      .expect(202);
    const before = ofBroadcast();
    await eventually(
      async () => stack.fakes.meta.sendsFor(single.body.id as string).length === 1,
      'the single message sent',
    );
    // At 4/s, it went within a few tokens of being accepted, not after the other recipients.
    expect(ofBroadcast() - before).toBeLessThanOrEqual(3);
    expect(ofBroadcast()).toBeLessThan(20);
    await api().post(`/v1/broadcasts/${id}/cancel`).set(auth()).expect(200);
  });
});
