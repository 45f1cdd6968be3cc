import request from 'supertest';
import { useStack } from '../fixtures/stack';
import type { MetaGraphFake } from '../fakes/meta-graph.fake';
import { TwilioSendersFake } from '../fakes/twilio-senders.fake';

const SID = `AC${'0a'.repeat(16)}`;
const AUTH_TOKEN = 'f'.repeat(32);
const WABA = '102290129340398';
const OTHER_WABA = '109999999999999';
const PHONE = '106540352242922';
const OTHER_PHONE = '106540352249999';
const TOKEN = 'EAAG-senders-owner-token-0123456789';
const OTHER_TOKEN = 'EAAG-senders-other-token-0123456789';

/** `POST /v1/senders` for the providers a tenant can bring by hand: Meta and Twilio. */
describe('POST /v1/senders', () => {
  let twilio: TwilioSendersFake;
  beforeAll(async () => {
    twilio = await new TwilioSendersFake({ accounts: { [SID]: AUTH_TOKEN } }).start();
    twilio.addExisting(SID, '+14155552345');
  });
  afterAll(() => twilio.stop());
  const stack = useStack(() => ({
    queue: 'senders',
    tenants: ['tenant-snd-a', 'tenant-snd-b'],
    fakes: { meta: { tokens: {} } },
    messaging: { twilioSendersBaseUrl: twilio.baseUrl },
    worker: false,
  }));
  let meta: MetaGraphFake;
  let keyA: string;
  let keyB: string;
  beforeAll(() => {
    meta = stack.fakes.meta;
    // What the providers know: who owns which number (the ownership check asks them, issue 15).
    meta.es.ownNumber({ wabaId: WABA, phoneNumberId: PHONE, token: TOKEN });
    meta.es.ownNumber({ wabaId: OTHER_WABA, phoneNumberId: OTHER_PHONE, token: OTHER_TOKEN });
    keyA = stack.key('tenant-snd-a');
    keyB = stack.key('tenant-snd-b');
  });
  const post = (body: unknown, key = keyA) =>
    request(stack.api.app)
      .post('/v1/senders')
      .set('Authorization', `Bearer ${key}`)
      .send(body as object);

  it('registers a Twilio sender with its credentials sealed, never returned, seen by its tenant only', async () => {
    const res = await post({
      provider: 'twilio',
      phoneNumber: '+1 415 555 2345',
      accountSid: SID,
      authToken: AUTH_TOKEN,
    }).expect(201);
    expect(res.body).toMatchObject({
      id: 'twilio-14155552345',
      provider: 'twilio',
      displayPhoneNumber: '14155552345',
      accountId: SID,
      phoneNumberId: null,
    });
    const list = await request(stack.api.app)
      .get('/v1/senders')
      .set('Authorization', `Bearer ${keyA}`)
      .expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual(['twilio-14155552345']);
    expect(JSON.stringify(list.body)).not.toContain(AUTH_TOKEN);
    const raw = await stack.db.conn.collection('official_senders').findOne({ tenantId: 'tenant-snd-a' });
    expect(JSON.stringify(raw)).not.toContain(AUTH_TOKEN);
    const other = await request(stack.api.app)
      .get('/v1/senders')
      .set('Authorization', `Bearer ${keyB}`)
      .expect(200);
    expect(other.body.items).toEqual([]);
    // The same number of the same account belongs to one tenant only.
    const dup = await post(
      { provider: 'twilio', phoneNumber: '+14155552345', accountSid: SID, authToken: AUTH_TOKEN },
      keyB,
    ).expect(409);
    expect(dup.body.error.code).toBe('routing_key_taken');
  });

  const metaBody = (o: Partial<Record<string, string>> = {}) => ({
    provider: 'meta',
    phoneNumberId: PHONE,
    wabaId: WABA,
    displayPhoneNumber: '+1 555 078 3881',
    accessToken: TOKEN,
    ...o,
  });
  const stored = (tenantId: string) =>
    stack.db.conn.collection('official_senders').countDocuments({ tenantId });

  it('Meta: refuses a token that cannot see the number, and a number another WABA holds (422, nothing stored)', async () => {
    // A token of another WABA: Graph answers 100/33 for a number it cannot see.
    const blind = await post(metaBody({ accessToken: OTHER_TOKEN })).expect(422);
    expect(blind.body.error).toMatchObject({
      code: 'sender_not_verified',
      details: { field: 'body.accessToken', reason: 'not_visible_to_token', providerCode: '100' },
    });
    expect(JSON.stringify(blind.body)).not.toContain(OTHER_TOKEN);
    // An unknown token: 190.
    const unknown = await post(metaBody({ accessToken: 'EAAG-nobody-knows-this-token-0000' })).expect(422);
    expect(unknown.body.error.details).toMatchObject({ reason: 'not_visible_to_token', providerCode: '190' });
    // The other WABA's number claimed under that WABA, with our token: the WABA is not ours to read.
    const foreignWaba = await post(metaBody({ phoneNumberId: OTHER_PHONE, wabaId: OTHER_WABA })).expect(422);
    expect(foreignWaba.body.error.details).toMatchObject({ reason: 'not_visible_to_token' });
    // A number the token can see (it sends with it) claimed under a WABA that does not list it.
    meta.opts.tokens[OTHER_PHONE] = TOKEN;
    const elsewhere = await post(metaBody({ phoneNumberId: OTHER_PHONE })).expect(422);
    meta.opts.tokens[OTHER_PHONE] = OTHER_TOKEN;
    expect(elsewhere.body.error.details).toMatchObject({
      field: 'body.phoneNumberId',
      reason: 'phone_number_not_in_waba',
    });
    expect(await stored('tenant-snd-b')).toBe(0);
  });

  it('Meta: the owner registers (verified), another tenant gets 409 routing_key_taken before any provider call', async () => {
    const ok = await post(metaBody({ id: 'meta-owned' }), keyB).expect(201);
    expect(ok.body).toMatchObject({ id: 'meta-owned', phoneNumberId: PHONE, wabaId: WABA });
    const raw = await stack.db.conn
      .collection('official_senders')
      .findOne({ tenantId: 'tenant-snd-b', senderId: 'meta-owned' });
    expect(raw?.verifiedAt).toEqual(expect.any(Date));
    const calls = meta.requests.length;
    const taken = await post(metaBody({ id: 'meta-squat' })).expect(409);
    expect(taken.body.error.code).toBe('routing_key_taken');
    expect(JSON.stringify(taken.body)).not.toContain('tenant-snd-b');
    expect(meta.requests.length).toBe(calls);
  });

  it('a provider that does not answer is 503 with Retry-After, never accepted unverified', async () => {
    meta.es.down('phone_number', {
      httpStatus: 500,
      code: 2,
      message: 'Service temporarily unavailable',
      isTransient: true,
    });
    try {
      const res = await post(
        metaBody({ phoneNumberId: OTHER_PHONE, wabaId: OTHER_WABA, accessToken: OTHER_TOKEN }),
      ).expect(503);
      expect(res.body.error.code).toBe('provider_unavailable');
      expect(res.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
    } finally {
      meta.es.up('phone_number');
    }
    expect(
      await stack.db.conn.collection('official_senders').countDocuments({ phoneNumberId: OTHER_PHONE }),
    ).toBe(0);
  });

  it('Twilio: credentials that cannot list the sender are refused (422), naming Twilio’s code', async () => {
    const body = {
      provider: 'twilio',
      phoneNumber: '+1 415 555 0000',
      accountSid: SID,
      authToken: AUTH_TOKEN,
    };
    const missing = await post(body).expect(422);
    expect(missing.body.error.details).toMatchObject({
      field: 'body.phoneNumber',
      reason: 'sender_not_found',
    });
    const wrong = await post({ ...body, authToken: 'e'.repeat(32) }).expect(422);
    expect(wrong.body.error.details).toMatchObject({ reason: 'credentials_refused', providerCode: '20003' });
    expect(JSON.stringify(wrong.body)).not.toContain('e'.repeat(32));
  });

  it('answers bad input with 400 naming the field and the rule, and writes nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [
        { provider: 'twilio', phoneNumber: '+14155550000', accountSid: 'AC1', authToken: AUTH_TOKEN },
        'body.accountSid',
      ],
      [
        { provider: 'twilio', phoneNumber: '+14155550000', accountSid: SID, authToken: 'secret' },
        'body.authToken',
      ],
      [
        { provider: 'twilio', phoneNumber: 'abc', accountSid: SID, authToken: AUTH_TOKEN },
        'body.phoneNumber',
      ],
      [{ provider: 'carrier-pigeon', phoneNumber: '+14155550000' }, 'body.provider'],
      [
        {
          provider: 'meta',
          phoneNumberId: 'abc',
          wabaId: '12345',
          displayPhoneNumber: '+15550001',
          accessToken: 'x'.repeat(30),
        },
        'body.phoneNumberId',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await post(body).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect(
      await stack.db.conn.collection('official_senders').countDocuments({ tenantId: 'tenant-snd-a' }),
    ).toBe(1);
  });
});
