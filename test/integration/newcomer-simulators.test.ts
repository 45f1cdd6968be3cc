import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort } from '../../scripts/lib/infra';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createDialog360Simulator } from '../../src/simulator/official/dialog360/dialog360.simulator';
import { createMetaSimulator } from '../../src/simulator/official/meta/meta.simulator';
import type { OfficialSimulator } from '../../src/simulator/official/sim-app';
import { createTwilioSimulator } from '../../src/simulator/official/twilio/twilio.simulator';
import { startCallbackReceiver } from '../fakes/callback-receiver.fake';
import { testEnv } from '../helpers/env';
import { openTestDatabase } from '../helpers/mongo';
import { TEST_TEMPORAL_PROTECTION_ENV, uniqueTaskQueue } from '../helpers/temporal';

/**
 * README's newcomer walkthrough (issue 17, item 1) against the real API and worker processes, with
 * the official-platform simulators configured as `npm run stack` configures them: onboard a number
 * (Meta Embedded Signup, 360dialog Integrated Onboarding, Twilio Senders API / registration) →
 * send a template → sent, delivered, read (`GET /v1/messages/:id`) → the customer's reply (the
 * simulator's control API) reaches the tenant's callback URL.
 */
const root = path.join(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const tenant = `newcomer-${randomBytes(3).toString('hex')}`;
const CUSTOMER = '+4915112345678';

const secrets = {
  META_APP_ID: '100000000000042',
  META_APP_SECRET: randomBytes(16).toString('hex'),
  DIALOG360_PARTNER_ID: 'simPA',
  DIALOG360_PARTNER_API_KEY: randomBytes(24).toString('base64url'),
  TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString('hex')}`,
  TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
};

async function until<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const post = async (url: string, body: unknown = {}, headers: Record<string, string> = {}) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('the newcomer path on the official-platform simulators', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let api: string;
  let auth: Record<string, string>;
  const children: ChildProcess[] = [];
  const sims: OfficialSimulator[] = [];
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  let meta: string;
  let d360: string;
  let twilio: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    receiver = await startCallbackReceiver();
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}`;
    const timing = { sent: 20, delivered: 100, read: 100 };
    const start = async (sim: OfficialSimulator) => {
      sims.push(sim);
      return (await sim.listen()).url;
    };
    meta = await start(
      createMetaSimulator({
        appId: secrets.META_APP_ID,
        appSecret: secrets.META_APP_SECRET,
        webhookUrl: `${api}/webhooks/meta`,
        timing,
      }),
    );
    d360 = await start(
      createDialog360Simulator({
        partnerId: secrets.DIALOG360_PARTNER_ID,
        partnerApiKey: secrets.DIALOG360_PARTNER_API_KEY,
        timing,
      }),
    );
    twilio = await start(
      createTwilioSimulator({
        accountSid: secrets.TWILIO_ACCOUNT_SID,
        authToken: secrets.TWILIO_AUTH_TOKEN,
        inboundUrl: `${api}/webhooks/twilio`,
        timing,
      }),
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: testEnv('TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('newcomer'),
      WORKFLOW_BUNDLE_PATH: testEnv('TEST_WORKFLOW_BUNDLE'),
      ...TEST_TEMPORAL_PROTECTION_ENV,
      MONGODB_URI: db.uri,
      ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: api,
      WORKER_METRICS_PORT: '0',
      CALLBACK_ALLOW_HTTP: 'true',
      CALLBACK_ALLOW_PRIVATE_NETWORKS: 'true',
      ONBOARDING_TWILIO_POLL_MS: '200',
      ...secrets,
      META_GRAPH_BASE_URL: meta,
      DIALOG360_BASE_URL: d360,
      DIALOG360_PARTNER_BASE_URL: d360,
      TWILIO_API_BASE_URL: twilio,
      TWILIO_MESSAGING_BASE_URL: twilio,
    };
    for (const entry of ['workers/main.ts', 'src/api/server.ts']) {
      const child = spawn(tsx, [path.join(root, entry)], { cwd: root, env, stdio: 'ignore' });
      children.push(child);
    }
    await until(
      () =>
        fetch(`${api}/readyz`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      'the API to be ready',
    );
    const { token } = await createApiKeyRepository(db.conn).create(tenant);
    auth = { authorization: `Bearer ${token}` };
    const cb = await fetch(`${api}/v1/callbacks`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(cb.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const c of children.reverse()) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
    for (const s of sims) await s.close();
    await receiver.close();
    await db.drop();
  }, 60_000);

  const onboarded = (id: unknown) =>
    until(
      async () =>
        (await (await fetch(`${api}/v1/onboardings/${String(id)}`, { headers: auth })).json()) as {
          status: string;
        },
      (o) => o.status !== 'running',
      `onboarding ${String(id)}`,
    );

  /** A template from `from`, followed to read; then the customer's reply reaches the callback. */
  async function templateThenReply(from: string, template: string, reply: () => Promise<unknown>) {
    const sent = await post(
      `${api}/v1/messages`,
      { from, to: CUSTOMER, type: 'template', template: { name: template, language: 'en_US' } },
      auth,
    );
    expect(sent.status).toBe(202);
    const read = await until(
      async () =>
        (await (await fetch(`${api}/v1/messages/${String(sent.body.id)}`, { headers: auth })).json()) as {
          status: string;
          sentAt: string | null;
          deliveredAt: string | null;
          readAt: string | null;
        },
      (m) => m.status === 'read' || m.status === 'failed',
      `message ${String(sent.body.id)} read`,
    );
    expect(read).toMatchObject({ status: 'read' });
    expect([read.sentAt, read.deliveredAt, read.readAt].every(Boolean)).toBe(true);
    const statuses = () =>
      receiver.received
        .filter((c) => c.event === 'message.status' && c.messageId === sent.body.id)
        .map((c) => c.status);
    await until(statuses, (s) => s.includes('read'), 'the read callback');
    expect(statuses()).toEqual(expect.arrayContaining(['sent', 'delivered', 'read']));

    await reply();
    const inbound = await until(
      () => receiver.received.find((c) => c.event === 'message.inbound' && c.senderId === from),
      (c) => c !== undefined,
      `the reply to ${from} at the callback`,
    );
    expect(inbound).toMatchObject({ from: CUSTOMER.slice(1), type: 'text', text: `Thanks, ${from}` });
  }

  it('Meta: Embedded Signup through the simulator, then template → read, reply → callback', async () => {
    const signup = await post(`${meta}/_sim/signup`);
    expect(signup.status).toBe(201);
    const started = await post(
      `${api}/v1/onboardings`,
      { provider: 'meta', code: signup.body.code, pin: '123456', senderId: 'shop' },
      auth,
    );
    expect(started.status).toBe(202);
    expect(await onboarded(started.body.id)).toMatchObject({ status: 'ready', failure: null });
    const sim = (await (await fetch(`${meta}/_sim`)).json()) as { numbers: unknown[] };
    expect(sim.numbers).toEqual([
      expect.objectContaining({
        phoneNumberId: signup.body.phoneNumberId,
        registered: true,
        appSubscribed: true,
      }),
    ]);

    await templateThenReply('shop', 'hello_world', () =>
      post(`${meta}/_sim/inbound`, { from: CUSTOMER, text: 'Thanks, shop' }),
    );
  });

  it('360dialog: Integrated Onboarding with a simulated channel, then template → read, reply → callback', async () => {
    const channel = await post(`${d360}/_sim/channels`);
    const state = await post(`${api}/v1/onboardings/360dialog/state`, {}, auth);
    const started = await post(
      `${api}/v1/onboardings`,
      {
        provider: '360dialog',
        channelId: channel.body.channelId,
        clientId: channel.body.clientId,
        state: state.body.state,
        senderId: 'shop360',
      },
      auth,
    );
    expect(started.status).toBe(202);
    expect(await onboarded(started.body.id)).toMatchObject({ status: 'ready', failure: null });

    await templateThenReply('shop360', 'hello_world', () =>
      post(`${d360}/_sim/inbound`, { from: CUSTOMER, text: 'Thanks, shop360' }),
    );
  });

  it('Twilio: a registered sender and an onboarded one, template → read, reply → callback', async () => {
    const own = await post(`${twilio}/_sim/senders`);
    const registered = await post(
      `${api}/v1/senders`,
      {
        provider: 'twilio',
        id: 'shoptw',
        phoneNumber: own.body.phoneNumber,
        accountSid: own.body.accountSid,
        authToken: own.body.authToken,
      },
      auth,
    );
    expect(registered.status).toBe(201);
    const content = `HX${randomBytes(16).toString('hex')}`;
    await templateThenReply('shoptw', content, () =>
      post(`${twilio}/_sim/inbound`, { from: CUSTOMER, to: own.body.phoneNumber, body: 'Thanks, shoptw' }),
    );

    const started = await post(
      `${api}/v1/onboardings`,
      { provider: 'twilio', wabaId: '123456789012345', phoneNumber: '+15557654321', senderId: 'shoptw2' },
      auth,
    );
    expect(started.status).toBe(202);
    expect(await onboarded(started.body.id)).toMatchObject({ status: 'ready', failure: null });
    await templateThenReply('shoptw2', content, () =>
      post(`${twilio}/_sim/inbound`, { from: CUSTOMER, to: '+15557654321', body: 'Thanks, shoptw2' }),
    );
  });
});
