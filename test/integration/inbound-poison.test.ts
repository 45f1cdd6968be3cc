import { Registry } from 'prom-client';
import request from 'supertest';
import type { inboundMessageWorkflow } from '../../workflows/inbound.workflow';
import { inboundMessageModel } from '../../src/db/models/inbound-message.model';
import { fromStorable } from '../../src/domain/storable';
import { createMetrics } from '../../src/observability/metrics';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { startCallbackReceiver } from '../fakes/callback-receiver.fake';
import {
  metaEntry,
  metaEnvelope,
  metaMessagesChange,
  metaSign,
  metaText,
  placeholder,
  withRaw,
} from '../fixtures/webhook-payloads';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, eventually } from '../helpers/messaging';
import { sample } from '../helpers/prometheus';
import { useStack } from '../fixtures/stack';

const T = 'inb-poison-a';
const OTHER = 'inb-poison-b';
const PHONE = '106540352250001';
const WABA = '102290129350001';
const USER = '4915112345678';

describe('inbound poison: whatever a provider sends is stored (encoded) and forwarded, or dead-lettered', () => {
  const log = captureLogger();
  const workerMetrics = createMetrics(new Registry(), { defaultMetrics: false });
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  const stack = useStack({
    queue: 'inbpoison',
    messaging: { metrics: workerMetrics },
    api: { webhooks: {} },
    logger: log.logger,
    tenants: [T],
    senders: {
      [T]: [
        {
          senderId: 'meta-inb',
          phoneNumberId: PHONE,
          wabaId: WABA,
          displayPhoneNumber: '+1 555 078 5001',
          accessToken: 'EAAG-inbound-poison-0123456789',
        },
      ],
    },
  });
  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    await request(stack.api.app)
      .put('/v1/callbacks')
      .set(stack.auth(T))
      .send({ url: receiver.url })
      .expect(200);
  });
  afterAll(() => receiver.close());

  const postMeta = (raw: string) =>
    request(stack.api.app)
      .post('/webhooks/meta')
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', metaSign(raw, APP_SECRET))
      .send(raw)
      .expect(200);
  const finished = (wamid: string) =>
    stack.temporal.client.workflow.getHandle(workflowIds.inbound(T, 'meta', wamid)).result();
  const storedDoc = (wamid: string) =>
    inboundMessageModel(stack.db.conn).findOne({ tenantId: T, providerMessageId: wamid }).lean();
  const forwarded = (wamid: string) =>
    eventually(
      async () => receiver.received.find((r) => r.providerMessageId === wamid),
      `${wamid} forwarded`,
    );

  it('NUL characters, $-prefixed and dotted keys, nested arrays and a non-string contact name: stored encoded, forwarded as sent, workflow completed', async () => {
    const interactive = {
      type: 'list_reply',
      list_reply: { id: 'row\u00001', title: 'Express' },
      $where: 'this.a == 1',
      'a.b': { $gt: 1, 'c.d': 'dotted' },
      matrix: [[1, 2], [3]],
      big: placeholder('inf'),
    };
    const raw = withRaw(
      metaEnvelope([
        metaEntry(WABA, [
          metaMessagesChange(PHONE, {
            contacts: [{ wa_id: USER, profile: { name: { first: 'Jo', $last: 'Doe' } } }],
            messages: [
              metaText('wamid.inb.nul', USER, 'hi\u0000there'),
              { from: USER, id: 'wamid.inb.keys', timestamp: '1750857384', type: 'interactive', interactive },
            ],
          }),
        ]),
      ]),
      { inf: '1e309' },
    );
    await postMeta(raw);
    await Promise.all([finished('wamid.inb.nul'), finished('wamid.inb.keys')]);

    const text = await storedDoc('wamid.inb.nul');
    expect(text).toMatchObject({ text: 'hi\uFFFDthere', from: USER, type: 'text', truncated: false });
    // The name was no string: none (an upserted null may come back absent on FerretDB).
    expect(text?.fromName ?? null).toBeNull();

    const keys = await storedDoc('wamid.inb.keys');
    // 1e309 parsed as Infinity, which JSON (the workflow's input) writes as null.
    expect(keys?.content).toEqual({
      type: 'list_reply',
      list_reply: { id: 'row\uFFFD1', title: 'Express' },
      '%24where': 'this.a == 1',
      'a%2Eb': { '%24gt': 1, 'c%2Ed': 'dotted' },
      matrix: [{ '%array': [1, 2] }, { '%array': [3] }],
      big: null,
    });
    expect(fromStorable(keys?.content)).toEqual({
      ...interactive,
      list_reply: { id: 'row\uFFFD1', title: 'Express' },
      big: null,
    });

    // The tenant receives what the provider sent (JSON carries `$`, dots and NUL fine).
    expect(await forwarded('wamid.inb.nul')).toMatchObject({ text: 'hi\u0000there', fromName: null });
    expect((await forwarded('wamid.inb.keys')).content).toEqual({ ...interactive, big: null });
  });

  it('a message the database refuses is retried a few times, then dead-lettered (metric, listed) and its workflow completes without forwarding', async () => {
    // A real refusal from the server: a unique index another tenant's message already holds.
    const Inbound = inboundMessageModel(stack.db.conn);
    await Inbound.collection.createIndex(
      { providerMessageId: 1 },
      { unique: true, name: 'test_unique_wamid' },
    );
    try {
      await Inbound.collection.insertOne({
        _id: `${OTHER}:meta:wamid.inb.clash`,
        tenantId: OTHER,
        providerMessageId: 'wamid.inb.clash',
      } as never);
      await postMeta(
        JSON.stringify(
          metaEnvelope([
            metaEntry(WABA, [
              metaMessagesChange(PHONE, { messages: [metaText('wamid.inb.clash', USER, 'refused')] }),
            ]),
          ]),
        ),
      );
      await finished('wamid.inb.clash');
    } finally {
      await Inbound.collection.dropIndex('test_unique_wamid');
    }
    expect(await storedDoc('wamid.inb.clash')).toBeNull();
    const res = await request(stack.api.app).get('/v1/dead-letters').set(stack.auth(T)).expect(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        provider: 'meta',
        kind: 'message',
        reason: 'storage_rejected',
        providerIds: { messageId: 'wamid.inb.clash', senderId: 'meta-inb', from: USER },
        issues: [
          expect.objectContaining({
            code: 'storage_rejected',
            message: expect.stringMatching(/E11000|duplicate/i),
          }),
        ],
      }),
    ]);
    const text = await workerMetrics.registry.metrics();
    expect(sample(text, 'whatsapp_storage_rejections_total', { activity: 'recordInboundMessage' })).toBe(1);
    expect(
      sample(text, 'dw_webhook_dead_letters_total', { provider: 'meta', reason: 'storage_rejected' }),
    ).toBe(1);
    expect(receiver.received.some((r) => r.providerMessageId === 'wamid.inb.clash')).toBe(false);
  });

  it('a workflow whose input was never checked (started before the door checked it) still stores and forwards', async () => {
    const message = {
      provider: 'meta',
      providerMessageId: 'wamid.inb.inflight',
      recipientAccountId: PHONE,
      from: `${USER}\u0000`,
      fromName: { not: 'a string' } as unknown as string,
      at: 'not a time',
      type: 'text',
      text: 'in\u0000flight',
      content: { $set: { a: 1 }, 'k.k': [[1]] },
    };
    await stack.temporal.client.workflow.execute<typeof inboundMessageWorkflow>('inboundMessageWorkflow', {
      workflowId: workflowIds.inbound(T, 'meta', message.providerMessageId),
      taskQueue: stack.taskQueue,
      args: [
        {
          tenantId: T,
          senderId: 'meta-inb',
          message,
          notify: true,
          callbackMaxAttempts: 3,
          callbackRetryInitialMs: 50,
        },
      ],
    });
    const doc = await storedDoc('wamid.inb.inflight');
    expect(doc).toMatchObject({
      from: `${USER}\uFFFD`,
      text: 'in\uFFFDflight',
      content: { '%24set': { a: 1 }, 'k%2Ek': [{ '%array': [1] }] },
    });
    expect(doc?.fromName ?? null).toBeNull();
    expect(doc?.receivedAt).toEqual(expect.any(Date));
    expect(await forwarded('wamid.inb.inflight')).toMatchObject({ text: 'in\u0000flight' });
  });
});
