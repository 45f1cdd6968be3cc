import { temporal } from '@temporalio/proto';
import request from 'supertest';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { MessageStatusKey, ProviderMessageIdKey, RecipientKey } from '../../src/temporal/search-attributes';
import { eventually } from '../helpers/messaging';
import { testRecipientHash } from '../helpers/temporal';
import { useStack } from '../fixtures/stack';

const PHONE_ID = '106540352242922';
const TOKEN = 'EAAG-integration-token-0123456789';

describe('messages: API → message workflow → Meta fake → status webhooks', () => {
  const stack = useStack({
    queue: 'msg',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN } } },
    tenants: ['tenant-a', 'tenant-b'],
  });
  beforeAll(async () => {
    // The number and its WABA as Meta knows them: POST /v1/senders checks ownership with Graph.
    stack.fakes.meta.es.ownNumber({ wabaId: '102290129340398', phoneNumberId: PHONE_ID, token: TOKEN });
    await request(stack.api.app)
      .post('/v1/senders')
      .set(stack.auth('tenant-a'))
      .send({
        provider: 'meta',
        id: 'meta-main',
        phoneNumberId: PHONE_ID,
        wabaId: '102290129340398',
        displayPhoneNumber: '+1 555 078 3881',
        accessToken: TOKEN,
      })
      .expect(201);
  });

  const post = (body: object, key = stack.key('tenant-a')) =>
    request(stack.api.app).post('/v1/messages').set('Authorization', `Bearer ${key}`).send(body);
  const get = (path: string, key = stack.key('tenant-a')) =>
    request(stack.api.app).get(path).set('Authorization', `Bearer ${key}`);
  const text = (body = 'Hello', extra: object = {}) => ({
    from: 'meta-main',
    to: '+1 650 555 1234',
    type: 'text',
    text: { body },
    ...extra,
  });
  const statusOf = async (id: string) => (await stack.deps.messages.get('tenant-a', id))?.status;

  beforeEach(() => {
    stack.fakes.meta.opts.autoStatuses = undefined;
    stack.fakes.meta.opts.statusesBeforeResponse = false;
  });

  it('registers a sender without ever returning its token, and lists it', async () => {
    const res = await get('/v1/senders').expect(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: 'meta-main',
        phoneNumberId: PHONE_ID,
        displayPhoneNumber: '15550783881',
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    const other = await get('/v1/senders', stack.key('tenant-b')).expect(200);
    expect(other.body.items).toEqual([]);
  });

  it('accepts (202 queued), sends, and follows delivered → read from signed webhooks', async () => {
    stack.fakes.meta.opts.autoStatuses = ['sent', 'delivered', 'read'];
    const res = await post(
      text('Hello world', { recipientName: 'Jane', metadata: { order: 'A-1' }, priority: 'high' }),
    ).expect(202);
    expect(res.body).toEqual({ id: expect.stringMatching(/^msg_/), status: 'queued' });
    const id = res.body.id as string;
    await eventually(async () => (await statusOf(id)) === 'read', 'read');
    const doc = await get(`/v1/messages/${id}`).expect(200);
    expect(doc.body).toMatchObject({
      id,
      from: 'meta-main',
      to: '16505551234',
      recipientName: 'Jane',
      type: 'text',
      status: 'read',
      priority: 'high',
      provider: 'meta',
      providerMessageId: expect.stringMatching(/^wamid\./),
      retryCount: 0,
      metadata: { order: 'A-1' },
    });
    expect(doc.body.sentAt && doc.body.deliveredAt && doc.body.readAt).toBeTruthy();
    expect(stack.fakes.meta.sendsFor(id)).toHaveLength(1);
    expect(stack.fakes.meta.sendsFor(id)[0]?.body).toMatchObject({
      to: '16505551234',
      text: { body: 'Hello world' },
      // `<tenant>:<messageId>:<mac>` (issue 15): only we can mint a reference statuses are routed by.
      biz_opaque_callback_data: expect.stringMatching(new RegExp(`^tenant-a:${id}:[A-Za-z0-9_-]{22}$`)),
    });
    const handle = stack.temporal.client.workflow.getHandle(workflowIds.message('tenant-a', id));
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 'workflow completed');
    const sa = (await handle.describe()).typedSearchAttributes;
    expect(sa.get(MessageStatusKey)).toBe('read');
    expect(sa.get(RecipientKey)).toBe(testRecipientHash('16505551234'));
    expect(sa.get(ProviderMessageIdKey)).toBe(doc.body.providerMessageId);
  });

  it('ends the run of a tenant without a status callback at delivered; a later read moves the record without it', async () => {
    stack.fakes.meta.opts.autoStatuses = ['sent', 'delivered'];
    const id = (await post(text('no callback')).expect(202)).body.id as string;
    const handle = stack.temporal.client.workflow.getHandle(workflowIds.message('tenant-a', id));
    // The status timeout is a minute here: the run ends because it reached delivered.
    expect(((await handle.result()) as { status: string }).status).toBe('delivered');
    const events = (await handle.fetchHistory()).events ?? [];
    const { EventType } = temporal.api.enums.v1;
    const types = events.map((e) => e.eventType);
    expect(types[types.length - 1]).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    expect(types).not.toContain(EventType.EVENT_TYPE_TIMER_FIRED);
    expect((await statusOf(id)) === 'delivered').toBe(true);
    const wamid = stack.fakes.meta.sendsFor(id)[0]?.wamid as string;
    // The webhook's 200 comes after the record's write.
    expect(
      await stack.fakes.meta.emitStatuses([{ wamid, status: 'read', callbackData: `tenant-a:${id}` }]),
    ).toBe(200);
    const doc = (await get(`/v1/messages/${id}`).expect(200)).body;
    expect(doc).toMatchObject({
      status: 'read',
      readAt: expect.any(String),
      deliveredAt: expect.any(String),
    });
    expect((await handle.fetchHistory()).events).toHaveLength(events.length);
  });

  it('ignores duplicated and reordered statuses: read before delivered, sent last, duplicates', async () => {
    const id = (await post(text('reorder')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    const wamid = stack.fakes.meta.sendsFor(id)[0]?.wamid as string;
    const cb = `tenant-a:${id}`;
    expect(
      await stack.fakes.meta.emitStatuses([
        { wamid, status: 'delivered', callbackData: cb },
        { wamid, status: 'delivered', callbackData: cb },
      ]),
    ).toBe(200);
    await eventually(async () => (await statusOf(id)) === 'delivered', 'delivered');
    // Without our id in the payload: found through the wamid mapping.
    expect(
      await stack.fakes.meta.emitStatuses([
        { wamid, status: 'read' },
        { wamid, status: 'sent' },
        { wamid, status: 'delivered' },
      ]),
    ).toBe(200);
    await eventually(async () => (await statusOf(id)) === 'read', 'read');
    expect(await stack.fakes.meta.emitStatuses([{ wamid, status: 'failed', callbackData: cb }])).toBe(200);
    const doc = (await get(`/v1/messages/${id}`).expect(200)).body;
    expect(doc).toMatchObject({ status: 'read', error: null });
    expect(doc.deliveredAt).not.toBeNull();
  });

  it('keeps statuses that arrive before the send has returned (read without delivered)', async () => {
    stack.fakes.meta.opts.autoStatuses = ['read'];
    stack.fakes.meta.opts.statusesBeforeResponse = true;
    const id = (await post(text('early')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'read', 'read');
    const doc = (await get(`/v1/messages/${id}`).expect(200)).body;
    expect(doc.readAt).toEqual(expect.any(String));
    expect(doc.deliveredAt).toEqual(expect.any(String));
  });

  it('?wait=sent answers with the provider id', async () => {
    const res = await post(text('wait'), stack.key('tenant-a')).query({ wait: 'sent' }).expect(200);
    expect(res.body).toMatchObject({ status: 'sent', providerMessageId: expect.stringMatching(/^wamid\./) });
  });

  it('Idempotency-Key: racing POSTs give one message, sent once; another body with the key → 409', async () => {
    const body = text('only once');
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        request(stack.api.app)
          .post('/v1/messages')
          .set('Authorization', `Bearer ${stack.key('tenant-a')}`)
          .set('Idempotency-Key', 'order-42')
          .send(body),
      ),
    );
    const ids = new Set(results.map((r) => r.body.id));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(ids.size).toBe(1);
    const id = [...ids][0] as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    const again = await request(stack.api.app)
      .post('/v1/messages')
      .set('Authorization', `Bearer ${stack.key('tenant-a')}`)
      .set('Idempotency-Key', 'order-42')
      .send(body)
      .expect(202);
    expect(again.body).toEqual({ id, status: 'sent' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(stack.fakes.meta.sendsFor(id)).toHaveLength(1);
    const conflict = await request(stack.api.app)
      .post('/v1/messages')
      .set('Authorization', `Bearer ${stack.key('tenant-a')}`)
      .set('Idempotency-Key', 'order-42')
      .send(text('different'))
      .expect(409);
    expect(conflict.body.error.code).toBe('idempotency_key_reused');
    // The same key for another tenant is another message.
    await post(text('x'), stack.key('tenant-b')).set('Idempotency-Key', 'order-42').expect(422);
  });

  it('a permanent error (131026) fails at once with the code stored, and cannot be retried', async () => {
    stack.fakes.meta.failNext({ httpStatus: 400, code: 131026, message: 'Message undeliverable' });
    const id = (await post(text('undeliverable')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'failed', 'failed');
    const doc = (await get(`/v1/messages/${id}`).expect(200)).body;
    expect(doc).toMatchObject({
      status: 'failed',
      retryable: false,
      retryCount: 1,
      error: { code: '131026', message: expect.stringContaining('undeliverable') },
    });
    expect(
      stack.fakes.meta.requests.filter(
        (r) => (r.body as { text?: { body?: string } })?.text?.body === 'undeliverable',
      ),
    ).toHaveLength(1);
    const retry = await request(stack.api.app)
      .post(`/v1/messages/${id}/retry`)
      .set('Authorization', `Bearer ${stack.key('tenant-a')}`)
      .expect(409);
    expect(retry.body.error.code).toBe('not_retryable');
  });

  it('transient errors past the attempt budget do not fail: the message waits, takes a new round and is sent once', async () => {
    // 5 failures: more than one round of 3 attempts (the old budget, after which it failed).
    stack.fakes.meta.failNext({ httpStatus: 500, code: 2, isTransient: true }, 5);
    const id = (await post(text('flaky')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    expect(
      stack.fakes.meta.requests.filter(
        (r) => (r.body as { text?: { body?: string } })?.text?.body === 'flaky',
      ),
    ).toHaveLength(6);
    expect(stack.fakes.meta.sendsFor(id)).toHaveLength(1);
    const sent = await stack.deps.messages.get('tenant-a', id);
    expect(sent).toMatchObject({ status: 'sent', retryCount: 0 });
    expect(sent?.errorCode ?? null).toBeNull();
    expect(sent?.sendRounds).toBeGreaterThanOrEqual(1);
    await request(stack.api.app)
      .post(`/v1/messages/${id}/retry`)
      .set('Authorization', `Bearer ${stack.key('tenant-a')}`)
      .expect(409);
  });

  it('rate limits (130429, 131056) wait and retry without failing, beyond the attempt count', async () => {
    stack.fakes.meta.failNext({ httpStatus: 400, code: 130429 }, 4);
    stack.fakes.meta.failNext({ httpStatus: 429, code: 131056 }, 1);
    const id = (await post(text('throttled')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'sent', 'sent');
    expect(
      stack.fakes.meta.requests.filter(
        (r) => (r.body as { text?: { body?: string } })?.text?.body === 'throttled',
      ),
    ).toHaveLength(6);
    expect((await get(`/v1/messages/${id}`).expect(200)).body).toMatchObject({
      retryCount: 0,
      error: null,
      status: 'sent',
    });
  });

  it('an async failed webhook (131047) fails a sent message with Meta’s code', async () => {
    stack.fakes.meta.opts.autoStatuses = ['sent', 'failed'];
    const id = (await post(text('window closed')).expect(202)).body.id as string;
    await eventually(async () => (await statusOf(id)) === 'failed', 'failed');
    expect(await stack.deps.messages.get('tenant-a', id)).toMatchObject({
      errorCode: '131047',
      retryable: false,
    });
  });

  it('lists newest first with filters and a cursor; another tenant sees nothing', async () => {
    const page1 = await get('/v1/messages?limit=2&from=meta-main').expect(200);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await get(`/v1/messages?limit=2&from=meta-main&cursor=${page1.body.nextCursor}`).expect(
      200,
    );
    const all = [...page1.body.items, ...page2.body.items];
    expect(new Set(all.map((m: { id: string }) => m.id)).size).toBe(4);
    const times = all.map((m: { createdAt: string }) => Date.parse(m.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const failed = await get('/v1/messages?status=failed').expect(200);
    expect(failed.body.items.length).toBeGreaterThanOrEqual(2);
    expect(failed.body.items.every((m: { status: string }) => m.status === 'failed')).toBe(true);
    const byTo = await get('/v1/messages?to=%2B16505551234&since=2000-01-01T00:00:00Z').expect(200);
    expect(byTo.body.items.length).toBeGreaterThan(0);
    const none = await get('/v1/messages?to=4915112345678').expect(200);
    expect(none.body.items).toEqual([]);
    const future = await get('/v1/messages?since=2999-01-01T00:00:00Z').expect(200);
    expect(future.body.items).toEqual([]);
    const b = await get('/v1/messages', stack.key('tenant-b')).expect(200);
    expect(b.body.items).toEqual([]);
    const id = page1.body.items[0].id as string;
    await get(`/v1/messages/${id}`, stack.key('tenant-b')).expect(404);
    await request(stack.api.app)
      .post(`/v1/messages/${id}/cancel`)
      .set('Authorization', `Bearer ${stack.key('tenant-b')}`)
      .expect(404);
    await request(stack.api.app)
      .post(`/v1/messages/${id}/retry`)
      .set('Authorization', `Bearer ${stack.key('tenant-b')}`)
      .expect(404);
  });

  it('rejects bad input with 400 field errors, unknown senders with 422, and never 5xx', async () => {
    const bad: [object, string][] = [
      [text('x', { to: '12' }), 'body.to'],
      [text('x', { to: 'not a number' }), 'body.to'],
      [text('a'.repeat(4097)), 'body.text.body'],
      [{ ...text('x'), priority: 'urgent' }, 'body.priority'],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'image',
          image: { link: 'http://insecure.test/a.jpg' },
        },
        'body.image.link',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'image',
          image: { link: 'https://a.test/a.jpg', id: '123' },
        },
        'body.image',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'image',
          image: { link: 'https://a.test/a.jpg', caption: 'c'.repeat(1025) },
        },
        'body.image.caption',
      ],
      [{ from: 'meta-main', to: '16505551234', type: 'text' }, 'body.text'],
      [{ ...text('x'), image: { id: '1' } }, 'body.image'],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'interactive_buttons',
          interactive_buttons: { body: 'b', buttons: [] },
        },
        'body.interactive_buttons.buttons',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'interactive_buttons',
          interactive_buttons: { body: 'b', buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: 't' })) },
        },
        'body.interactive_buttons.buttons',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'interactive_buttons',
          interactive_buttons: { body: 'b', buttons: [{ id: 'a', title: 'x'.repeat(21) }] },
        },
        'body.interactive_buttons.buttons.0.title',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'interactive_buttons',
          interactive_buttons: {
            body: 'b',
            buttons: [
              { id: 'a', title: 'One' },
              { id: 'a', title: 'Two' },
            ],
          },
        },
        'body.interactive_buttons.buttons.1.id',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'interactive_list',
          interactive_list: {
            body: 'b',
            button: 'Go',
            sections: [
              { title: 'A', rows: Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, title: 'r' })) },
              { title: 'B', rows: Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, title: 'r' })) },
            ],
          },
        },
        'body.interactive_list.sections',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'interactive_list',
          interactive_list: {
            body: 'b',
            button: 'Go',
            sections: [{ rows: [{ id: 'a', title: 'x'.repeat(25) }] }],
          },
        },
        'body.interactive_list.sections.0.rows.0.title',
      ],
      [
        {
          from: 'meta-main',
          to: '16505551234',
          type: 'template',
          template: { name: 'Bad Name', language: 'en_US' },
        },
        'body.template.name',
      ],
      [
        { from: 'meta-main', to: '16505551234', type: 'location', location: { latitude: 91, longitude: 0 } },
        'body.location.latitude',
      ],
      [{ ...text('x'), from: 'bad id!' }, 'body.from'],
    ];
    for (const [body, field] of bad) {
      const res = await post(body);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const badKey = await post(text('x')).set('Idempotency-Key', 'has space');
    expect(badKey.status).toBe(400);
    const unknown = await post(text('x', { from: 'nobody' })).expect(422);
    expect(unknown.body.error.code).toBe('unknown_sender');
    await get('/v1/messages/not-an-id').expect(400);
    await get('/v1/messages?status=sending').expect(400);
    await get('/v1/messages?cursor=@@').expect(400);
    await get('/v1/messages?limit=1000').expect(400);
    await request(stack.api.app)
      .post('/v1/messages')
      .set('Authorization', `Bearer ${stack.key('tenant-a')}`)
      .set('content-type', 'application/json')
      .send('{bad json')
      .expect(400);
    await request(stack.api.app).post('/v1/messages').send(text('x')).expect(401);
    await request(stack.api.app)
      .post('/v1/senders')
      .set('Authorization', `Bearer ${stack.key('tenant-a')}`)
      .send({ phoneNumberId: 'abc', wabaId: '1', displayPhoneNumber: 'x', accessToken: 'short' })
      .expect(400);
    const dup = await request(stack.api.app)
      .post('/v1/senders')
      .set('Authorization', `Bearer ${stack.key('tenant-b')}`)
      .send({
        provider: 'meta',
        phoneNumberId: PHONE_ID,
        wabaId: '102290129340398',
        displayPhoneNumber: '+15550783881',
        accessToken: TOKEN,
      });
    expect(dup.status).toBe(409);
  });

  it('the Meta webhook refuses a missing or wrong signature', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    await request(stack.api.app)
      .post('/webhooks/meta')
      .set('content-type', 'application/json')
      .send(body)
      .expect(401);
    await request(stack.api.app)
      .post('/webhooks/meta')
      .set('content-type', 'application/json')
      .set('x-hub-signature-256', `sha256=${'0'.repeat(64)}`)
      .send(body)
      .expect(401);
  });
});
