import { optionalTsToMs, tsToMs } from '@temporalio/common/lib/time';
import request from 'supertest';
import { createMetaMessagingProvider } from '../../src/providers/meta/meta.adapter';
import { OnboardingStatusKey } from '../../src/temporal/search-attributes';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { captureLogger } from '../helpers/logger';
import { ES_APP, historyText } from '../helpers/onboarding';
import { waitFor } from '../helpers/sessions';
import { openHistoryPayloads } from '../helpers/temporal';
import { useOnboarding } from '../fixtures/onboarding';

type View = {
  id: string;
  status: string;
  senderId: string;
  steps: { name: string; status: string; attempts?: number; error?: { code: string } }[];
  failure: { step: string; code: string; message: string; provider: string; providerCode?: string } | null;
};

const TENANT = 'tenant-onb-meta';
const OTHER = 'tenant-onb-meta-b';
const PIN = '480915';
const STEP_TIMEOUT_MS = 1_000;
const stepStatuses = (v: View) => Object.fromEntries(v.steps.map((s) => [s.name, s.status]));

describe('onboarding, Meta direct (Embedded Signup): a saga on the real stack', () => {
  const log = captureLogger();
  let key: string;
  let seq = 0;

  /** A fresh WABA with one number and a fresh code for it. */
  function signup(opts: { ttlMs?: number } = {}) {
    seq += 1;
    const n = String(seq).padStart(3, '0');
    const waba = `55500000000${n}`;
    const phone = `10650000000${n}`;
    const code = `AQD-es-code-${n}-${'x'.repeat(40)}`;
    const token = `EAAG-business-token-${n}-${'y'.repeat(40)}`;
    stack.meta.es.addWaba(waba, [{ id: phone, display_phone_number: `+1 631-555-0${n}` }]);
    stack.meta.es.issueCode(code, { token, wabaId: waba, ttlMs: opts.ttlMs });
    return {
      waba,
      phone,
      code,
      token,
      body: { provider: 'meta', code, wabaId: waba, phoneNumberId: phone, pin: PIN },
    };
  }
  const start = async (body: object) =>
    (
      await request(stack.app)
        .post('/v1/onboardings')
        .set('Authorization', `Bearer ${key}`)
        .send(body)
        .expect(202)
    ).body as View;
  const settle = async (id: string) => (await stack.settled(key, id)) as unknown as View;

  const stack = useOnboarding({
    queue: 'onb-meta',
    tenants: [TENANT],
    logger: log.logger,
    // A step's attempt may last 1 s while Meta's answer may take up to 8 s: the exchange's must outlast it.
    settings: { stepTimeoutMs: STEP_TIMEOUT_MS },
    metaTimeoutMs: 8_000,
  });
  beforeAll(() => {
    key = stack.key(TENANT);
  });

  it('reaches ready: code exchanged, app subscribed, number registered, sender stored with usable credentials', async () => {
    const s = signup();
    const accepted = await start(s.body);
    expect(accepted).toMatchObject({ status: 'running', senderId: `meta-${s.phone}`, failure: null });
    expect(accepted.id).toMatch(/^onb_/);
    expect(accepted.steps.map((x) => x.name)).toEqual([
      'exchange_code',
      'resolve_ids',
      'subscribe_app',
      'register_phone',
      'store_sender',
    ]);

    const done = await settle(accepted.id);
    expect(done.status).toBe('ready');
    expect(done.failure).toBeNull();
    // Steps other than the exchange may be retried when a loaded machine stretches one past its 1 s.
    for (const step of done.steps) expect(step.status).toBe('done');
    expect(done.steps[0]).toMatchObject({ name: 'exchange_code', attempts: 1 });
    expect(stack.meta.es.exchanged).toContain(s.code);
    expect([...(stack.meta.es.wabas.get(s.waba)?.subscribedApps ?? [])]).toEqual([ES_APP.appId]);
    expect(stack.meta.es.registered.get(s.phone)).toBe(PIN);

    const stored = await stack.senders.withCredentials(TENANT, `meta-${s.phone}`);
    expect(stored?.sender).toMatchObject({
      provider: 'meta',
      phoneNumberId: s.phone,
      wabaId: s.waba,
      onboardingId: accepted.id,
      displayPhoneNumber: `1631555${s.phone.slice(-4)}`,
    });
    expect(stored?.credentials).toEqual({ provider: 'meta', accessToken: s.token });
    // Usable: the Cloud API accepts a send with them.
    const adapter = createMetaMessagingProvider({
      baseUrl: stack.meta.baseUrl,
      apiVersion: 'v23.0',
      timeoutMs: 2_000,
      statusRefKey: Buffer.alloc(32, 7),
      credentials: (t, id) => stack.senders.metaCredentials(t, id),
    });
    const sent = await adapter.send({
      tenantId: TENANT,
      messageId: 'm-onb-1',
      senderId: `meta-${s.phone}`,
      to: '16505551234',
      content: { type: 'text', text: { body: 'hello' } },
    });
    expect(sent.providerMessageId).toMatch(/^wamid\./);

    // Nothing secret in the workflow history, the view, the projection or the logs.
    const history = historyText(
      await openHistoryPayloads(
        await stack.temporal.client.workflow
          .getHandle(workflowIds.onboarding(TENANT, accepted.id))
          .fetchHistory(),
      ),
    );
    expect(history).toContain(s.waba);
    for (const secret of [s.code, s.token, PIN, ES_APP.appSecret]) {
      expect(history).not.toContain(secret);
      expect(JSON.stringify(done)).not.toContain(secret);
      expect(log.lines().join('\n')).not.toContain(secret);
    }
    expect((await stack.onboardings.get(TENANT, accepted.id))?.secrets).toEqual({});

    // Operators see it in the Web UI: its status as a search attribute, a static summary.
    // The search attribute is upserted in the workflow task after the record; visibility follows.
    const d = await waitFor(
      () => stack.temporal.client.workflow.getHandle(workflowIds.onboarding(TENANT, accepted.id)).describe(),
      (x) => x.typedSearchAttributes.get(OnboardingStatusKey) === 'ready',
      20_000,
      'OnboardingStatus=ready',
    );
    expect(await d.staticSummary()).toBe(`Onboarding of sender meta-${s.phone} through meta`);
  });

  it('finds the WABA with debug_token (app token) and the number with phone_numbers when the signup gave no ids', async () => {
    const s = signup();
    const accepted = await start({ provider: 'meta', code: s.code, pin: PIN });
    expect(accepted.senderId).toMatch(/^meta-/);
    const done = await settle(accepted.id);
    expect(done.status).toBe('ready');
    const debug = stack.meta.requests.filter((r) => r.path.endsWith('/debug_token')).at(-1);
    expect(debug?.headers.authorization).toBe(`Bearer ${ES_APP.appId}|${ES_APP.appSecret}`);
    expect((await stack.senders.get(TENANT, accepted.senderId))?.phoneNumberId).toBe(s.phone);
  });

  describe('fails at each step, undoing what was done', () => {
    it('exchange_code: a code already used → failed at once (not retried), nothing to undo', async () => {
      const s = signup();
      (stack.meta.es.codes.get(s.code) as { used: boolean }).used = true;
      const done = await settle((await start(s.body)).id);
      expect(done.status).toBe('failed');
      expect(done.failure).toMatchObject({
        step: 'exchange_code',
        code: 'provider_rejected',
        provider: 'meta',
        providerCode: '100',
      });
      expect(done.failure?.message).toMatch(/has been used/);
      expect(stepStatuses(done)).toEqual({
        exchange_code: 'failed',
        resolve_ids: 'skipped',
        subscribe_app: 'skipped',
        register_phone: 'skipped',
        store_sender: 'skipped',
      });
      expect(done.steps[0]?.attempts).toBe(1);
      expect(await stack.senders.get(TENANT, `meta-${s.phone}`)).toBeNull();
    });

    it('exchange_code: Meta down for longer than the code lives → code_expired, never retried past its validity', async () => {
      const s = signup();
      stack.meta.es.down('oauth', {
        httpStatus: 500,
        code: 2,
        message: 'Service temporarily unavailable',
        isTransient: true,
      });
      try {
        const started = await stack
          .commandsWith({ codeValidityMs: 1_500 })
          .start(TENANT, s.body as never, null);
        const done = await settle(started.view.id);
        expect(done.failure).toMatchObject({ step: 'exchange_code', code: 'code_expired', provider: 'meta' });
        expect(done.failure?.message).toMatch(/Service temporarily unavailable/);
      } finally {
        stack.meta.es.up('oauth');
      }
    });

    it('resolve_ids: the number is not in the WABA → failed, later steps skipped', async () => {
      const s = signup();
      const done = await settle((await start({ ...s.body, phoneNumberId: '99999999999' })).id);
      expect(done.failure).toMatchObject({
        step: 'resolve_ids',
        code: 'phone_not_in_waba',
        provider: 'meta',
      });
      expect(stepStatuses(done)).toMatchObject({
        exchange_code: 'done',
        resolve_ids: 'failed',
        subscribe_app: 'skipped',
      });
      expect(stack.meta.es.wabas.get(s.waba)?.subscribedApps.size).toBe(0);
    });

    it('subscribe_app: permission denied (Graph 200) → failed naming Meta’s error', async () => {
      const s = signup();
      stack.meta.es.failNext('subscribed_apps', {
        httpStatus: 403,
        code: 200,
        subcode: 1349174,
        message: "Your app doesn't have permission to subscribe to this WhatsApp Business Account",
      });
      const done = await settle((await start(s.body)).id);
      expect(done.failure).toMatchObject({
        step: 'subscribe_app',
        code: 'provider_auth',
        providerCode: '200',
      });
      expect(done.failure?.message).toMatch(/permission to subscribe/);
      expect(
        stack.meta.es.calls.filter((c) => c.ep === 'subscribed_apps' && c.id === s.waba).map((c) => c.method),
      ).toEqual(['POST']);
    });

    it('register_phone: PIN mismatch (133005) → the app is unsubscribed again', async () => {
      const s = signup();
      stack.meta.es.twoStepPins.set(s.phone, '111111');
      const done = await settle((await start(s.body)).id);
      expect(done.failure).toMatchObject({
        step: 'register_phone',
        code: 'provider_error',
        providerCode: '133005',
      });
      expect(done.failure?.message).toMatch(/PIN Mismatch/);
      expect(stepStatuses(done)).toMatchObject({
        subscribe_app: 'compensated',
        register_phone: 'failed',
        store_sender: 'skipped',
      });
      expect(stack.meta.es.wabas.get(s.waba)?.subscribedApps.size).toBe(0);
      expect(
        stack.meta.es.calls.filter((c) => c.ep === 'subscribed_apps' && c.id === s.waba).map((c) => c.method),
      ).toEqual(['POST', 'DELETE']);
    });

    const registerForOther = (s: { phone: string; waba: string }) =>
      stack.senders.register(OTHER, {
        senderId: 'theirs',
        phoneNumberId: s.phone,
        wabaId: s.waba,
        displayPhoneNumber: '16315550000',
        accessToken: 'EAAG-someone-elses-token-0123456789',
      });

    it('a number another tenant registered is 409 routing_key_taken at start: no call to Meta (issue 15)', async () => {
      const s = signup();
      await registerForOther(s);
      const calls = stack.meta.requests.length;
      const res = await request(stack.app)
        .post('/v1/onboardings')
        .set('Authorization', `Bearer ${key}`)
        .send(s.body)
        .expect(409);
      expect(res.body.error.code).toBe('routing_key_taken');
      expect(JSON.stringify(res.body)).not.toContain(OTHER);
      expect(stack.meta.requests.length).toBe(calls);
      expect(stack.meta.es.exchanged).not.toContain(s.code);
      await stack.senders.remove(OTHER, 'theirs');
    });

    it('without phoneNumberId: resolve_ids finds the number is another tenant’s and stops before subscribe_app', async () => {
      const s = signup();
      await registerForOther(s);
      const { phoneNumberId: _omitted, ...body } = s.body;
      const done = await settle((await start(body)).id);
      expect(done.failure).toMatchObject({
        step: 'resolve_ids',
        code: 'routing_key_taken',
        provider: 'meta',
      });
      expect(stepStatuses(done)).toMatchObject({ resolve_ids: 'failed', subscribe_app: 'skipped' });
      expect(stack.meta.es.calls.filter((c) => c.id === s.waba && c.ep === 'subscribed_apps')).toEqual([]);
      expect(stack.meta.es.calls.some((c) => c.ep === 'register' && c.id === s.phone)).toBe(false);
      await stack.senders.remove(OTHER, 'theirs');
    });

    it('store_sender: another tenant took the number meanwhile → nothing of theirs at Meta is undone', async () => {
      const s = signup();
      // The number is free at start; another tenant registers it while register_phone is in flight.
      const release = stack.meta.es.holdNext('register');
      const { id } = await start(s.body);
      await waitFor(
        async () => stack.meta.es.calls.some((c) => c.ep === 'register' && c.id === s.phone),
        (inFlight) => inFlight,
      );
      await registerForOther(s);
      release();
      const done = await settle(id);
      expect(done.failure).toMatchObject({
        step: 'store_sender',
        code: 'routing_key_taken',
        provider: 'meta',
      });
      expect(stepStatuses(done)).toEqual({
        exchange_code: 'done',
        resolve_ids: 'done',
        subscribe_app: 'done',
        register_phone: 'done',
        store_sender: 'failed',
      });
      expect(stack.meta.es.registered.has(s.phone)).toBe(true);
      expect(stack.meta.es.calls.filter((c) => c.ep === 'deregister' && c.id === s.phone)).toEqual([]);
      expect(stack.meta.es.wabas.get(s.waba)?.subscribedApps.size).toBe(1);
      expect((await stack.senders.get(OTHER, 'theirs'))?.phoneNumberId).toBe(s.phone);
      expect(await stack.senders.get(TENANT, `meta-${s.phone}`)).toBeNull();
    });
  });

  describe('the code is exchanged exactly once', () => {
    it('when a later step is retried (subscribe_app fails twice, transiently)', async () => {
      const s = signup();
      stack.meta.es.failNext(
        'subscribed_apps',
        { httpStatus: 500, code: 2, message: 'Temporarily down', isTransient: true },
        2,
      );
      const before = stack.meta.es.callsTo('oauth');
      const done = await settle((await start(s.body)).id);
      expect(done.status).toBe('ready');
      expect(done.steps.find((x) => x.name === 'subscribe_app')?.attempts).toBe(3);
      expect(stack.meta.es.callsTo('oauth') - before).toBe(1);
      expect(stack.meta.es.exchanged.filter((c) => c === s.code)).toHaveLength(1);
    });

    it('when Meta spends the code but answers after the step timeout: the attempt waits for it, no second call', async () => {
      const s = signup();
      const before = stack.meta.es.callsTo('oauth');
      const held = stack.metaAnswers.holdAnswerNext(/\/oauth\/access_token$/);
      const { id } = await start(s.body);
      const handle = stack.temporal.client.workflow.getHandle(workflowIds.onboarding(TENANT, id));
      await held.providerAnswered;
      expect(stack.meta.es.exchanged).toContain(s.code);
      // The race: with an attempt no longer than a step (1 s), this one timed out here, its retry
      // spent the code a second time and Meta's "has been used" failed the onboarding.
      const pending = await waitFor(
        async () => (await handle.describe()).raw.pendingActivities ?? [],
        (p) =>
          p.length !== 1 ||
          Number(p[0]?.attempt) > 1 ||
          Date.now() - (optionalTsToMs(p[0]?.lastStartedTime) ?? Date.now()) > 2 * STEP_TIMEOUT_MS,
        20_000,
        'the exchange attempt to outlive the step timeout',
      );
      expect(pending.map((p) => [p.activityType?.name, p.attempt])).toEqual([['onboardingExchangeCode', 1]]);
      held.release();

      const done = await settle(id);
      expect(done.status).toBe('ready');
      expect(done.steps[0]).toMatchObject({ name: 'exchange_code', status: 'done', attempts: 1 });
      expect(stack.meta.es.callsTo('oauth') - before).toBe(1);
      expect((await stack.senders.withCredentials(TENANT, `meta-${s.phone}`))?.credentials).toEqual({
        provider: 'meta',
        accessToken: s.token,
      });
      // Each attempt outlasts the HTTP call it wraps.
      const scheduled = (await handle.fetchHistory()).events?.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'onboardingExchangeCode',
      )?.activityTaskScheduledEventAttributes;
      expect(tsToMs(scheduled?.startToCloseTimeout)).toBeGreaterThan(stack.metaTimeoutMs);
    });

    it('when Meta spent the code and its answer was lost: the retry does not pass Meta’s refusal off as the tenant’s, it fails code_spent', async () => {
      const s = signup();
      const before = stack.meta.es.callsTo('oauth');
      stack.metaAnswers.dropAnswerNext(/\/oauth\/access_token$/);
      const done = await settle((await start(s.body)).id);
      expect(done.status).toBe('failed');
      expect(done.failure).toMatchObject({
        step: 'exchange_code',
        code: 'code_spent',
        provider: 'meta',
        providerCode: '100',
      });
      expect(done.failure?.message).toMatch(/earlier attempt of this onboarding spent it/);
      // The first call spent it (its answer never came), the second was refused; none after.
      expect(stack.meta.es.callsTo('oauth') - before).toBe(2);
      expect(stack.meta.es.exchanged.filter((c) => c === s.code)).toHaveLength(1);
      expect(done.steps[0]).toMatchObject({ status: 'failed', attempts: 2 });
      expect(stepStatuses(done)).toMatchObject({ resolve_ids: 'skipped', store_sender: 'skipped' });
      expect((await stack.onboardings.get(TENANT, done.id))?.secrets).toEqual({});
    });
  });
});
