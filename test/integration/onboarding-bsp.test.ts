import request from 'supertest';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { OnboardingStatusKey } from '../../src/temporal/search-attributes';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { captureLogger } from '../helpers/logger';
import { PARTNER, PUBLIC_BASE_URL, TWILIO_ACCOUNT, historyText } from '../helpers/onboarding';
import { waitFor } from '../helpers/sessions';
import { openHistoryPayloads } from '../helpers/temporal';
import { useOnboarding } from '../fixtures/onboarding';

type View = {
  id: string;
  status: string;
  senderId: string;
  steps: { name: string; status: string; attempts?: number }[];
  failure: { step: string; code: string; message: string; provider: string; providerCode?: string } | null;
};

const TENANT = 'tenant-onb-bsp';
const OTHER = 'tenant-onb-bsp-b';
const stepStatuses = (v: View) => Object.fromEntries(v.steps.map((s) => [s.name, s.status]));
const basic = (a: { accountSid: string; authToken: string }) =>
  `Basic ${Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64')}`;

describe('onboarding through 360dialog and Twilio: sagas on the real stack', () => {
  const log = captureLogger();
  let key: string;
  let seq = 0;

  /** A state as the signup page gets one when it opens 360dialog's Hub (issue 15). */
  const issueState = async (apiKey = key) =>
    (
      await request(stack.app)
        .post('/v1/onboardings/360dialog/state')
        .set('Authorization', `Bearer ${apiKey}`)
        .expect(201)
    ).body.state as string;
  /** 360dialog requests come back from the Hub with the client and a state: added unless given. */
  const bodyOf = async (body: Record<string, unknown>) =>
    body.provider === '360dialog' ? { clientId: 'clientAbc', state: await issueState(), ...body } : body;
  const post = async (body: Record<string, unknown>, status: number) =>
    request(stack.app)
      .post('/v1/onboardings')
      .set('Authorization', `Bearer ${key}`)
      .send(await bodyOf(body))
      .expect(status);
  const start = async (body: Record<string, unknown>) => (await post(body, 202)).body as View;
  const settle = async (id: string) => (await stack.settled(key, id)) as unknown as View;
  const history = async (id: string) =>
    historyText(
      await openHistoryPayloads(
        await stack.temporal.client.workflow.getHandle(workflowIds.onboarding(TENANT, id)).fetchHistory(),
      ),
    );

  const stack = useOnboarding({ queue: 'onb-bsp', tenants: [TENANT], logger: log.logger });
  beforeAll(() => {
    key = stack.key(TENANT);
  });

  describe('360dialog: channel → API key → webhook → sender', () => {
    /** A channel the client shared with us (as after 360dialog's redirect `?client=&channels=[…]`). */
    function channel(opts: { permission?: boolean } = {}) {
      seq += 1;
      const id = `Ch${100 + seq}CH`;
      stack.hub.addChannel({
        id,
        clientId: 'clientAbc',
        phoneNumber: `+49 30 1234 5${100 + seq}`,
        wabaId: `7770000000${seq}`,
        permission: opts.permission,
      });
      return { id, digits: `49301234 5${100 + seq}`.replace(/\D/g, ''), phoneNumberId: String(100 + seq) };
    }
    const lastKey = (channelId: string) =>
      stack.hub.keysIssued.filter((k) => k.channelId === channelId).at(-1)?.apiKey;

    it('reaches ready: a key is generated, the number’s webhook points at us with a secret header, the sender is usable', async () => {
      const ch = channel();
      const accepted = await start({ provider: '360dialog', channelId: ch.id, clientId: 'clientAbc' });
      expect(accepted).toMatchObject({ senderId: `360dialog-${ch.id}`, status: 'running' });
      const done = await settle(accepted.id);
      expect(done.status).toBe('ready');
      expect(stepStatuses(done)).toEqual({
        fetch_channel: 'done',
        create_api_key: 'done',
        configure_webhook: 'done',
        store_sender: 'done',
      });
      expect(stack.hub.calls.at(-1)?.headers['x-api-key']).toBe(PARTNER.partnerApiKey);
      const apiKey = lastKey(ch.id) as string;
      const webhook = stack.d360.webhookConfig(apiKey);
      expect(webhook).toEqual({
        url: `${PUBLIC_BASE_URL}/webhooks/360dialog`,
        headers: {
          'X-Dw-Channel': ch.id,
          'X-Dw-Webhook-Secret': expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        },
      });
      const stored = await stack.senders.withCredentials(TENANT, `360dialog-${ch.id}`);
      expect(stored?.sender).toMatchObject({
        provider: '360dialog',
        accountId: ch.id,
        displayPhoneNumber: ch.digits,
        onboardingId: accepted.id,
      });
      expect(stored?.credentials).toEqual({
        provider: '360dialog',
        apiKey,
        webhookSecret: webhook?.headers['X-Dw-Webhook-Secret'],
      });
      // Usable: 360dialog's messaging host accepts the key.
      const sent = await fetch(`${stack.d360.baseUrl}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'D360-API-KEY': apiKey },
        body: JSON.stringify({
          messaging_product: 'whatsapp',
          to: '491701234567',
          type: 'text',
          text: { body: 'hi' },
        }),
      });
      expect(sent.status).toBe(200);
      const text = await history(accepted.id);
      expect(text).toContain(ch.id);
      for (const secret of [
        apiKey,
        webhook?.headers['X-Dw-Webhook-Secret'] as string,
        PARTNER.partnerApiKey,
      ]) {
        expect(text).not.toContain(secret);
        expect(log.lines().join('\n')).not.toContain(secret);
      }
    });

    it('fetch_channel: a channel not shared with us and another client’s channel get the same answer; no key (issue 15)', async () => {
      const unknown = await settle((await start({ provider: '360dialog', channelId: 'Ch999CH' })).id);
      const ch = channel();
      const foreign = await settle(
        (await start({ provider: '360dialog', channelId: ch.id, clientId: 'clientOther' })).id,
      );
      for (const done of [unknown, foreign]) {
        expect(done.failure).toEqual({
          step: 'fetch_channel',
          code: 'channel_not_available',
          provider: '360dialog',
          message: expect.stringMatching(/^360dialog channel \S+ is not available to client \S+$/),
        });
        expect(stepStatuses(done)).toMatchObject({ create_api_key: 'skipped', configure_webhook: 'skipped' });
      }
      const shape = (d: View) =>
        JSON.stringify(d.failure)
          .replace('Ch999CH', 'X')
          .replace(ch.id, 'X')
          .replace(/client\w+/, 'C');
      expect(shape(foreign)).toBe(shape(unknown));
      expect(stack.hub.keysIssued.filter((k) => k.channelId === 'Ch999CH' || k.channelId === ch.id)).toEqual(
        [],
      );
      expect(stack.hub.callsTo('api_keys')).toBe(
        stack.hub.calls.filter(
          (c) => c.ep === 'api_keys' && c.channelId !== ch.id && c.channelId !== 'Ch999CH',
        ).length,
      );
    });

    it('clientId and state are required (400 naming the field); nothing reaches 360dialog', async () => {
      const calls = stack.hub.calls.length;
      const ch = channel();
      const noClient = await request(stack.app)
        .post('/v1/onboardings')
        .set('Authorization', `Bearer ${key}`)
        .send({ provider: '360dialog', channelId: ch.id, state: await issueState() })
        .expect(400);
      expect(noClient.body.error.details).toEqual([expect.objectContaining({ field: 'body.clientId' })]);
      const noState = await request(stack.app)
        .post('/v1/onboardings')
        .set('Authorization', `Bearer ${key}`)
        .send({ provider: '360dialog', channelId: ch.id, clientId: 'clientAbc' })
        .expect(400);
      expect(noState.body.error.details).toEqual([expect.objectContaining({ field: 'body.state' })]);
      expect(stack.hub.calls.length).toBe(calls);
    });

    it('a replayed, expired, forged or another tenant’s state is refused (400 invalid_state) before any step', async () => {
      const ch = channel();
      const refusal = async (state: string) => {
        // Its own sender id: the channel's default one exists once the first use below is ready.
        const res = await post({ provider: '360dialog', channelId: ch.id, state, senderId: 'replay' }, 400);
        expect(res.body.error.code).toBe('invalid_state');
        return (res.body.error.details as { field: string; rule: string }[])[0] as {
          field: string;
          rule: string;
        };
      };
      const calls = stack.hub.calls.length;
      // Another tenant's state, and one whose secret part is not the one issued.
      const otherKey = (await createApiKeyRepository(stack.db.conn).create('tenant-onb-bsp-c')).token;
      expect(await refusal(await issueState(otherKey))).toEqual(
        expect.objectContaining({ field: 'body.state', rule: 'unknown' }),
      );
      const mine = await issueState();
      expect((await refusal(`${mine.slice(0, 26)}${'A'.repeat(43)}`)).rule).toBe('unknown');
      // Expired.
      const old = await issueState();
      await stack.db.conn
        .collection('signup_states')
        .updateOne({ _id: old.slice(3, 25) as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
      expect((await refusal(old)).rule).toBe('expired');
      expect(stack.hub.calls.length).toBe(calls);
      // Used once for this channel: the second use is a replay.
      const once = await issueState();
      const first = await start({ provider: '360dialog', channelId: ch.id, state: once });
      await settle(first.id);
      expect((await refusal(once)).rule).toBe('used');
    });

    it('create_api_key: no partner permission on the channel (403) → failed naming 360dialog’s error', async () => {
      const ch = channel({ permission: false });
      const done = await settle((await start({ provider: '360dialog', channelId: ch.id })).id);
      expect(done.failure).toMatchObject({
        step: 'create_api_key',
        code: 'provider_auth',
        providerCode: '403',
      });
      expect(done.failure?.message).toMatch(/no permission/);
    });

    it('configure_webhook: the messaging host refuses the key (401) → failed, the key is forgotten', async () => {
      const ch = channel();
      const hook = stack.hub.opts.onApiKey;
      stack.hub.opts.onApiKey = undefined;
      try {
        const done = await settle((await start({ provider: '360dialog', channelId: ch.id })).id);
        expect(done.failure).toMatchObject({
          step: 'configure_webhook',
          code: 'provider_auth',
          providerCode: '401',
        });
        expect(done.failure?.message).toMatch(/Invalid api_key/);
        expect(stepStatuses(done)).toMatchObject({ create_api_key: 'compensated', store_sender: 'skipped' });
        expect((await stack.onboardings.get(TENANT, done.id))?.secrets).toEqual({});
      } finally {
        stack.hub.opts.onApiKey = hook;
      }
    });

    it('the channel is another tenant’s sender → 409 routing_key_taken at start, no key minted (issue 15)', async () => {
      const ch = channel();
      await stack.senders.register(OTHER, {
        senderId: 'theirs-360',
        displayPhoneNumber: ch.digits,
        channelId: ch.id,
        credentials: { provider: '360dialog', apiKey: 'k', webhookSecret: 's' },
      });
      const calls = stack.hub.calls.length;
      const res = await post({ provider: '360dialog', channelId: ch.id }, 409);
      expect(res.body.error.code).toBe('routing_key_taken');
      expect(JSON.stringify(res.body)).not.toContain(OTHER);
      expect(stack.hub.calls.length).toBe(calls);
      expect(stack.hub.keysIssued.filter((k) => k.channelId === ch.id)).toEqual([]);
    });
  });

  describe('Twilio: Senders API → ONLINE → sender', () => {
    const number = () => {
      seq += 1;
      return `+1415555${String(1000 + seq)}`;
    };
    beforeEach(() => {
      stack.twilio.opts.outcome = 'online';
      stack.twilio.opts.pollsUntilDone = 2;
    });

    it('reaches ready: the sender is created with our webhook, polled until ONLINE, stored with the configured account', async () => {
      const phone = number();
      const digits = phone.slice(1);
      const accepted = await start({ provider: 'twilio', wabaId: '123456789012', phoneNumber: phone });
      expect(accepted.senderId).toBe(`twilio-${digits}`);
      const done = await settle(accepted.id);
      expect(done.status).toBe('ready');
      expect(done.steps.find((s) => s.name === 'await_online')?.attempts).toBeGreaterThanOrEqual(2);
      const created = stack.twilio.bySenderId(`whatsapp:+${digits}`);
      expect(created?.status).toBe('ONLINE');
      expect(created?.body).toEqual({
        sender_id: `whatsapp:+${digits}`,
        configuration: { waba_id: '123456789012', verification_method: 'sms' },
        webhook: {
          callback_url: `${PUBLIC_BASE_URL}/webhooks/twilio`,
          callback_method: 'POST',
          status_callback_url: `${PUBLIC_BASE_URL}/webhooks/twilio`,
          status_callback_method: 'POST',
        },
      });
      expect(stack.twilio.calls.find((c) => c.ep === 'create')?.headers.authorization).toBe(
        basic(TWILIO_ACCOUNT),
      );
      const stored = await stack.senders.withCredentials(TENANT, `twilio-${digits}`);
      expect(stored?.sender).toMatchObject({
        provider: 'twilio',
        accountId: TWILIO_ACCOUNT.accountSid,
        displayPhoneNumber: digits,
      });
      expect(stored?.credentials).toEqual({ provider: 'twilio', ...TWILIO_ACCOUNT });
      expect(
        await stack.senders.findByRoutingKey(`twilio:${TWILIO_ACCOUNT.accountSid}:${digits}`),
      ).toMatchObject({ tenantId: TENANT });
      // Usable: Twilio accepts them.
      const res = await fetch(`${stack.twilio.baseUrl}/v2/Channels/Senders/${created?.sid}`, {
        headers: { authorization: basic(stored!.credentials as typeof TWILIO_ACCOUNT) },
      });
      expect(res.status).toBe(200);
    });

    it('with the request’s own account: its auth token is sealed at once and never in history', async () => {
      const own = { accountSid: `AC${'c'.repeat(32)}`, authToken: 'own-auth-token-0123456789abcdef' };
      stack.twilio.opts.accounts[own.accountSid] = own.authToken;
      const phone = number();
      const accepted = await start({
        provider: 'twilio',
        wabaId: '123456789012',
        phoneNumber: phone,
        ...own,
      });
      expect(JSON.stringify(accepted)).not.toContain(own.authToken);
      const done = await settle(accepted.id);
      expect(done.status).toBe('ready');
      expect((await stack.senders.withCredentials(TENANT, accepted.senderId))?.credentials).toEqual({
        provider: 'twilio',
        ...own,
      });
      expect(await history(accepted.id)).not.toContain(own.authToken);
      expect(log.lines().join('\n')).not.toContain(own.authToken);
    });

    it('create_sender: a retry after a lost answer finds the sender instead of creating a second one', async () => {
      const phone = number();
      stack.twilio.failNext('create', { lostAnswer: true });
      const before = stack.twilio.callsTo('create');
      const done = await settle(
        (await start({ provider: 'twilio', wabaId: '123456789012', phoneNumber: phone })).id,
      );
      expect(done.status).toBe('ready');
      expect(stack.twilio.callsTo('create') - before).toBe(1);
      expect(
        [...stack.twilio.senders.values()].filter((s) => s.senderId === `whatsapp:${phone}`),
      ).toHaveLength(1);
    });

    it('create_sender: Twilio refuses the request (400) → failed with Twilio’s code, nothing to undo', async () => {
      stack.twilio.failNext('create', {
        httpStatus: 400,
        code: 63100,
        message: 'Invalid WhatsApp Business Account',
      });
      const done = await settle(
        (await start({ provider: 'twilio', wabaId: '123456789012', phoneNumber: number() })).id,
      );
      expect(done.failure).toMatchObject({
        step: 'create_sender',
        code: 'provider_rejected',
        provider: 'twilio',
        providerCode: '63100',
      });
      expect(stepStatuses(done)).toMatchObject({ await_online: 'skipped', store_sender: 'skipped' });
    });

    it('await_online: the sender goes OFFLINE → failed with the offline reason, the sender is deleted', async () => {
      stack.twilio.opts.outcome = 'offline';
      const phone = number();
      const done = await settle(
        (await start({ provider: 'twilio', wabaId: '123456789012', phoneNumber: phone })).id,
      );
      expect(done.failure).toMatchObject({
        step: 'await_online',
        code: 'sender_offline',
        providerCode: '30008',
      });
      expect(stepStatuses(done)).toMatchObject({ create_sender: 'compensated', await_online: 'failed' });
      expect(stack.twilio.bySenderId(`whatsapp:${phone}`)).toBeUndefined();
      expect(stack.twilio.deleted.length).toBeGreaterThan(0);
    });

    it('await_online: never ONLINE within the timeout (durable timer between polls) → failed, the sender is deleted', async () => {
      stack.twilio.opts.outcome = 'pending';
      const phone = number();
      const started = await stack.commandsWith({ twilioOnlineTimeoutMs: 600, twilioPollMs: 100 }).start(
        TENANT,
        {
          provider: 'twilio',
          wabaId: '123456789012',
          phoneNumber: phone.slice(1),
          verificationMethod: 'sms',
        },
        null,
      );
      const done = await settle(started.view.id);
      expect(done.failure).toMatchObject({
        step: 'await_online',
        code: 'online_timeout',
        providerCode: 'PENDING_VERIFICATION',
      });
      expect(stack.twilio.bySenderId(`whatsapp:${phone}`)).toBeUndefined();
      const events = (
        await stack.temporal.client.workflow
          .getHandle(workflowIds.onboarding(TENANT, started.view.id))
          .fetchHistory()
      ).events;
      expect(events?.some((e) => e.timerStartedEventAttributes)).toBe(true);
    });

    it('cancelled while waiting for ONLINE → failed as cancelled, the sender is still deleted (compensation is not cancellable)', async () => {
      stack.twilio.opts.outcome = 'pending';
      const phone = number();
      const { id } = await start({ provider: 'twilio', wabaId: '123456789012', phoneNumber: phone });
      await waitFor(
        () => stack.onboardings.get(TENANT, id),
        (d) => (d?.steps?.await_online?.attempts ?? 0) >= 2,
        20_000,
        'polling',
      );
      await stack.temporal.client.workflow.getHandle(workflowIds.onboarding(TENANT, id)).cancel();
      const done = await settle(id);
      expect(done.failure).toMatchObject({ step: 'await_online', code: 'cancelled', provider: 'twilio' });
      expect(stepStatuses(done)).toMatchObject({ create_sender: 'compensated', await_online: 'failed' });
      expect(stack.twilio.bySenderId(`whatsapp:${phone}`)).toBeUndefined();
      // The search attribute is upserted in the workflow task after the record; visibility follows.
      await waitFor(
        () => stack.temporal.client.workflow.getHandle(workflowIds.onboarding(TENANT, id)).describe(),
        (d) => d.typedSearchAttributes.get(OnboardingStatusKey) === 'failed',
        20_000,
        'OnboardingStatus=failed',
      );
    });

    it('the number is another tenant’s sender → 409 routing_key_taken at start, no Twilio call (issue 15)', async () => {
      const phone = number();
      await stack.senders.register(OTHER, {
        senderId: 'theirs-twilio',
        displayPhoneNumber: phone.slice(1),
        credentials: { provider: 'twilio', ...TWILIO_ACCOUNT },
      });
      const calls = stack.twilio.calls.length;
      const res = await request(stack.app)
        .post('/v1/onboardings')
        .set('Authorization', `Bearer ${key}`)
        .send({ provider: 'twilio', wabaId: '123456789012', phoneNumber: phone })
        .expect(409);
      expect(res.body.error.code).toBe('routing_key_taken');
      expect(stack.twilio.calls.length).toBe(calls);
      expect(stack.twilio.bySenderId(`whatsapp:${phone}`)).toBeUndefined();
    });
  });
});
