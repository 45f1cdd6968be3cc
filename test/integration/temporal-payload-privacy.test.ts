import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { DefaultPayloadConverter } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { RecipientKey } from '../../src/temporal/search-attributes';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { toolPath } from '../../scripts/lib/infra';
import { buildTestApp } from '../helpers/app';
import { testEnv } from '../helpers/env';
import { captureLogger } from '../helpers/logger';
import { eventually } from '../helpers/messaging';
import { testPayloadCodec, testRecipientHash } from '../helpers/temporal';
import { useStack } from '../fixtures/stack';

const PHONE_ID = '400000000000015';
const TOKEN = 'EAAG-privacy-token-0123456789';
const BODY = 'Meet me at the back door, 7f3a';
const NUMBER = '16505550147';
const ORDER = 'ORDER-SECRET-991';
const CODEC_TOKEN = 'codec-token-for-operators-0123456789abcdef';
const UI_ORIGIN = 'http://localhost:8233';

/** The tenant's callback endpoint: 200 to everything, bodies recorded. */
function startCallbackReceiver() {
  const bodies: string[] = [];
  const server: Server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200).end();
    });
  });
  return new Promise<{ url: string; bodies: string[]; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
        bodies,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('Temporal holds no message content in plain text (payload codec, keyed Recipient)', () => {
  const stack = useStack({
    queue: 'privacy',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN }, autoStatuses: ['sent', 'delivered', 'read'] } },
    tenants: ['tenant-priv'],
    senders: {
      'tenant-priv': [
        {
          senderId: 'meta-priv',
          phoneNumberId: PHONE_ID,
          wabaId: '1021',
          displayPhoneNumber: '15550000015',
          accessToken: TOKEN,
        },
      ],
    },
  });
  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    // The same app with the operators' codec endpoint mounted, as server.ts mounts it with TEMPORAL_CODEC_TOKEN.
    operatorApp = buildTestApp({
      conn: stack.db.conn,
      temporal: stack.temporal.client,
      taskQueue: stack.taskQueue,
      logger: operatorLog.logger,
      overrides: {
        codec: {
          codec: testPayloadCodec,
          token: CODEC_TOKEN,
          corsOrigins: [UI_ORIGIN],
          recipientHash: testRecipientHash,
        },
      },
    });
  });
  afterAll(() => receiver.close());

  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  let operatorApp: ReturnType<typeof buildTestApp>;
  const operatorLog = captureLogger();
  let messageWorkflowId = '';

  /** Every byte Temporal stores and serves for the workflow: its whole history and its description. */
  async function rawBytesOf(workflowId: string): Promise<Buffer> {
    const svc = stack.temporal.client.workflowService;
    const chunks: Buffer[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await svc.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId },
        nextPageToken,
      });
      chunks.push(
        Buffer.from(proto.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse.encode(page).finish()),
      );
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    const described = await svc.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId },
    });
    chunks.push(
      Buffer.from(proto.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(described).finish()),
    );
    return Buffer.concat(chunks);
  }

  it('a message sent through the API, with a status callback: history has no body, number or callback payload', async () => {
    const auth = stack.auth('tenant-priv');
    await request(stack.api.app).put('/v1/callbacks').set(auth).send({ url: receiver.url }).expect(200);
    const res = await request(stack.api.app)
      .post('/v1/messages')
      .set(auth)
      .send({
        from: 'meta-priv',
        to: `+${NUMBER}`,
        type: 'text',
        text: { body: BODY },
        metadata: { order: ORDER },
      })
      .expect(202);
    const id = res.body.id as string;
    const workflowId = workflowIds.message('tenant-priv', id);
    messageWorkflowId = workflowId;
    const handle = stack.temporal.client.workflow.getHandle(workflowId);
    // The workflow reached read and scheduled the tenant's callbacks: their payloads (with the
    // metadata) are activity inputs in this history. Whether the endpoint answered does not matter here.
    const converter = new DefaultPayloadConverter();
    const callbackInputs = async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const inputs = events
        .map((e) => e.activityTaskScheduledEventAttributes)
        .filter((a) => a?.activityType?.name === 'deliverStatusCallback')
        .map((a) => a?.input?.payloads ?? []);
      return Promise.all(
        inputs.map(async (p) =>
          JSON.stringify(converter.fromPayload((await testPayloadCodec.decode(p))[0]!)),
        ),
      );
    };
    const scheduled = await eventually(async () => {
      const inputs = await callbackInputs();
      return inputs.some((i) => i.includes('"read"')) ? inputs : undefined;
    }, 'the read callback scheduled');
    expect(scheduled.every((i) => i.includes(ORDER))).toBe(true);

    const raw = await rawBytesOf(workflowId);
    for (const secret of [BODY, NUMBER, ORDER, '+1 650', 'Meet me']) expect(raw.includes(secret)).toBe(false);
    // What is there: sealed payloads and the keyed hash of the number.
    expect(raw.includes('binary/encrypted')).toBe(true);
    expect(raw.includes(testRecipientHash(NUMBER))).toBe(true);
    expect((await handle.describe()).typedSearchAttributes.get(RecipientKey)).toBe(testRecipientHash(NUMBER));

    // With the keys (the worker's codec), the same history opens: the input holds the body.
    const history = await handle.fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const decoded = await testPayloadCodec.decode(input);
    expect(JSON.stringify(new DefaultPayloadConverter().fromPayload(decoded[0]!))).toContain(BODY);
  });

  it("an inbound message's workflow holds neither the customer's number nor the text in clear", async () => {
    const text = 'Inbound secret 5e1d: my card ends 4242';
    const from = '16505550199';
    expect(
      await stack.fakes.meta.emitInbound({ phoneNumberId: PHONE_ID, wamid: 'wamid.PRIV1', from, text }),
    ).toBe(200);
    const workflowId = workflowIds.inbound('tenant-priv', 'meta', 'wamid.PRIV1');
    const handle = stack.temporal.client.workflow.getHandle(workflowId);
    await eventually(
      async () => (await handle.describe().catch(() => undefined))?.status.name === 'COMPLETED',
      'inbound workflow completed',
    );
    const raw = await rawBytesOf(workflowId);
    for (const secret of [text, from, '5e1d']) expect(raw.includes(secret)).toBe(false);
    const input = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes?.input
      ?.payloads;
    const decoded = await testPayloadCodec.decode(input ?? []);
    expect(JSON.stringify(new DefaultPayloadConverter().fromPayload(decoded[0]!))).toContain(text);
  });

  it('the codec endpoint decodes for the operator token only, with CORS for the Web UI', async () => {
    const history = await stack.temporal.client.workflow.getHandle(messageWorkflowId).fetchHistory();
    const sealed = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const body = {
      payloads: sealed.map((p) => ({
        metadata: Object.fromEntries(
          Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        ),
        data: Buffer.from(p.data ?? []).toString('base64'),
      })),
    };
    await request(operatorApp).post('/codec/decode').send(body).expect(401);
    await request(operatorApp)
      .post('/codec/decode')
      .set('Authorization', 'Bearer wrong')
      .send(body)
      .expect(401);
    const preflight = await request(operatorApp)
      .options('/codec/decode')
      .set('Origin', UI_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,x-namespace')
      .expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await request(operatorApp).options('/codec/decode').set('Origin', 'http://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const res = await request(operatorApp)
      .post('/codec/decode')
      .set('Authorization', `Bearer ${CODEC_TOKEN}`)
      .set('Origin', UI_ORIGIN)
      .set('X-Namespace', 'default')
      .send(body)
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    const opened = Buffer.from(res.body.payloads[0].data, 'base64').toString();
    expect(opened).toContain(BODY);
    expect(Buffer.from(res.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');

    // The Web UI sends no header: its codec endpoint may carry the token as a path segment, never logged.
    const viaPath = await request(operatorApp).post(`/codec/${CODEC_TOKEN}/decode`).send(body).expect(200);
    expect(viaPath.body).toEqual(res.body);
    await request(operatorApp).post('/codec/not-the-token/decode').send(body).expect(401);
    expect(operatorLog.lines().join('\n')).toContain('/codec/[redacted]/decode');
    expect(operatorLog.lines().join('\n')).not.toContain(CODEC_TOKEN);

    // Encode (the UI's "start workflow" input) and back.
    const enc = await request(operatorApp)
      .post('/codec/encode')
      .set('Authorization', `Bearer ${CODEC_TOKEN}`)
      .send({ payloads: res.body.payloads })
      .expect(200);
    expect(Buffer.from(enc.body.payloads[0].data, 'base64').includes(BODY)).toBe(false);
  });

  it('the Temporal CLI reads the history through the codec endpoint (the protocol the Web UI speaks)', async () => {
    const server = await new Promise<Server>((resolve) => {
      const srv = operatorApp.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec`;
    // Async: the codec endpoint answers from this same process while the CLI runs.
    const show = async (...extra: string[]) =>
      (
        await promisify(execFile)(
          toolPath('temporal'),
          [
            'workflow',
            'show',
            '--address',
            testEnv('TEST_TEMPORAL_ADDRESS'),
            '--namespace',
            'default',
            '--workflow-id',
            messageWorkflowId,
            '--output',
            'json',
            ...extra,
          ],
          { encoding: 'utf8', timeout: 30_000 },
        )
      ).stdout // The CLI prints payload data as base64: shown here decoded.
        .replace(/"data": "([A-Za-z0-9+/=]*)"/g, (_m, b64: string) => Buffer.from(b64, 'base64').toString());
    try {
      expect(await show()).not.toContain(BODY);
      expect(await show('--codec-endpoint', endpoint, '--codec-auth', `Bearer ${CODEC_TOKEN}`)).toContain(
        BODY,
      );
      expect(await show('--codec-endpoint', `${endpoint}/${CODEC_TOKEN}`)).toContain(BODY);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("an operator finds a number's messages: the recipient query, then the Web UI's list filter", async () => {
    await request(operatorApp)
      .post('/operator/recipient-query')
      .send({ phone: `+${NUMBER}` })
      .expect(401);
    const res = await request(operatorApp)
      .post('/operator/recipient-query')
      .set('Authorization', `Bearer ${CODEC_TOKEN}`)
      .send({ phone: '+1 650 555 0147' })
      .expect(200);
    expect(res.body.recipient).toBe(testRecipientHash(NUMBER));
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of stack.temporal.client.workflow.list({ query: res.body.query as string }))
        ids.push(wf.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, 'the message found by its Recipient hash');
    expect(found).toEqual([expect.stringMatching(/^message:tenant-priv:msg_/)]);
  });
});
