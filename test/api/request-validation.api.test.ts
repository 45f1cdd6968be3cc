import request from 'supertest';
import { MAX_JSON_DEPTH } from '../../src/schemas/storable-json';
import { useStack } from '../fixtures/stack';

const TENANT = 'tenant-reqval';
type Detail = { field: string; rule: string; message: string };

/**
 * Issue 13: what the door refuses and how it says so — every refusal a 4xx naming the field and the
 * rule, nothing accepted that cannot be stored, and no 5xx for any input.
 */
describe('request validation at the door', () => {
  // No worker: nothing here may be accepted, so nothing ever needs to run.
  const stack = useStack({
    queue: 'reqval',
    tenants: [TENANT],
    worker: false,
    senders: {
      [TENANT]: [
        {
          senderId: 'meta-rv',
          phoneNumberId: '400000000000013',
          wabaId: '1013',
          displayPhoneNumber: '15550000013',
          accessToken: 'EAAG-reqval-token-0123456789',
        },
      ],
    },
  });
  let auth: { Authorization: string };
  beforeAll(() => {
    auth = stack.auth(TENANT);
  });

  const post = (path: string, body: unknown) =>
    request(stack.api.app)
      .post(path)
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
  const get = (path: string) => request(stack.api.app).get(path).set(auth);
  const message = (extra: object) => ({ from: 'meta-rv', to: '+4915112345678', ...extra });
  const template = (parameters: unknown[]) =>
    message({
      type: 'template',
      template: { name: 'order_update', language: 'en_US', components: [{ type: 'body', parameters }] },
    });
  /** A 400 `validation_failed` whose details include exactly this field with this rule. */
  const refused = (res: request.Response, field: string, rule: string): Detail => {
    expect({ status: res.status, code: res.body.error?.code }).toEqual({
      status: 400,
      code: 'validation_failed',
    });
    const detail = (res.body.error.details as Detail[]).find((d) => d.field === field);
    expect(detail).toMatchObject({ field, rule });
    return detail as Detail;
  };
  const messagesInDb = () => stack.db.conn.collection('whatsapp_message_histories').countDocuments({});

  describe('poison input on POST /v1/messages', () => {
    it('refuses a NUL character anywhere: template parameter, text, metadata value', async () => {
      const cases: Array<[unknown, string]> = [
        [template([{ type: 'text', text: 'a\u0000b' }]), 'body.template.components.0.parameters.0.text'],
        [message({ type: 'text', text: { body: 'hi\u0000' } }), 'body.text.body'],
        [message({ type: 'text', text: { body: 'hi' }, metadata: { k: 'v\u0000' } }), 'body.metadata.k'],
      ];
      for (const [body, field] of cases) {
        const d = refused(await post('/v1/messages', body), field, 'no_nul_character');
        expect(d.message).toBe('must not contain the NUL character');
      }
    });

    it('refuses $-prefixed and dotted keys in template parameters and metadata', async () => {
      refused(
        await post('/v1/messages', template([{ type: 'text', text: 'x', $where: '1' }])),
        'body.template.components.0.parameters.0.$where',
        'no_dollar_key',
      );
      refused(
        await post('/v1/messages', template([{ type: 'text', text: 'x', nested: { 'a.b': 1 } }])),
        'body.template.components.0.parameters.0.nested.a.b',
        'no_dot_key',
      );
      const meta = refused(
        await post(
          '/v1/messages',
          message({ type: 'text', text: { body: 'x' }, metadata: { 'order.id': 'A' } }),
        ),
        'body.metadata.order.id',
        'no_dot_key',
      );
      expect(meta.message).toBe('key must not contain .');
    });

    it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels (a 5,000-deep parameter was a 500)`, async () => {
      // Built as text: JSON.stringify itself overflows the stack at this depth.
      const nested = (open: string, inner: string, close: string, n: number) =>
        open.repeat(n) + inner + close.repeat(n);
      const params = JSON.stringify(template([{ type: 'text', text: '@' }]));
      const deep = params.replace('"@"', nested('{"v":', '"x"', '}', 5_000));
      const res = await request(stack.api.app)
        .post('/v1/messages')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(deep);
      const d = refused(
        res,
        `body.template.components.0.parameters.0.text${'.v'.repeat(MAX_JSON_DEPTH - 6)}`,
        'max_depth',
      );
      expect(d.message).toBe(`must not nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels`);
      // Arrays count alike (through objects: FerretDB refuses an array directly inside an array).
      const arrays = await request(stack.api.app)
        .post('/v1/messages')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(`{"a":${nested('[{"v":', '1', '}]', 2_500)}}`);
      refused(arrays, `body.a${'.0.v'.repeat(15)}.0`, 'max_depth');
      let atLimit: unknown = 1;
      for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) atLimit = { v: atLimit };
      const ok = await post('/v1/messages', {
        ...message({ type: 'text', text: { body: 'x' } }),
        deep: atLimit,
      });
      expect((ok.body.error.details as Detail[]).map((x) => x.rule)).toEqual(['unrecognized_keys']);
      expect(await messagesInDb()).toBe(0);
    });
  });

  it('refuses what FerretDB cannot store: an array directly inside an array, infinity (1e309)', async () => {
    const nestedArray = refused(
      await post('/v1/messages', template([{ type: 'text', text: 'x', rows: [[1, 2]] }])),
      'body.template.components.0.parameters.0.rows.0',
      'no_nested_array',
    );
    expect(nestedArray.message).toBe('must not be an array directly inside an array');
    const infinite = await request(stack.api.app)
      .post('/v1/messages')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(template([{ type: 'currency', amount: '@' }])).replace('"@"', '1e309'));
    expect(refused(infinite, 'body.template.components.0.parameters.0.amount', 'finite_number').message).toBe(
      'must be a finite number',
    );
    expect(await messagesInDb()).toBe(0);
  });

  it('location coordinates are numbers (or decimal strings) in range: [], "", null, " ", true are refused', async () => {
    for (const bad of [[], '', null, ' ', true, '1e2', 91, '-90.5']) {
      const res = await post(
        '/v1/messages',
        message({ type: 'location', location: { latitude: bad, longitude: 13.4 } }),
      );
      const d = refused(res, 'body.location.latitude', expect.any(String) as unknown as string);
      expect({ bad, message: d.message }).toEqual({ bad, message: 'must be a number from -90 to 90' });
    }
    const lng = await post(
      '/v1/messages',
      message({ type: 'location', location: { latitude: 1, longitude: false } }),
    );
    expect(refused(lng, 'body.location.longitude', 'invalid_union').message).toBe(
      'must be a number from -180 to 180',
    );
  });

  describe('query parameters', () => {
    it('a repeated parameter is "must be given once", not 2001-01-02 or NaN', async () => {
      const since = await get('/v1/messages?since=2025-01-01T00:00:00Z&since=2025-02-01T00:00:00Z');
      expect(refused(since, 'query.since', 'repeated').message).toBe('must be given once');
      const until = await get('/v1/messages?until=2025-01-01&until=2025-01-02&limit=0');
      refused(until, 'query.until', 'repeated');
      refused(until, 'query.limit', 'too_small');
      const limit = await get('/v1/messages?limit=1&limit=2');
      expect(refused(limit, 'query.limit', 'repeated').message).toBe('must be given once');
      refused(await get('/v1/stats?from=2025-01-01&from=2025-01-02'), 'query.from', 'repeated');
    });

    it('a number that is not one says which numbers are allowed (not "received NaN")', async () => {
      const res = await get('/v1/messages?limit=abc');
      expect(refused(res, 'query.limit', 'invalid_type').message).toBe(
        'must be a whole number from 1 to 100',
      );
      const big = await get('/v1/messages?limit=101');
      expect(refused(big, 'query.limit', 'too_big').message).toBe('must be a whole number from 1 to 100');
      const ping = await request(stack.api.app).post('/v1/diagnostics/ping?timeoutMs=soon').set(auth);
      expect(refused(ping, 'query.timeoutMs', 'invalid_type').message).toBe(
        'must be a whole number from 100 to 30000',
      );
    });

    it('a date that is not ISO 8601 says so (not "expected date, received Date")', async () => {
      const res = await get('/v1/messages?since=yesterday');
      expect(refused(res, 'query.since', 'invalid_format').message).toMatch(/^must be an ISO 8601 date-time/);
      const zoneless = await get('/v1/messages?until=2025-01-01T10:00:00');
      refused(zoneless, 'query.until', 'invalid_format');
      const noDay = await get('/v1/messages?since=2025-02-30');
      expect(refused(noDay, 'query.since', 'invalid_format').message).toBe('is not a calendar date');
      await get('/v1/messages?since=2025-01-01&until=2025-01-02T00:00:00%2B01:00').expect(200);
    });

    it('GET /v1/stats reads years 0000-0099 as themselves, not 1900-1999', async () => {
      const res = await get('/v1/stats?from=0050-03-01&to=0050-03-02').expect(200);
      expect(res.body.range).toMatchObject({
        from: '0050-03-01T00:00:00.000Z',
        to: '0050-03-03T00:00:00.000Z',
      });
      expect(res.body.byPeriod.map((p: { period: string }) => p.period)).toEqual([
        '0050-03-01',
        '0050-03-02',
      ]);
      const zero = await get('/v1/stats?from=0000-01-01T00:00:00Z&to=0000-01-01T05:00:00Z&granularity=hour');
      expect(zero.status).toBe(200);
      expect(zero.body.range.from).toBe('0000-01-01T00:00:00.000Z');
      expect(zero.body.byPeriod).toHaveLength(5);
    });
  });

  it('POST /v1/senders needs provider, as the OpenAPI document says', async () => {
    const res = await post('/v1/senders', {
      phoneNumberId: '400000000000099',
      wabaId: '1099',
      displayPhoneNumber: '+15550000099',
      accessToken: 'EAAG-reqval-token-0123456789',
    });
    expect(refused(res, 'body.provider', 'invalid_union').message).toBe("must be 'meta' or 'twilio'");
    expect(
      await stack.db.conn.collection('official_senders').countDocuments({ senderId: 'meta-400000000000099' }),
    ).toBe(0);
  });

  describe('the body itself', () => {
    it('a body that is not JSON is 415 unsupported_media_type', async () => {
      const res = await request(stack.api.app)
        .post('/v1/messages')
        .set(auth)
        .set('Content-Type', 'text/plain')
        .send('{"from":"meta-rv"}')
        .expect(415);
      expect(res.body.error).toEqual({
        code: 'unsupported_media_type',
        message: 'Content-Type text/plain is not supported: send application/json',
      });
      const form = await request(stack.api.app).post('/v1/senders').set(auth).type('form').send({ a: 'b' });
      expect(form.status).toBe(415);
    });

    it('no body is "body: required", and a bare null, array or number is "must be a JSON object"', async () => {
      const none = await request(stack.api.app).post('/v1/messages').set(auth);
      expect(refused(none, 'body', 'required').message).toMatch(/^must be a JSON object/);
      for (const raw of ['null', '[]', '42', '"x"']) {
        const res = await request(stack.api.app)
          .post('/v1/messages')
          .set(auth)
          .set('Content-Type', 'application/json')
          .send(raw);
        expect({ raw, message: refused(res, 'body', 'invalid_type').message }).toEqual({
          raw,
          message: 'must be a JSON object',
        });
      }
    });

    it('malformed JSON is still 400 invalid_json', async () => {
      const res = await request(stack.api.app)
        .post('/v1/messages')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{"from":')
        .expect(400);
      expect(res.body.error.code).toBe('invalid_json');
    });
  });

  it('a wrong auth scheme says the scheme must be Bearer; no header says it is missing', async () => {
    const basic = await request(stack.api.app)
      .get('/v1/messages')
      .set('Authorization', 'Basic dXNlcjpwYXNz')
      .expect(401);
    expect(basic.body.error).toEqual({
      code: 'unauthorized',
      message: 'Authorization must use the Bearer scheme: Bearer <api key>',
    });
    const bare = await request(stack.api.app).get('/v1/messages').set('Authorization', 'Bearer').expect(401);
    expect(bare.body.error.message).toBe('Authorization: Bearer must be followed by exactly one API key');
    const missing = await request(stack.api.app).get('/v1/messages').expect(401);
    expect(missing.body.error.message).toBe('Missing Authorization: Bearer <api key> header');
  });

  it('a wrong method is 405 with Allow listing the methods the path has; an unknown path stays 404', async () => {
    const list = await request(stack.api.app).delete('/v1/messages').set(auth).expect(405);
    expect(list.headers.allow).toBe('GET, HEAD, POST');
    expect(list.body.error).toEqual({
      code: 'method_not_allowed',
      message: 'DELETE is not allowed on /v1/messages: use GET, HEAD, POST',
    });
    const one = await request(stack.api.app).put('/v1/messages/msg_0123456789abcdef').set(auth).expect(405);
    expect(one.headers.allow).toBe('GET, HEAD');
    const cancel = await request(stack.api.app)
      .get('/v1/messages/msg_0123456789abcdef/cancel')
      .set(auth)
      .expect(405);
    expect(cancel.headers.allow).toBe('POST');
    const probe = await request(stack.api.app).post('/healthz').expect(405);
    expect(probe.headers.allow).toBe('GET, HEAD');
    const nope = await request(stack.api.app).get('/v1/nothing-here').set(auth).expect(404);
    expect(nope.body.error.code).toBe('route_not_found');
    // Still behind the key: no method list for a caller without one.
    await request(stack.api.app).delete('/v1/messages').expect(401);
  });
});
