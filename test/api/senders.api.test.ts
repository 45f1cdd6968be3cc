import request from 'supertest';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { captureLogger } from '../helpers/logger';
import { messagingDeps, startMessagingApi } from '../helpers/messaging';
import { openTestDatabase } from '../helpers/mongo';
import { connectTestTemporal, uniqueTaskQueue } from '../helpers/temporal';

const SID = `AC${'0a'.repeat(16)}`;
const AUTH_TOKEN = 'f'.repeat(32);

/** `POST /v1/senders` for the providers a tenant can bring by hand: Meta and Twilio. */
describe('POST /v1/senders', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
  let api: Awaited<ReturnType<typeof startMessagingApi>>;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    temporal = await connectTestTemporal();
    const deps = messagingDeps({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue: uniqueTaskQueue('senders'),
      metaBaseUrl: 'http://127.0.0.1:9',
    });
    api = await startMessagingApi({
      conn: db.conn,
      temporal: temporal.client,
      taskQueue: uniqueTaskQueue('senders'),
      logger: captureLogger().logger,
      deps,
    });
    const keys = createApiKeyRepository(db.conn);
    keyA = (await keys.create('tenant-snd-a')).token;
    keyB = (await keys.create('tenant-snd-b')).token;
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
    await temporal.close();
  });
  const post = (body: unknown, key = keyA) =>
    request(api.app)
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
    const list = await request(api.app).get('/v1/senders').set('Authorization', `Bearer ${keyA}`).expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual(['twilio-14155552345']);
    expect(JSON.stringify(list.body)).not.toContain(AUTH_TOKEN);
    const raw = await db.conn.collection('official_senders').findOne({ tenantId: 'tenant-snd-a' });
    expect(JSON.stringify(raw)).not.toContain(AUTH_TOKEN);
    const other = await request(api.app)
      .get('/v1/senders')
      .set('Authorization', `Bearer ${keyB}`)
      .expect(200);
    expect(other.body.items).toEqual([]);
    // The same number of the same account belongs to one tenant only.
    const dup = await post(
      { provider: 'twilio', phoneNumber: '+14155552345', accountSid: SID, authToken: AUTH_TOKEN },
      keyB,
    ).expect(409);
    expect(dup.body.error.code).toBe('sender_exists');
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
    expect(await db.conn.collection('official_senders').countDocuments({ tenantId: 'tenant-snd-a' })).toBe(1);
  });
});
