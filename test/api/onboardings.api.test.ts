import request from 'supertest';
import { buildTestApp } from '../helpers/app';
import { captureLogger } from '../helpers/logger';
import { waitFor } from '../helpers/sessions';
import { useOnboarding } from '../fixtures/onboarding';

type Detail = { field: string; rule: string };

describe('/v1/onboardings: start (202), progress, list, validation and tenancy', () => {
  const log = captureLogger();
  const stack = useOnboarding({
    queue: 'onb-api',
    tenants: ['tenant-onb-api-a', 'tenant-onb-api-b'],
    logger: log.logger,
  });
  let keyA: string;
  let keyB: string;
  const twilio = (phone: string) => ({ provider: 'twilio', wabaId: '123456789012', phoneNumber: phone });
  const post = (body: unknown, key = keyA) =>
    request(stack.app)
      .post('/v1/onboardings')
      .set('Authorization', `Bearer ${key}`)
      .send(body as object);
  const get = (path: string, key = keyA) =>
    request(stack.app).get(path).set('Authorization', `Bearer ${key}`);
  const fieldsOf = (body: { error: { details: Detail[] } }) => body.error.details.map((d) => d.field);

  beforeAll(() => {
    keyA = stack.key('tenant-onb-api-a');
    keyB = stack.key('tenant-onb-api-b');
  });

  it('answers 202 with the onboarding, then GET shows its steps progressing to ready; the list has it first', async () => {
    stack.twilio.opts.pollsUntilDone = 5;
    const res = await post(twilio('+14155550201')).expect(202);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^onb_/),
      provider: 'twilio',
      senderId: 'twilio-14155550201',
      status: 'running',
      steps: [
        { name: 'create_sender', status: 'pending' },
        { name: 'await_online', status: 'pending' },
        { name: 'store_sender', status: 'pending' },
      ],
      failure: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = res.body.id as string;
    const seen = new Set<string>();
    const done = await waitFor(
      async () =>
        (await get(`/v1/onboardings/${id}`).expect(200)).body as {
          status: string;
          steps: { status: string }[];
        },
      (v) => {
        seen.add(v.steps.map((s) => s.status).join(','));
        return v.status === 'ready';
      },
    );
    expect(done.steps).toEqual([
      expect.objectContaining({
        name: 'create_sender',
        status: 'done',
        attempts: 1,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
      }),
      expect.objectContaining({ name: 'await_online', status: 'done', attempts: 5 }),
      expect.objectContaining({ name: 'store_sender', status: 'done', attempts: 1 }),
    ]);
    // Progress was visible on the way (at least one state between "all pending" and "all done").
    expect([...seen].some((s) => s !== 'done,done,done' && s.includes('done'))).toBe(true);

    const second = (await post(twilio('+14155550202')).expect(202)).body.id as string;
    const list = await waitFor(
      async () => (await get('/v1/onboardings?limit=5').expect(200)).body.items as { id: string }[],
      (items) => items.length >= 2,
    );
    expect(list.slice(0, 2).map((o) => o.id)).toEqual([second, id]);
    expect((await get('/v1/onboardings?limit=1').expect(200)).body.items).toHaveLength(1);
  });

  it('bad input is 400 naming the field and the rule; nothing starts', async () => {
    const cases: Array<[unknown, string]> = [
      [{ provider: 'meta', pin: '123456' }, 'body.code'],
      [{ provider: 'meta', code: 'AQD-code', pin: '12345' }, 'body.pin'],
      [{ provider: 'meta', code: 'AQD-code', pin: '123456', wabaId: 'abc' }, 'body.wabaId'],
      [{ provider: 'meta', code: 'AQD-code', pin: '123456', extra: 1 }, 'body'],
      [{ provider: 'whatsapp', code: 'x' }, 'body.provider'],
      [{ provider: '360dialog', channelId: 'bad id!' }, 'body.channelId'],
      [{ ...twilio('12'), wabaId: '123456789012' }, 'body.phoneNumber'],
      [{ ...twilio('+14155550299'), accountSid: `AC${'d'.repeat(32)}` }, 'body.authToken'],
      [{ ...twilio('+14155550299'), senderId: 'no spaces allowed' }, 'body.senderId'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect({ body, fields: fieldsOf(res.body) }).toEqual({ body, fields: expect.arrayContaining([field]) });
    }
    const header = await post(twilio('+14155550298')).set('Idempotency-Key', 'x'.repeat(300)).expect(400);
    expect(fieldsOf(header.body)).toEqual(['headers.idempotency-key']);
    expect(fieldsOf((await get('/v1/onboardings/not-an-id').expect(400)).body)).toEqual(['params.id']);
    expect(fieldsOf((await get('/v1/onboardings?limit=0').expect(400)).body)).toEqual(['query.limit']);
    expect(stack.twilio.bySenderId('whatsapp:+14155550299')).toBeUndefined();
  });

  it("another tenant's key sees 404 and an empty list; an unknown id is 404; no key is 401", async () => {
    const id = (await post(twilio('+14155550203')).expect(202)).body.id as string;
    expect((await get(`/v1/onboardings/${id}`, keyB).expect(404)).body.error.code).toBe('not_found');
    expect((await get('/v1/onboardings', keyB).expect(200)).body.items).toEqual([]);
    expect((await get('/v1/onboardings/onb_doesNotExist123').expect(404)).body.error.code).toBe('not_found');
    await request(stack.app).get(`/v1/onboardings/${id}`).expect(401);
    await waitFor(
      async () => (await get(`/v1/onboardings/${id}`).expect(200)).body.status as string,
      (s) => s !== 'running',
    );
  });

  it('an Idempotency-Key replays the same onboarding; with another body it is 409', async () => {
    const first = await post(twilio('+14155550204')).set('Idempotency-Key', 'onb-key-1').expect(202);
    const again = await post(twilio('+14155550204')).set('Idempotency-Key', 'onb-key-1').expect(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await post(twilio('+14155550205')).set('Idempotency-Key', 'onb-key-1').expect(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    await waitFor(
      async () => (await get(`/v1/onboardings/${first.body.id}`).expect(200)).body.status as string,
      (s) => s === 'ready',
    );
    expect(
      [...stack.twilio.senders.values()].filter((s) => s.senderId === 'whatsapp:+14155550204'),
    ).toHaveLength(1);
  });

  it('a sender id that exists is 409 sender_exists', async () => {
    await stack.senders.register('tenant-onb-api-a', {
      senderId: 'taken',
      displayPhoneNumber: '14155550206',
      credentials: { provider: 'twilio', accountSid: `AC${'e'.repeat(32)}`, authToken: 'f'.repeat(32) },
    });
    const res = await post({ ...twilio('+14155550207'), senderId: 'taken' }).expect(409);
    expect(res.body.error.code).toBe('sender_exists');
  });

  it('422 provider_not_configured when the server lacks the provider’s configuration', async () => {
    const bare = buildTestApp({
      conn: stack.db.conn,
      temporal: stack.temporal.client,
      taskQueue: 'never-polled',
      logger: log.logger,
      overrides: {
        onboardings: {
          commands: stack.commandsWith(
            {},
            { meta: false, '360dialog': false, twilio: true, twilioAccount: false },
          ),
        },
      },
    });
    const send = (body: object) =>
      request(bare).post('/v1/onboardings').set('Authorization', `Bearer ${keyA}`).send(body);
    for (const body of [
      { provider: 'meta', code: 'AQD-code', pin: '123456' },
      {
        provider: '360dialog',
        channelId: 'Ch1CH',
        clientId: 'Cl1',
        state: `st_${'A'.repeat(22)}.${'B'.repeat(43)}`,
      },
      twilio('+14155550208'),
    ]) {
      const res = await send(body).expect(422);
      expect(res.body.error.code).toBe('provider_not_configured');
    }
  });
});
