import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { signCallback } from '../../activities/callbacks.activities';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { eventually } from '../helpers/messaging';
import { useStack } from '../fixtures/stack';

const PHONE_ID = '400000000000001';
const TOKEN = 'EAAG-callback-token-0123456789';

/** The tenant's endpoint: answers 500 to the first `failFirst` POSTs, then 200; records everything. */
function startClient(failFirst: number) {
  const received: { status: number; body: string; signature?: string; timestamp?: string; at: number }[] = [];
  const server: Server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = received.length < failFirst ? 500 : 200;
      received.push({
        status,
        body,
        signature: req.headers['x-signature'] as string,
        timestamp: req.headers['x-timestamp'] as string,
        at: Date.now(),
      });
      res.writeHead(status).end();
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

describe('messages: tenant status callbacks', () => {
  let client: Awaited<ReturnType<typeof startClient>>;
  const stack = useStack({
    queue: 'msgcb',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN }, autoStatuses: ['sent', 'delivered'] } },
    tenants: ['tenant-cb'],
    senders: {
      'tenant-cb': [
        {
          senderId: 'meta-cb',
          phoneNumberId: PHONE_ID,
          wabaId: '1020',
          displayPhoneNumber: '15550000000',
          accessToken: TOKEN,
        },
      ],
    },
  });
  beforeAll(async () => {
    client = await startClient(4);
  });
  afterAll(() => client.close());

  it('POSTs every status change and each inbound message once, signed, retried until acknowledged, without holding up the send', async () => {
    const auth = stack.auth('tenant-cb');
    await request(stack.api.app).put('/v1/callbacks').set(auth).send({ url: 'ftp://x' }).expect(400);
    const set = await request(stack.api.app)
      .put('/v1/callbacks')
      .set(auth)
      .send({ url: client.url })
      .expect(200);
    const secret = set.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const got = await request(stack.api.app).get('/v1/callbacks').set(auth).expect(200);
    expect(got.body).toMatchObject({ url: client.url });
    expect(JSON.stringify(got.body)).not.toContain(secret);

    const id = (
      await request(stack.api.app)
        .post('/v1/messages')
        .set(auth)
        .send({
          from: 'meta-cb',
          to: '4915112345678',
          type: 'text',
          text: { body: 'cb' },
          metadata: { ref: 7 },
        })
        .expect(202)
    ).body.id as string;
    await eventually(
      async () => (await stack.deps.messages.get('tenant-cb', id))?.status === 'delivered',
      'delivered',
    );

    const acked = async () => {
      const ok = client.received
        .filter((r) => r.status === 200)
        .map((r) => JSON.parse(r.body) as { status: string });
      return ['queued', 'sent', 'delivered'].every((s) => ok.some((o) => o.status === s)) && ok;
    };
    await eventually(acked, 'every status acknowledged', 30_000);
    expect(client.received.filter((r) => r.status === 500)).toHaveLength(4);
    // The message was sent while the client was still failing.
    const sentAt = stack.fakes.meta.sendsFor(id)[0]?.at as number;
    expect(sentAt).toBeLessThan(client.received.find((r) => r.status === 200)?.at as number);
    for (const r of client.received) {
      expect(r.signature).toBe(signCallback(secret, Number(r.timestamp), r.body));
      expect(JSON.parse(r.body)).toMatchObject({
        event: 'message.status',
        messageId: id,
        metadata: { ref: 7 },
      });
    }
    // A tenant with a callback: the run keeps following after delivered, so a read that comes in a
    // later webhook reaches the callback too (durably, from the workflow) and ends the run.
    const handle = stack.temporal.client.workflow.getHandle(workflowIds.message('tenant-cb', id));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const wamid = stack.fakes.meta.sendsFor(id)[0]?.wamid as string;
    expect(
      await stack.fakes.meta.emitStatuses(
        [{ wamid, status: 'read', callbackData: `tenant-cb:${id}` }],
        PHONE_ID,
      ),
    ).toBe(200);
    await eventually(
      async () =>
        client.received.some(
          (r) => r.status === 200 && (JSON.parse(r.body) as { status: string }).status === 'read',
        ),
      'read acknowledged',
      30_000,
    );
    expect(((await handle.result()) as { status: string }).status).toBe('read');
    // Inbound: stored once per provider id, forwarded once, however often Meta redelivers it.
    for (let i = 0; i < 3; i++)
      expect(
        await stack.fakes.meta.emitInbound({
          phoneNumberId: PHONE_ID,
          wamid: 'wamid.INBOUND1',
          from: '4915112345678',
          name: 'Jörg',
          text: 'Hallo ✓',
        }),
      ).toBe(200);
    const forwarded = () =>
      client.received.filter((r) => r.status === 200 && r.body.includes('message.inbound'));
    await eventually(async () => forwarded().length > 0, 'inbound forwarded');
    expect(JSON.parse(forwarded()[0]?.body as string)).toMatchObject({
      event: 'message.inbound',
      senderId: 'meta-cb',
      providerMessageId: 'wamid.INBOUND1',
      from: '4915112345678',
      fromName: 'Jörg',
      text: 'Hallo ✓',
    });
    const stored = await stack.deps.inbound.list('tenant-cb');
    expect(stored.map((d) => d.providerMessageId)).toEqual(['wamid.INBOUND1']);
    expect(await stack.deps.inbound.list('other-tenant')).toEqual([]);
    expect(client.received.filter((r) => r.body.includes('message.inbound'))).toHaveLength(1);
    await request(stack.api.app).delete('/v1/callbacks').set(auth).expect(204);
    await request(stack.api.app).get('/v1/callbacks').set(auth).expect(404);
  });
});
