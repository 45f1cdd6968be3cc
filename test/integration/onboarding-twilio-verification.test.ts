import request from 'supertest';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { captureLogger } from '../helpers/logger';
import { TWILIO_ACCOUNT, historyText } from '../helpers/onboarding';
import { waitFor } from '../helpers/sessions';
import { openHistoryPayloads } from '../helpers/temporal';
import { useOnboarding } from '../fixtures/onboarding';

type View = {
  id: string;
  senderId: string;
  status: string;
  awaiting?: string;
  steps: { name: string; status: string; error?: { code: string; message: string; providerCode?: string } }[];
  failure: unknown;
};

const TENANT = 'tenant-onb-otp';
const OTHER = 'tenant-onb-otp-b';
/** 8 digits: never found by chance in a history's ciphertexts and timestamps. */
const RIGHT = '48291376';
const WRONG = '90817263';
const basic = `Basic ${Buffer.from(`${TWILIO_ACCOUNT.accountSid}:${TWILIO_ACCOUNT.authToken}`).toString('base64')}`;

describe('Twilio onboarding: the verification code of a PENDING_VERIFICATION sender (real Temporal + FerretDB)', () => {
  const log = captureLogger();
  let key: string;
  let otherKey: string;
  let seq = 0;
  const started: string[] = [];

  const get = async (id: string, k = key) =>
    (await request(stack.app).get(`/v1/onboardings/${id}`).set('Authorization', `Bearer ${k}`)).body as View;
  const submit = (id: string, body: unknown, k = key) =>
    request(stack.app)
      .post(`/v1/onboardings/${id}/verification`)
      .set('Authorization', `Bearer ${k}`)
      .send(body as object);
  const awaitOnline = (v: View) => v.steps.find((s) => s.name === 'await_online');
  /** Starts a Twilio onboarding and waits until its view says it awaits the verification code. */
  async function pending(): Promise<string> {
    seq += 1;
    const res = await request(stack.app)
      .post('/v1/onboardings')
      .set('Authorization', `Bearer ${key}`)
      .send({ provider: 'twilio', wabaId: '123456789012', phoneNumber: `+1415555${2000 + seq}` })
      .expect(202);
    const id = (res.body as View).id;
    started.push(id);
    await waitFor(
      () => get(id),
      (v) => v.awaiting === 'verification_code',
      20_000,
      'awaiting the code',
    );
    return id;
  }

  afterAll(async () => {
    // Onboardings left waiting for a code end (their sender is deleted) instead of lingering.
    for (const id of started)
      await stack.temporal.client.workflow
        .getHandle(workflowIds.onboarding(TENANT, id))
        .cancel()
        .catch(() => undefined);
  });
  const stack = useOnboarding({
    queue: 'onb-otp',
    tenants: [TENANT, OTHER],
    logger: log.logger,
    settings: { twilioOnlineTimeoutMs: 60_000, twilioPollMs: 100 },
  });
  beforeAll(() => {
    key = stack.key(TENANT);
    otherKey = stack.key(OTHER);
    stack.twilio.opts.outcome = 'pending';
    stack.twilio.opts.verificationCode = RIGHT;
  });

  it('a wrong code is recorded on await_online and the onboarding keeps waiting; the right one brings it to ready; the code is nowhere', async () => {
    const id = await pending();
    const waiting = await get(id);
    expect(waiting).toMatchObject({ status: 'running', awaiting: 'verification_code' });
    expect(awaitOnline(waiting)?.status).toBe('running');

    expect((await submit(id, { code: WRONG }).expect(202)).body).toEqual({ id, verification: 'submitted' });
    const refused = await waitFor(
      () => get(id),
      (v) => awaitOnline(v)?.error?.providerCode === '63150',
      20_000,
      'the refusal on the step',
    );
    expect(awaitOnline(refused)?.error).toMatchObject({ code: 'provider_rejected', providerCode: '63150' });
    expect(awaitOnline(refused)?.error?.message).toMatch(/verification code not accepted/);
    expect(refused).toMatchObject({ status: 'running', awaiting: 'verification_code', failure: null });

    await submit(id, { code: RIGHT }).expect(202);
    const done = (await stack.settled(key, id)) as unknown as View;
    expect(done.status).toBe('ready');
    expect(done.awaiting).toBeUndefined();
    expect(awaitOnline(done)).toMatchObject({ status: 'done' });
    expect(awaitOnline(done)?.error).toBeUndefined();
    // What Twilio received: the two codes, in the documented update body, with the account's credentials.
    const updates = stack.twilio.calls.filter((c) => c.ep === 'update');
    expect(updates.map((c) => c.body)).toEqual([
      { configuration: { verification_code: WRONG } },
      { configuration: { verification_code: RIGHT } },
    ]);
    expect(updates.every((c) => c.headers.authorization === basic)).toBe(true);
    expect(await stack.senders.get(TENANT, done.senderId)).toMatchObject({ provider: 'twilio' });

    // Nowhere in clear: workflow history (signal + activity input hold ciphertext), API views, logs.
    const history = historyText(
      await openHistoryPayloads(
        await stack.temporal.client.workflow.getHandle(workflowIds.onboarding(TENANT, id)).fetchHistory(),
      ),
    );
    expect(history).toContain('twilioVerificationCode');
    const list = await request(stack.app).get('/v1/onboardings').set('Authorization', `Bearer ${key}`);
    const doc = await stack.onboardings.get(TENANT, id);
    for (const code of [RIGHT, WRONG]) {
      expect(history).not.toContain(code);
      expect(JSON.stringify([refused, done, list.body])).not.toContain(code);
      expect(JSON.stringify(doc)).not.toContain(code);
      expect(log.lines().join('\n')).not.toContain(code);
    }
  });

  it('Twilio echoing the code in its error: redacted from the step error, history and logs', async () => {
    const id = await pending();
    stack.twilio.failNext('update', {
      httpStatus: 400,
      code: 63150,
      message: `Verification code ${WRONG} is invalid`,
    });
    await submit(id, { code: WRONG }).expect(202);
    const refused = await waitFor(
      () => get(id),
      (v) => awaitOnline(v)?.error?.providerCode === '63150',
      20_000,
      'the refusal on the step',
    );
    expect(awaitOnline(refused)?.error?.message).toContain('Verification code [redacted] is invalid');
    expect(refused.awaiting).toBe('verification_code');
    const history = historyText(
      await openHistoryPayloads(
        await stack.temporal.client.workflow.getHandle(workflowIds.onboarding(TENANT, id)).fetchHistory(),
      ),
    );
    expect(history).toContain('[redacted]');
    expect(history).not.toContain(WRONG);
    expect(log.lines().join('\n')).not.toContain(WRONG);
  });

  it('tenancy and validation: another tenant’s key or an unknown id → 404; a bad code → 400 naming body.code', async () => {
    const id = await pending();
    const theirs = await submit(id, { code: RIGHT }, otherKey).expect(404);
    expect(theirs.body.error.code).toBe('not_found');
    expect(JSON.stringify(theirs.body)).not.toContain(TENANT);
    await submit('onb_doesNotExist', { code: RIGHT }).expect(404);
    for (const body of [{ code: '12ab' }, { code: '123' }, { code: '12345678901' }, {}, { code: 123456 }]) {
      const res = await submit(id, body).expect(400);
      expect(res.body.error.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'body.code' })]),
      );
    }
    const extra = await submit(id, { code: RIGHT, pin: '1' }).expect(400);
    expect(extra.body.error.code).toBe('validation_failed');
    await submit('not-an-id', { code: RIGHT }).expect(400);
    // Nothing was submitted to Twilio for this onboarding.
    expect((await get(id)).awaiting).toBe('verification_code');
    expect(awaitOnline(await get(id))?.error).toBeUndefined();
  });

  it('409 not_awaiting_verification when the onboarding is not a sender waiting for its code', async () => {
    stack.twilio.opts.outcome = 'online';
    try {
      seq += 1;
      const res = await request(stack.app)
        .post('/v1/onboardings')
        .set('Authorization', `Bearer ${key}`)
        .send({ provider: 'twilio', wabaId: '123456789012', phoneNumber: `+1415555${2000 + seq}` })
        .expect(202);
      const id = (res.body as View).id;
      expect((await stack.settled(key, id)).status).toBe('ready');
      const late = await submit(id, { code: RIGHT }).expect(409);
      expect(late.body.error.code).toBe('not_awaiting_verification');
    } finally {
      stack.twilio.opts.outcome = 'pending';
    }
    // A 360dialog onboarding comes back from the Hub with its client and the state issued then (issue 15).
    const issued = await request(stack.app)
      .post('/v1/onboardings/360dialog/state')
      .set('Authorization', `Bearer ${key}`)
      .expect(201);
    const meta = await request(stack.app)
      .post('/v1/onboardings')
      .set('Authorization', `Bearer ${key}`)
      .send({
        provider: '360dialog',
        channelId: 'ChOtp999CH',
        clientId: 'clientOtp',
        state: issued.body.state,
      })
      .expect(202);
    await stack.settled(key, (meta.body as View).id);
    expect((await submit((meta.body as View).id, { code: RIGHT }).expect(409)).body.error.code).toBe(
      'not_awaiting_verification',
    );
  });
});
